import { CRITERION_METRICS, type Criterion, type CriterionMetric } from '@baseliner/contracts';
import type { Adoption } from './adoption';
import type { Estimate } from './statistics';
import type { ComparedMetric, MetricComparison } from './window-metrics';

export const MIN_TASKS_PER_WINDOW = 30;

export type CriterionStatus = 'met' | 'not_met' | 'inconclusive' | 'insufficient_data';

export interface CriterionResult {
  metric: CriterionMetric;
  target: { kind: 'relativeChange' | 'atMost' | 'atLeast'; value: number };
  status: CriterionStatus;
  /** The number judged: a relative change or the current value, with its interval where it has one. */
  estimate?: number;
  lower?: number;
  upper?: number;
  /** Sample sizes behind it. */
  n?: { baseline?: number; current?: number };
  /** Why, in words. */
  reason: string;
}

export interface EvaluationInputs {
  comparisons: Record<ComparedMetric, MetricComparison>;
  adoption: Adoption;
  /** Tasks in the current window (all modes). */
  currentTasks: number;
}

function targetOf(criterion: Criterion): CriterionResult['target'] {
  if (criterion.relativeChange !== undefined) return { kind: 'relativeChange', value: criterion.relativeChange };
  if (criterion.atMost !== undefined) return { kind: 'atMost', value: criterion.atMost };
  return { kind: 'atLeast', value: criterion.atLeast as number };
}

/** ≤ or ≥ the threshold: relative targets follow the metric's better direction. */
function wantsAtMost(metric: CriterionMetric, target: CriterionResult['target']): boolean {
  if (target.kind === 'atMost') return true;
  if (target.kind === 'atLeast') return false;
  return CRITERION_METRICS[metric].better === 'lower';
}

