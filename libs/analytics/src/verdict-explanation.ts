import { CRITERION_METRICS, isRatioMetric, type CriterionMetric, type DeploymentPhase } from '@baseliner/contracts';
import type { RegisteredDeployment } from '@baseliner/domain';
import type { CriterionResult, CriterionStatus } from './criteria-evaluation';
import type { Verdict } from './verdicts';

/**
 * Why the verdict is what it is: the one criterion that decides it, with its numbers, and the
 * same in words — one line for people and a few words for a table cell.
 */
export interface VerdictExplanation {
  /** The deciding criterion; absent when no criterion decides (pending, rolled back, retired). */
  metric?: CriterionMetric;
  status?: CriterionStatus;
  target?: CriterionResult['target'];
  /** The number judged (a relative change for `relativeChange` targets, else the current value) and its always-valid 95% interval. */
  estimate?: number;
  lower?: number;
  upper?: number;
  /** insufficient_data: what is missing, in words. */
  missing?: string;
  /** Days until this criterion is conclusive at today's effect and pace, where that can be estimated. */
  daysToVerdict?: number;
  /** One line, e.g. "error ratio +236% (95% interval +180% to +290%) vs must not rise by more than 10%". */
  sentence: string;
  /** A few words for a table cell, e.g. "errors +236% vs ≤+10%". */
  short: string;
}

/** What the explanation needs to know about the deployment and its scorecard. */
export interface ExplanationInputs {
  verdict: Verdict;
  criteriaVerdict: Verdict;
  verdictSince?: string;
  criteria: readonly CriterionResult[];
  /** Per criterion (same order): days until conclusive, where estimable. */
  daysUntilConclusive: readonly (number | undefined)[];
  phase: DeploymentPhase;
  inRampUp: boolean;
  /** Local date (deployment time zone) on which the current window opens, when live. */
  currentWindowOpens?: string;
  rolledBack?: RegisteredDeployment['rolledBack'];
  retired?: RegisteredDeployment['retired'];
}

const METRIC_WORDS: Record<CriterionMetric, { long: string; short: string }> = {
  task_duration_p50: { long: 'median task time', short: 'time p50' },
  task_duration_p90: { long: '90th-percentile task time', short: 'time p90' },
  error_ratio: { long: 'error ratio', short: 'errors' },
  escalation_ratio: { long: 'escalation ratio', short: 'escalations' },
  builder_escalation_ratio: { long: 'escalations to the builders', short: 'builder esc.' },
  downstream_error_ratio: { long: 'downstream error ratio', short: 'downstream' },
  cost_per_task: { long: 'cost per task', short: 'cost' },
  adoption_ratio: { long: 'adoption', short: 'adoption' },
  ai_task_share: { long: 'AI task share', short: 'AI share' },
  reversion_ratio: { long: 'reversion', short: 'reversion' },
  override_ratio: { long: 'override ratio', short: 'overrides' },
};

export function metricInWords(metric: CriterionMetric): string {
  return METRIC_WORDS[metric].long;
}

/** 0.2361 → "24%", 0.0855 → "8.6%", 1.5 → "150%"; `signed` puts a + on increases. */
export function percentInWords(x: number, signed = false): string {
  if (!Number.isFinite(x)) return x > 0 ? '+∞' : '-∞';
  const percent = x * 100;
  const digits = Math.abs(percent) < 10 && Math.round(percent * 10) % 10 !== 0 ? 1 : 0;
  const text = percent.toFixed(digits);
  const zero = Number(text) === 0;
  return `${signed && percent > 0 && !zero ? '+' : ''}${zero ? '0' : text}%`;
}

/** A value of the metric in its unit: a ratio as a percentage, a duration in seconds, a cost in dollars. */
function valueInWords(metric: CriterionMetric, value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  if (isRatioMetric(metric)) return percentInWords(value);
  if (metric === 'cost_per_task') return `$${value.toFixed(2)}`;
  return `${Number(value.toPrecision(3))} s`;
}

/** The number judged, in the criterion's own terms: a signed change, or a value. */
function judgedInWords(result: CriterionResult, value: number): string {
  return result.target.kind === 'relativeChange' ? percentInWords(value, true) : valueInWords(result.metric, value);
}

/** The target in words, e.g. "must fall by at least 30%", "must stay at or below 15%". */
export function targetInWords(metric: CriterionMetric, target: CriterionResult['target']): string {
  const { kind, value } = target;
  if (kind === 'atMost') return `must stay at or below ${valueInWords(metric, value)}`;
  if (kind === 'atLeast') return `must reach at least ${valueInWords(metric, value)}`;
  const lowerIsBetter = CRITERION_METRICS[metric].better === 'lower';
  const size = percentInWords(Math.abs(value));
  if (value === 0) return lowerIsBetter ? 'must not rise' : 'must not fall';
  if (lowerIsBetter) return value < 0 ? `must fall by at least ${size}` : `must not rise by more than ${size}`;
  return value > 0 ? `must rise by at least ${size}` : `must not fall by more than ${size}`;
}

