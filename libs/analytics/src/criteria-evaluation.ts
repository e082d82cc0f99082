import { CRITERION_METRICS, type Criterion, type CriterionMetric } from '@baseliner/contracts';
import { ADOPTION_HABIT_WEEKS, adoptionIntervals, type AdoptionCounts } from './adoption';
import { alwaysValidMultiplier, widenForDegreesOfFreedom, type Estimate } from './statistics';
import { compareMetric, zeroBaselineDifference, type ComparedMetric, type MetricComparison, type WindowStatistics } from './window-metrics';
import { WINDOW_DAYS } from './windows';

import { MIN_DAYS_PER_WINDOW, MIN_TASKS_PER_WINDOW } from './criteria-thresholds';
import type { NetComparison } from './comparison-design';

export { MIN_DAYS_PER_WINDOW, MIN_TASKS_PER_WINDOW };
/** Two-sided error rate of the always-valid intervals: each side (false met, false not_met) ≤ 2.5%. */
export const CRITERIA_ALPHA = 0.05;

export type CriterionStatus = 'met' | 'not_met' | 'inconclusive' | 'insufficient_data';

export interface CriterionResult {
  metric: CriterionMetric;
  target: { kind: 'relativeChange' | 'atMost' | 'atLeast'; value: number };
  status: CriterionStatus;
  /** The number judged: a relative change or the current value, with its always-valid 95% interval where it has one. */
  estimate?: number;
  lower?: number;
  upper?: number;
  /** Sample sizes behind it: tasks (or users, for adoption and reversion) and days with tasks. */
  n?: { baseline?: number; current?: number };
  days?: { baseline?: number; current?: number };
  /** Why, in words. */
  reason: string;
}

/** Everything the criteria are judged from, before any interval is drawn. */
export interface EvaluationInputs {
  baseline?: WindowStatistics;
  current?: WindowStatistics;
  adoption: AdoptionCounts;
  /** Tasks and days with tasks in the current and baseline windows. */
  currentTasks: number;
  currentDays: number;
  baselineDays: number;
  /**
   * Days of evidence behind the always-valid multiplier: days with tasks since the current window
   * first opened, which keep growing after the window starts to slide (defaults to currentDays).
   */
  lookDays?: number;
  /** A difference-in-differences comparison over segments: the metrics it covers are judged net of it. */
  net?: NetComparison;
}

/** The intervals of every measure at one multiplier, each drawn when first asked for. */
export interface IntervalsAt {
  z: number;
  comparison(metric: ComparedMetric): MetricComparison;
  adoption: ReturnType<typeof adoptionIntervals>;
}

export function intervalsAt(inputs: EvaluationInputs, z: number): IntervalsAt {
  const comparisons = new Map<ComparedMetric, MetricComparison>();
  let adoption: IntervalsAt['adoption'] | undefined;
  return {
    z,
    comparison(metric) {
      let comparison = comparisons.get(metric);
      if (!comparison) comparisons.set(metric, (comparison = inputs.net?.at(metric, z) ?? compareMetric(inputs.baseline, inputs.current, metric, z)));
      return comparison;
    },
    get adoption() {
      return (adoption ??= adoptionIntervals(inputs.adoption, z));
    },
  };
}

/** AI task share and overrides are rates over the current window's tasks, kept side by side. */
const isAiTaskRate = (metric: CriterionMetric): metric is 'ai_task_share' | 'override_ratio' => metric === 'ai_task_share' || metric === 'override_ratio';
const aiTaskRate = <T>(rates: { aiTaskShare: T; overrides: T }, metric: 'ai_task_share' | 'override_ratio'): T =>
  metric === 'ai_task_share' ? rates.aiTaskShare : rates.overrides;

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

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : x > 0 ? '∞' : '−∞');

function thinWindow(inputs: EvaluationInputs, needsBaseline: boolean, baselineTasks: number): string | undefined {
  if (needsBaseline && baselineTasks < MIN_TASKS_PER_WINDOW) return `fewer than ${MIN_TASKS_PER_WINDOW} tasks in the baseline window`;
  if (inputs.currentTasks < MIN_TASKS_PER_WINDOW) return `fewer than ${MIN_TASKS_PER_WINDOW} tasks in the current window`;
  if (needsBaseline && inputs.baselineDays < MIN_DAYS_PER_WINDOW) return `fewer than ${MIN_DAYS_PER_WINDOW} days with tasks in the baseline window`;
  if (inputs.currentDays < MIN_DAYS_PER_WINDOW) return `fewer than ${MIN_DAYS_PER_WINDOW} days with tasks in the current window`;
  return undefined;
}