/** met when the whole interval is on the good side of the threshold, not_met when all of it is on the bad side. */
export function judgeInterval(atMost: boolean, threshold: number, lower: number, upper: number): CriterionStatus {
  if (atMost) return upper <= threshold ? 'met' : lower > threshold ? 'not_met' : 'inconclusive';
  return lower >= threshold ? 'met' : upper < threshold ? 'not_met' : 'inconclusive';
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function evaluateCriterion(criterion: Criterion, inputs: EvaluationInputs): CriterionResult {
  const metric = criterion.metric;
  const target = targetOf(criterion);
  const atMost = wantsAtMost(metric, target);
  const base = { metric, target };

  // Population metrics: no sampling error, the value decides — once the current window holds
  // enough work to judge at all (a deployment with no work yet is not failing, it is unmeasured).
  if (metric === 'adoption_ratio' || metric === 'reversion_ratio') {
    if (inputs.currentTasks < MIN_TASKS_PER_WINDOW) {
      return { ...base, status: 'insufficient_data', n: { current: inputs.currentTasks }, reason: `fewer than ${MIN_TASKS_PER_WINDOW} tasks in the current window` };
    }
    const value = metric === 'adoption_ratio' ? inputs.adoption.adoptionRatio : inputs.adoption.reversionRatio;
    if (value === null) return { ...base, status: 'insufficient_data', reason: `no ${metric.replace('_', ' ')} yet: no actors seen` };
    const ok = atMost ? value <= target.value : value >= target.value;
    return { ...base, status: ok ? 'met' : 'not_met', estimate: value, reason: `${pct(value)} against ${atMost ? '≤' : '≥'} ${pct(target.value)}` };
  }

  // Rates over tasks in the current window.
  if (metric === 'ai_task_share' || metric === 'override_ratio') {
    const estimate: Estimate | null = metric === 'ai_task_share' ? inputs.adoption.aiTaskShare : inputs.adoption.overrideRatio;
    if (!estimate || estimate.n < MIN_TASKS_PER_WINDOW) {
      return { ...base, status: 'insufficient_data', n: { current: estimate?.n ?? 0 }, reason: `fewer than ${MIN_TASKS_PER_WINDOW} tasks in the current window` };
    }
    const status = judgeInterval(atMost, target.value, estimate.lower, estimate.upper);
    return { ...base, status, estimate: estimate.estimate, lower: estimate.lower, upper: estimate.upper, n: { current: estimate.n }, reason: `${pct(estimate.estimate)} (95% ${pct(estimate.lower)}–${pct(estimate.upper)})` };
  }

  const comparison = inputs.comparisons[metric as ComparedMetric];
  const current = comparison.current;
  const n = { baseline: comparison.baseline?.n ?? 0, current: current?.n ?? 0 };
  if (target.kind !== 'relativeChange') {
    if (!current || current.n < MIN_TASKS_PER_WINDOW) {
      return { ...base, status: 'insufficient_data', n, reason: `fewer than ${MIN_TASKS_PER_WINDOW} tasks in the current window` };
    }
    return {
      ...base,
      status: judgeInterval(atMost, target.value, current.lower, current.upper),
      estimate: current.estimate,
      lower: current.lower,
      upper: current.upper,
      n,
      reason: `current ${current.estimate.toPrecision(3)} (95% ${current.lower.toPrecision(3)}–${current.upper.toPrecision(3)})`,
    };
  }
  if (n.baseline < MIN_TASKS_PER_WINDOW || n.current < MIN_TASKS_PER_WINDOW) {
    const which = n.baseline < MIN_TASKS_PER_WINDOW ? 'baseline' : 'current';
    return { ...base, status: 'insufficient_data', n, reason: `fewer than ${MIN_TASKS_PER_WINDOW} tasks in the ${which} window` };
  }
  const change = comparison.change;
  if (!change) {
    return { ...base, status: 'inconclusive', n, reason: 'the baseline value is zero, so a relative change is undefined: use atMost instead' };
  }
  return {
    ...base,
    status: judgeInterval(atMost, target.value, change.lower, change.upper),
    estimate: change.estimate,
    lower: change.lower,
    upper: change.upper,
    n,
    reason: `change ${pct(change.estimate)} (95% ${pct(change.lower)} to ${Number.isFinite(change.upper) ? pct(change.upper) : '∞'}) against ${atMost ? '≤' : '≥'} ${pct(target.value)}`,
  };
}

/**
 * Days until this criterion is conclusive at the current effect and daily volume, assuming its
 * interval narrows as 1/√n of current-window tasks. Undefined when that cannot happen inside a
 * 28-day window at this volume, or when the effect sits exactly on the threshold.
 */
export function daysUntilConclusive(result: CriterionResult, currentTasksPerDay: number, windowCapacity: number): number | undefined {
  if (result.status === 'met' || result.status === 'not_met') return 0;
  if (!(currentTasksPerDay > 0)) return undefined;
  const nowN = result.n?.current ?? 0;
  if (result.status === 'insufficient_data') {
    if ((result.n?.baseline ?? MIN_TASKS_PER_WINDOW) < MIN_TASKS_PER_WINDOW) return undefined; // the past does not grow
    if (result.estimate === undefined && nowN >= MIN_TASKS_PER_WINDOW) return undefined;
    return Math.ceil(Math.max(0, MIN_TASKS_PER_WINDOW - nowN) / currentTasksPerDay);
  }
  if (result.estimate === undefined || result.lower === undefined || result.upper === undefined) return undefined;
  if (!Number.isFinite(result.lower) || !Number.isFinite(result.upper)) return undefined;
  const halfWidth = (result.upper - result.lower) / 2;
  const distance = Math.abs(result.estimate - result.target.value);
  if (distance === 0 || nowN === 0) return undefined;
  const needed = nowN * (halfWidth / distance) ** 2;
  if (needed > windowCapacity) return undefined;
  return Math.ceil(Math.max(0, needed - nowN) / currentTasksPerDay);
}
