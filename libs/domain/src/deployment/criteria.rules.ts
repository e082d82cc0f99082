import { CRITERION_METRICS, isRatioMetric, type Criterion } from '@baseliner/contracts';
import type { DomainErrorDetail } from './domain-error';

/** Problems with a criteria list, one per offending field; empty when the list is sound. */
export function criteriaProblems(criteria: Criterion[], field = 'criteria'): DomainErrorDetail[] {
  const problems: DomainErrorDetail[] = [];
  const seen = new Set<string>();
  criteria.forEach((criterion, i) => {
    const at = `${field}[${i}]`;
    const targets = (['relativeChange', 'atMost', 'atLeast'] as const).filter((k) => criterion[k] !== undefined);
    if (targets.length !== 1) {
      problems.push({
        field: at,
        message: `must set exactly one of relativeChange, atMost, atLeast (has ${targets.length ? targets.join(', ') : 'none'})`,
      });
    }
    if (seen.has(criterion.metric)) {
      problems.push({ field: `${at}.metric`, message: `${criterion.metric} appears twice: one criterion per metric` });
    }
    seen.add(criterion.metric);
    const definition = CRITERION_METRICS[criterion.metric];
    if (criterion.relativeChange !== undefined && !definition.comparesToBaseline) {
      problems.push({
        field: `${at}.relativeChange`,
        message: `${criterion.metric} has no baseline to compare with: use atLeast or atMost`,
      });
    }
    for (const bound of ['atMost', 'atLeast'] as const) {
      const value = criterion[bound];
      if (value !== undefined && isRatioMetric(criterion.metric) && value > 1) {
        problems.push({ field: `${at}.${bound}`, message: `${criterion.metric} is a ratio from 0 to 1; got ${value}` });
      }
    }
  });
  return problems;
}

/**
 * What a criteria list will mean in practice, where that may surprise its author. A "no worse"
 * target (relativeChange 0) is judged with an always-valid interval like every other: it is met
 * only when the metric is clearly better than the baseline, and stays inconclusive when it is
 * about the same. A small margin says "about the same is fine".
 */
export function criteriaAdvice(criteria: Criterion[], field = 'criteria'): DomainErrorDetail[] {
  const advice: DomainErrorDetail[] = [];
  criteria.forEach((criterion, i) => {
    if (criterion.relativeChange !== 0) return;
    const better = CRITERION_METRICS[criterion.metric].better === 'lower' ? 'lower' : 'higher';
    const margin = better === 'lower' ? 0.05 : -0.05;
    advice.push({
      field: `${field}[${i}].relativeChange`,
      message:
        `0 means "no worse", and it is met only once ${criterion.metric} is clearly ${better} than the baseline; ` +
        `if about the same is fine, allow a margin such as relativeChange ${margin}`,
    });
  });
  return advice;
}
