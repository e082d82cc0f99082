import type { TaskMode } from '@baseliner/contracts';
import { clusteredMean, clusteredProportion, clusteredQuantile, clusteredRate, intervalAt, type ClusteredEstimate, type CountBelow } from './clustered-estimates';
import type { DayBucket, DeploymentProjection } from './deployment-projection';
import { SketchView, type DurationSketch } from './duration-sketch';
import { differenceInterval, relativeChange, type Estimate } from './statistics';
import type { DayWindow } from './windows';

export const COMPARED_METRICS = [
  'task_duration_p50',
  'task_duration_p90',
  'error_ratio',
  'escalation_ratio',
  'builder_escalation_ratio',
  'downstream_error_ratio',
  'cost_per_task',
] as const;
export type ComparedMetric = (typeof COMPARED_METRICS)[number];

/** One day of a window: the counts every clustered estimate is built from. */
export interface WindowDay {
  /** Tasks of the window's modes (the baseline counts manual work only). */
  tasks: number;
  /** Tasks of every mode: the denominator of escalations and downstream errors, which carry no mode. */
  allTasks: number;
  /** `ai` and `assisted` tasks. */
  aiTasks: number;
  errors: number;
  sketches: DurationSketch[];
  costCount: number;
  costSum: number;
  costSumOfSquares: number;
  operatorEscalations: number;
  builderEscalations: number;
  downstreamErrors: number;
  overrides: number;
}

/** Sums of one window: tasks by mode, outcomes, and the days they came from. */
export interface WindowTotals {
  days: number;
  /** Days with at least one task of the window's modes. */
  daysWithTasks: number;
  tasksByMode: Record<TaskMode, number>;
  tasks: number;
  perDay: WindowDay[];
  /** How the window's durations are read when not summed afresh: a sliding walk's (`SlidingSketchWindow`). */
  durations?: { view: () => SketchView; countBelow: CountBelow };
}

/** One day of a window with its tasks by mode: what `windowTotals` reads from a day bucket. */
export interface ReadDay {
  day: WindowDay;
  byMode: Record<TaskMode, number>;
}

function readDay(bucket: DayBucket, modes: readonly TaskMode[]): ReadDay {
  const day: WindowDay = {
    tasks: 0,
    allTasks: 0,
    aiTasks: (bucket.modes.ai?.tasks ?? 0) + (bucket.modes.assisted?.tasks ?? 0),
    errors: 0,
    sketches: [],
    costCount: 0,
    costSum: 0,
    costSumOfSquares: 0,
    operatorEscalations: bucket.operatorEscalations,
    builderEscalations: bucket.builderEscalations,
    downstreamErrors: bucket.downstreamErrors,
    overrides: bucket.overrides,
  };
  const byMode: Record<TaskMode, number> = { ai: 0, assisted: 0, manual: 0 };
  for (const modeDay of Object.values(bucket.modes)) day.allTasks += modeDay.tasks;
  for (const mode of modes) {
    const modeDay = bucket.modes[mode];
    if (!modeDay) continue;
    byMode[mode] += modeDay.tasks;
    day.tasks += modeDay.tasks;
    day.errors += modeDay.error + modeDay.rework;
    day.sketches.push(modeDay.durations);
    day.costCount += modeDay.costCount;
    day.costSum += modeDay.costSum;
    day.costSumOfSquares += modeDay.costSumOfSquares;
  }
  return { day, byMode };
}

/**
 * Merges the days of a window; `modes` picks which tasks count (the baseline is manual work only).
 * `readDays` keeps each day as read, for callers that read overlapping windows of the same modes
 * in one go (the verdict track reads a window ending on each past day).
 */
export function windowTotals(projection: DeploymentProjection, window: DayWindow, modes: readonly TaskMode[], readDays?: Map<number, ReadDay>): WindowTotals {
  const totals: WindowTotals = {
    days: window.toDay - window.fromDay + 1,
    daysWithTasks: 0,
    tasksByMode: { ai: 0, assisted: 0, manual: 0 },
    tasks: 0,
    perDay: [],
  };
  for (let dayNumber = window.fromDay; dayNumber <= window.toDay; dayNumber += 1) {
    const bucket = projection.days[dayNumber];
    if (!bucket) continue;
    let read = readDays?.get(dayNumber);
    if (!read) {
      read = readDay(bucket, modes);
      readDays?.set(dayNumber, read);
    }
    const { day, byMode } = read;
    totals.tasksByMode.ai += byMode.ai;
    totals.tasksByMode.assisted += byMode.assisted;
    totals.tasksByMode.manual += byMode.manual;
    totals.tasks += day.tasks;
    if (day.tasks > 0) totals.daysWithTasks += 1;
    totals.perDay.push(day);
  }
  return totals;
}