/** One criterion judged with the intervals at one multiplier. */
export function evaluateCriterion(criterion: Criterion, inputs: EvaluationInputs, at: IntervalsAt, explain = true): CriterionResult {
  const metric = criterion.metric;
  const target = targetOf(criterion);
  const atMost = wantsAtMost(metric, target);
  const base = { metric, target };
  const days = { baseline: inputs.baselineDays, current: inputs.currentDays };
  // Reasons are words for people; past days replayed for the verdict track only need the status.
  const judged = (estimate: Estimate, n: CriterionResult['n'], reason: () => string): CriterionResult => ({
    ...base,
    status: judgeInterval(atMost, target.value, estimate.lower, estimate.upper),
    estimate: estimate.estimate,
    lower: estimate.lower,
    upper: estimate.upper,
    n,
    days,
    reason: explain ? reason() : '',
  });
  // Words only when asked for (the verdict track judges many past days and reads none of them).
  const againstText = () => `against ${atMost ? '≤' : '≥'} ${pct(target.value)}`;

  // Per-user measures: Wilson over users; a deployment with no work yet is unmeasured, not failing.
  if (metric === 'adoption_ratio' || metric === 'reversion_ratio') {
    const thin = thinWindow(inputs, false, 0);
    if (thin) return { ...base, status: 'insufficient_data', n: { current: inputs.currentTasks }, days, reason: thin };
    const interval = metric === 'adoption_ratio' ? at.adoption.adoption : at.adoption.reversion;
    const habit = metric === 'adoption_ratio' && inputs.adoption.eligibleDeclared;
    if (!interval) {
      const weeks = inputs.adoption.weeklyActiveUsers.length;
      const reason = habit
        ? `adoption is judged as a habit over ${ADOPTION_HABIT_WEEKS} whole weeks since go-live; ${weeks} so far`
        : `no ${metric.replace('_', ' ')} yet: no actors seen`;
      return { ...base, status: 'insufficient_data', days, reason };
    }
    if (habit) {
      const shares = () => inputs.adoption.weeklyActiveUsers.map((users) => pct(Math.min(1, users / interval.n))).join(', ');
      return judged(interval, { current: interval.n }, () => `weekly active share of ${interval.n} declared users over the last ${ADOPTION_HABIT_WEEKS} weeks, latest first: ${shares()} ${againstText()}`);
    }
    return judged(interval, { current: interval.n }, () => `${pct(interval.estimate)} of ${interval.n} users (95% always-valid ${pct(interval.lower)}–${pct(interval.upper)}) ${againstText()}`);
  }

  // Rates over tasks of the current window.
  if (isAiTaskRate(metric)) {
    const estimate = aiTaskRate(at.adoption, metric);
    const thin = thinWindow(inputs, false, 0);
    if (thin || !estimate || estimate.n < MIN_TASKS_PER_WINDOW) {
      return { ...base, status: 'insufficient_data', n: { current: estimate?.n ?? 0 }, days, reason: thin ?? `fewer than ${MIN_TASKS_PER_WINDOW} AI tasks in the current window` };
    }
    return judged(estimate, { current: estimate.n }, () => `${pct(estimate.estimate)} (95% always-valid ${pct(estimate.lower)}–${pct(estimate.upper)}) ${againstText()}`);
  }

  const comparison = at.comparison(metric as ComparedMetric);
  const current = comparison.current;
  const n = { baseline: comparison.baseline?.n ?? 0, current: current?.n ?? 0 };
  if (target.kind !== 'relativeChange') {
    const thin = thinWindow(inputs, false, 0);
    if (thin || !current || current.n < MIN_TASKS_PER_WINDOW) {
      return { ...base, status: 'insufficient_data', n, days, reason: thin ?? `fewer than ${MIN_TASKS_PER_WINDOW} tasks with this measure in the current window` };
    }
    const fmt = (x: number) => (Number.isFinite(x) ? x.toPrecision(3) : '∞');
    return judged(current, n, () => `current ${fmt(current.estimate)} (95% always-valid ${fmt(current.lower)}–${fmt(current.upper)}) ${atMost ? '≤' : '≥'} ${target.value}`);
  }
  const thin = thinWindow(inputs, true, n.baseline) ?? (n.current < MIN_TASKS_PER_WINDOW ? `fewer than ${MIN_TASKS_PER_WINDOW} tasks with this measure in the current window` : undefined);
  if (thin) return { ...base, status: 'insufficient_data', n, days, reason: thin };
  const change = comparison.change;
  if (!change) {
    // A zero baseline has no relative change (the ratio is unbounded above): judge the difference
    // current − baseline against 0, the target times a zero baseline.
    const difference = zeroBaselineDifference(comparison);
    if (!difference) {
      return { ...base, status: 'inconclusive', n, days, reason: 'the baseline value is zero, so a relative change is undefined: use atMost instead' };
    }
    const points = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)} points` : x > 0 ? '∞' : '−∞');
    return {
      ...judged({ ...difference, n: n.current }, n, () =>
        `the baseline was 0%: judged on the difference in percentage points, ${points(difference.estimate)} (95% always-valid ${points(difference.lower)} to ${points(difference.upper)}) against ${atMost ? '≤' : '≥'} 0`),
      status: judgeInterval(atMost, 0, difference.lower, difference.upper),
    };
  }
  const design = () => (inputs.net?.summary.netMetrics.includes(metric as ComparedMetric) ? ' net of the comparison segments' : '');
  return judged({ ...change, n: n.current }, n, () => `change ${pct(change.estimate)}${design()} (95% always-valid ${pct(change.lower)} to ${pct(change.upper)}) ${againstText()}`);
}

/**
 * Every criterion at once. `met` needs the always-valid 95% interval entirely on the good side
 * (each criterion at α: "works" needs all of them, an intersection–union test that needs no
 * correction). `not_met` is corrected for the number of criteria with Holm's step-down method
 * (Holm 1979): with k criteria, one is `not_met` only if its interval at α/k lies on the bad
 * side, the next at α/(k−1), and so on — so "failing" stays at 2.5% whatever the number of
 * criteria. A criterion whose α-interval is on the bad side but that does not survive the
 * correction is `inconclusive`.
 */
export function evaluateCriteria(criteria: readonly Criterion[], inputs: EvaluationInputs, alpha = CRITERIA_ALPHA, explain = true): CriterionResult[] {
  const levels = new Map<number, IntervalsAt>();
  const at = (level: number) => {
    let intervals = levels.get(level);
    if (!intervals) levels.set(level, (intervals = intervalsAt(inputs, alwaysValidMultiplier(inputs.lookDays ?? inputs.currentDays, level))));
    return intervals;
  };
  const results = criteria.map((criterion) => evaluateCriterion(criterion, inputs, at(alpha), explain));
  const k = criteria.length;
  const failed = new Set<number>();
  for (let grew = results.some((r) => r.status === 'not_met'); grew; ) {
    grew = false;
    const level = alpha / (k - failed.size);
    criteria.forEach((criterion, i) => {
      if (failed.has(i) || results[i]?.status !== 'not_met') return;
      if (evaluateCriterion(criterion, inputs, at(level), false).status === 'not_met') {
        failed.add(i);
        grew = true;
      }
    });
    if (failed.size === k) break;
  }
  return results.map((result, i) => {
    if (result.status !== 'not_met' || failed.has(i)) return result;
    return { ...result, status: 'inconclusive', reason: explain ? `${result.reason}; not yet beyond doubt across ${k} criteria (Holm)` : '' };
  });
}

/** Standard error on a scale, read back from an interval drawn at multiplier z. */
function spreadOf(estimate: Estimate | undefined, z: number, log: boolean): number | undefined {
  if (!estimate || !Number.isFinite(estimate.lower) || !Number.isFinite(estimate.upper)) return undefined;
  if (!log) return (estimate.upper - estimate.lower) / (2 * z);
  if (!(estimate.lower > 0)) return undefined;
  return (Math.log(estimate.upper) - Math.log(estimate.lower)) / (2 * z);
}

/**
 * Days until this criterion is conclusive if the effect stays where it is and tasks keep coming
 * at today's pace. The current window's variance shrinks as 1/days (days are the units); the
 * baseline's does not shrink at all (the past does not grow), and the always-valid multiplier
 * is the one of that future day. Undefined when no day within a full window gets there, when
 * the effect sits on the target, and for per-user measures (more days do not add users).
 */
export function daysUntilConclusive(result: CriterionResult, inputs: EvaluationInputs, at: IntervalsAt, currentTasksPerDay: number): number | undefined {
  if (result.status === 'met' || result.status === 'not_met') return 0;
  if (!(currentTasksPerDay > 0)) return undefined;
  const nowDays = inputs.currentDays;
  if (result.status === 'insufficient_data') {
    if ((result.n?.baseline ?? MIN_TASKS_PER_WINDOW) < MIN_TASKS_PER_WINDOW) return undefined;
    if (result.target.kind === 'relativeChange' && inputs.baselineDays < MIN_DAYS_PER_WINDOW) return undefined;
    const nowN = result.n?.current ?? 0;
    if (result.estimate === undefined && nowN >= MIN_TASKS_PER_WINDOW && nowDays >= MIN_DAYS_PER_WINDOW) return undefined;
    return Math.max(Math.ceil(Math.max(0, MIN_TASKS_PER_WINDOW - nowN) / currentTasksPerDay), MIN_DAYS_PER_WINDOW - nowDays, 0);
  }
  if (result.metric === 'adoption_ratio' || result.metric === 'reversion_ratio' || result.estimate === undefined) return undefined;
  const relative = result.target.kind === 'relativeChange';
  const metric = result.metric;
  // Each interval was drawn at z widened to t for its degrees of freedom: read the standard error
  // back with that multiplier, and let the current window's degrees of freedom grow with its days.
  const currentStatistics = isAiTaskRate(metric) ? aiTaskRate(inputs.adoption, metric) : inputs.current?.[metric as ComparedMetric];
  const currentDf = currentStatistics?.df ?? Infinity;
  const baselineDf = relative ? (inputs.baseline?.[metric as ComparedMetric].df ?? Infinity) : Infinity;
  let currentSe: number | undefined;
  let baselineSe = 0;
  let distance: number;
  const relativeComparison = relative && !isAiTaskRate(metric) ? at.comparison(metric as ComparedMetric) : undefined;
  const zeroBaseline = relativeComparison !== undefined && !relativeComparison.change && zeroBaselineDifference(relativeComparison) !== undefined;
  if (zeroBaseline) {
    // Judged on the difference from a zero baseline (linear scale, against 0): the baseline's
    // part is the reach of its interval above 0, the current one its half-width.
    const comparison = at.comparison(metric as ComparedMetric);
    currentSe = spreadOf(comparison.current, widenForDegreesOfFreedom(at.z, currentDf), false);
    const reach = comparison.baseline?.upper;
    if (reach === undefined || !Number.isFinite(reach)) return undefined;
    baselineSe = result.estimate > 0 ? reach / widenForDegreesOfFreedom(at.z, baselineDf) : 0;
    distance = Math.abs(result.estimate);
  } else if (relative) {
    const comparison = at.comparison(metric as ComparedMetric);
    currentSe = spreadOf(comparison.current, widenForDegreesOfFreedom(at.z, currentDf), true);
    const b = spreadOf(comparison.baseline, widenForDegreesOfFreedom(at.z, baselineDf), true);
    if (b === undefined || !(1 + result.target.value > 0) || !(1 + result.estimate > 0)) return undefined;
    baselineSe = b;
    distance = Math.abs(Math.log1p(result.estimate) - Math.log1p(result.target.value));
  } else {
    const estimate = isAiTaskRate(metric) ? aiTaskRate(at.adoption, metric) : at.comparison(metric as ComparedMetric).current;
    currentSe = spreadOf(estimate ?? undefined, widenForDegreesOfFreedom(at.z, currentDf), false);
    distance = Math.abs(result.estimate - result.target.value);
  }
  if (currentSe === undefined || !(distance > 0) || nowDays === 0) return undefined;
  for (let days = nowDays + 1; days <= WINDOW_DAYS; days += 1) {
    const z = alwaysValidMultiplier(days);
    const futureDf = Number.isFinite(currentDf) && nowDays > 1 ? (currentDf * (days - 1)) / (nowDays - 1) : currentDf;
    const current = widenForDegreesOfFreedom(z, futureDf) * currentSe;
    const baseline = widenForDegreesOfFreedom(z, baselineDf) * baselineSe;
    if (Math.sqrt((current * current * nowDays) / days + baseline * baseline) < distance) return days - nowDays;
  }
  return undefined;
}
