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