/** Each compared metric of one window as a day-clustered estimate (no interval yet). */
export type WindowStatistics = Record<ComparedMetric, ClusteredEstimate>;

/**
 * The statistics are computed on first use: a criterion usually needs two or three of the seven,
 * and the daily verdict track evaluates many past days.
 */
export function windowStatistics(totals: WindowTotals): WindowStatistics {
  const days = totals.perDay;
  const column = (pick: (day: WindowDay) => number) => days.map(pick);
  // p50 and p90 read the same durations: one view of them.
  let view: SketchView | undefined;
  const viewOf = () => (view ??= totals.durations?.view() ?? new SketchView(days.flatMap((d) => d.sketches)));
  const quantileOf = (q: number) => clusteredQuantile(days.map((d) => d.sketches), q, viewOf(), totals.durations?.countBelow);
  const allTasks = () => column((d) => d.allTasks);
  const compute: Record<ComparedMetric, () => ClusteredEstimate> = {
    task_duration_p50: () => quantileOf(0.5),
    task_duration_p90: () => quantileOf(0.9),
    error_ratio: () => clusteredProportion(column((d) => d.errors), column((d) => d.tasks)),
    // Escalations per task: a task can be escalated more than once, so a rate, not a proportion.
    escalation_ratio: () => clusteredRate(column((d) => d.operatorEscalations + d.builderEscalations), allTasks()),
    builder_escalation_ratio: () => clusteredRate(column((d) => d.builderEscalations), allTasks()),
    downstream_error_ratio: () => clusteredProportion(column((d) => d.downstreamErrors), allTasks()),
    cost_per_task: () => clusteredMean(column((d) => d.costCount), column((d) => d.costSum), column((d) => d.costSumOfSquares)),
  };
  const statistics = {} as WindowStatistics;
  for (const metric of COMPARED_METRICS) {
    let value: ClusteredEstimate | undefined;
    Object.defineProperty(statistics, metric, { enumerable: true, get: () => (value ??= compute[metric]()) });
  }
  return statistics;
}

export interface MetricComparison {
  baseline?: Estimate;
  current?: Estimate;
  /** Relative change current vs baseline with its interval; absent when either side has no data. */
  change?: { estimate: number; lower: number; upper: number };
}

/** Both windows' intervals of one metric at multiplier `z`, and the relative change between them (MOVER-R). */
export function compareMetric(baseline: WindowStatistics | undefined, current: WindowStatistics | undefined, metric: ComparedMetric, z: number): MetricComparison {
  const b = baseline?.[metric];
  const c = current?.[metric];
  const comparison: MetricComparison = {};
  if (b && b.n > 0) comparison.baseline = intervalAt(b, z);
  if (c && c.n > 0) comparison.current = intervalAt(c, z);
  if (comparison.baseline && comparison.current && comparison.baseline.estimate > 0) {
    comparison.change = relativeChange(comparison.current, comparison.baseline);
  }
  return comparison;
}

/**
 * When the baseline estimate is zero a relative change is undefined (no upper bound), so a
 * relative target is judged on the difference current − baseline instead (the target times a
 * zero baseline is 0): MOVER-D from the two intervals, in the metric's own units (percentage
 * points for ratios). Undefined unless the baseline is exactly zero and both sides have data.
 */
export function zeroBaselineDifference(comparison: MetricComparison): { estimate: number; lower: number; upper: number } | undefined {
  const { baseline, current } = comparison;
  if (!baseline || !current || baseline.estimate !== 0 || !Number.isFinite(current.estimate)) return undefined;
  return differenceInterval(current, baseline);
}

export function compareWindows(
  baseline: WindowStatistics | undefined,
  current: WindowStatistics | undefined,
  z: number,
): Record<ComparedMetric, MetricComparison> {
  return Object.fromEntries(COMPARED_METRICS.map((metric) => [metric, compareMetric(baseline, current, metric, z)])) as Record<ComparedMetric, MetricComparison>;
}