/** The target as a bound for a table cell: "≤-30%", "≤15%", "≥60%". */
function targetBound(metric: CriterionMetric, target: CriterionResult['target']): string {
  const atMost = target.kind === 'atMost' || (target.kind === 'relativeChange' && CRITERION_METRICS[metric].better === 'lower');
  const bound = target.kind === 'relativeChange' ? percentInWords(target.value, true) : valueInWords(metric, target.value);
  return `${atMost ? '≤' : '≥'}${bound}`;
}

const wantsAtMost = (result: CriterionResult) =>
  result.target.kind === 'atMost' || (result.target.kind === 'relativeChange' && CRITERION_METRICS[result.metric].better === 'lower');

const judged = (result: CriterionResult): result is CriterionResult & { estimate: number; lower: number; upper: number } =>
  result.estimate !== undefined && result.lower !== undefined && result.upper !== undefined;

/** Width of the interval, used to put distances to a target on one scale across criteria; 0 where it is unbounded. */
function perWidth(distance: number, result: CriterionResult & { lower: number; upper: number }): number {
  const width = result.upper - result.lower;
  if (!Number.isFinite(width)) return 0;
  if (!(width > 0)) return distance === 0 ? 0 : Math.sign(distance) * Infinity;
  return distance / width;
}

/**
 * How far the whole interval lies on the good side of the target, in interval widths: positive
 * when met (the larger, the safer), negative when some of it is on the bad side. Criteria without
 * an interval count as furthest from met.
 */
export function clearance(result: CriterionResult): number {
  if (!judged(result)) return -Infinity;
  const distance = wantsAtMost(result) ? result.target.value - result.upper : result.lower - result.target.value;
  return perWidth(distance, result);
}

/**
 * How far the estimate misses its target, as people read it: in percentage points for changes and
 * ratios (adoption 0% against 60% misses by 0.6), relative to the target for seconds and dollars.
 * Positive on the bad side.
 */
export function shortfall(result: CriterionResult): number {
  if (!judged(result)) return -Infinity;
  const { kind, value } = result.target;
  const miss = wantsAtMost(result) ? result.estimate - value : value - result.estimate;
  if (kind === 'relativeChange' || isRatioMetric(result.metric)) return miss;
  return value > 0 ? miss / value : miss;
}

/**
 * The headline win among met criteria: a change against the baseline ranks before a level (a
 * task time −59% says more than adoption 100%), and among them the largest move in the better
 * direction, in the criterion's own terms (points of change, or relative to the target).
 */
function headlineScore(result: CriterionResult): number {
  if (!judged(result) || result.status !== 'met') return -Infinity;
  const gain = -shortfall(result);
  return (result.target.kind === 'relativeChange' ? 1e6 : 0) + gain;
}

/** How far the estimate sits from the target, in interval widths: near 0 = far from being decided. */
export function decisiveness(result: CriterionResult): number {
  if (!judged(result)) return 0;
  return Math.abs(perWidth(result.estimate - result.target.value, result));
}

/** The first of `items` with the highest `score` (a stable arg-max). */
function best<T>(items: readonly T[], score: (item: T) => number): T | undefined {
  let chosen: T | undefined;
  let top = -Infinity;
  for (const item of items) {
    const value = score(item);
    if (chosen === undefined || value > top) {
      chosen = item;
      top = value;
    }
  }
  return chosen;
}

const about = (days: number | undefined) => (days === undefined ? '' : days === 1 ? 'about 1 more day' : `about ${days} more days`);

function explainCriterion(result: CriterionResult, daysToVerdict: number | undefined, lead: string, tail: string): VerdictExplanation {
  const numbers = {
    metric: result.metric,
    status: result.status,
    target: result.target,
    ...(daysToVerdict !== undefined && { daysToVerdict }),
  };
  const words = METRIC_WORDS[result.metric];
  const target = targetInWords(result.metric, result.target);
  if (result.status === 'insufficient_data' || !judged(result)) {
    const missing = result.reason || 'not enough data yet';
    const eta = about(daysToVerdict);
    return {
      ...numbers,
      missing,
      sentence: `${lead}${words.long}: ${missing}${eta ? `; ${eta} to a verdict` : ''} (${target})`,
      short: `${words.short}: ${shortMissing(missing)}${daysToVerdict !== undefined ? `, ~${daysToVerdict}d` : ''}`,
    };
  }
  const value = judgedInWords(result, result.estimate);
  const interval = `95% interval ${judgedInWords(result, result.lower)} to ${judgedInWords(result, result.upper)}`;
  return {
    ...numbers,
    estimate: result.estimate,
    lower: result.lower,
    upper: result.upper,
    sentence: `${lead}${words.long} ${value} (${interval}) vs ${target}${tail}`,
    short: `${words.short} ${value} vs ${targetBound(result.metric, result.target)}`,
  };
}

/** "fewer than 30 tasks in the current window" → "few tasks". */
function shortMissing(missing: string): string {
  if (/baseline/.test(missing)) return 'thin baseline';
  if (/days/.test(missing)) return 'few days';
  if (/tasks/.test(missing)) return 'few tasks';
  if (/actors|users/.test(missing)) return 'no users yet';
  return 'no data';
}

/**
 * Which criterion decides the verdict, and why in words. Failing: the failing criterion that
 * misses its target by most (see `shortfall`). Works: the one whose interval is closest to its
 * target in interval widths, the first that could turn. Inconclusive: the one furthest from being
 * decided (estimate nearest its target relative to its interval). Insufficient data: the one that
 * needs the most days, with what is missing. A verdict held from an earlier day says so.
 */
export function explainVerdict(inputs: ExplanationInputs): VerdictExplanation {
  const { verdict, criteria } = inputs;
  const days = new Map(criteria.map((c, i) => [c, inputs.daysUntilConclusive[i]]));
  const held =
    verdict !== inputs.criteriaVerdict && inputs.verdictSince
      ? `; held since ${inputs.verdictSince} (the criteria say ${inputs.criteriaVerdict.replace('_', ' ')} today)`
      : '';

  switch (verdict) {
    case 'retired': {
      const on = inputs.retired ? ` on ${inputs.retired.at.slice(0, 10)}` : '';
      const outcome = inputs.retired ? ` (${inputs.retired.outcome}): ${inputs.retired.reason}` : '';
      return { sentence: `retired${on}${outcome}`, short: `retired${inputs.retired ? `: ${inputs.retired.outcome}` : ''}` };
    }
    case 'rolled_back': {
      const on = inputs.rolledBack ? ` on ${inputs.rolledBack.at.slice(0, 10)}` : '';
      return { sentence: `rolled back${on}${inputs.rolledBack ? `: ${inputs.rolledBack.reason}` : ''}`, short: `rolled back${on}` };
    }
    case 'pending': {
      if (inputs.inRampUp && inputs.currentWindowOpens) {
        return {
          sentence: `in ramp-up: the first days after go-live are left out; the comparison starts on ${inputs.currentWindowOpens}`,
          short: `ramp-up to ${inputs.currentWindowOpens.slice(5)}`,
        };
      }
      if (inputs.phase === 'live') return { sentence: 'no success criteria defined', short: 'no criteria' };
      return { sentence: 'not live yet: the verdict starts after go-live and the ramp-up', short: 'not live yet' };
    }
    case 'failing': {
      const failing = criteria.filter((c) => c.status === 'not_met');
      const pool = failing.length > 0 ? failing : criteria.filter((c) => c.status !== 'met');
      const chosen = best(pool.length > 0 ? pool : criteria, shortfall);
      if (!chosen) return { sentence: 'failing', short: 'failing' };
      return explainCriterion(chosen, days.get(chosen), failing.length > 1 ? `worst of ${failing.length} failing: ` : '', held);
    }
    case 'works': {
      // What an owner asks first is what the AI won: the outcome that improved most beyond its
      // target (changes against the baseline before levels such as adoption). Second, the
      // closest call: the criterion whose interval lies nearest its target, the first that could turn.
      const headline = best(criteria, headlineScore);
      if (!headline) return { sentence: 'works', short: 'works' };
      const closest = best(criteria, (c) => -clearance(c));
      const closestCall =
        closest && closest !== headline ? `; closest call: ${explainCriterion(closest, days.get(closest), '', '').sentence}` : '';
      return explainCriterion(headline, days.get(headline), '', `${closestCall}${held}`);
    }
    case 'inconclusive': {
      const open = criteria.filter((c) => c.status === 'inconclusive');
      const chosen = best(open.length > 0 ? open : criteria, (c) => -decisiveness(c));
      if (!chosen) return { sentence: 'inconclusive', short: 'inconclusive' };
      const eta = about(days.get(chosen));
      return explainCriterion(chosen, days.get(chosen), 'not yet decided: ', `${eta ? `; ${eta}` : ''}${held}`);
    }
    case 'insufficient_data': {
      const thin = criteria.filter((c) => c.status === 'insufficient_data');
      const chosen = best(thin.length > 0 ? thin : criteria, (c) => days.get(c) ?? Infinity);
      if (!chosen) return { sentence: 'not enough data yet', short: 'needs data' };
      return explainCriterion(chosen, days.get(chosen), '', held);
    }
    default: {
      const unhandled: never = verdict;
      throw new Error(`Unhandled verdict ${String(unhandled)}`);
    }
  }
}
