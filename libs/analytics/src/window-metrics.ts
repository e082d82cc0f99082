import type { TaskMode } from '@baseliner/contracts';
import type { DeploymentProjection } from './deployment-projection';
import { emptySketch, mergeInto, sortSketch } from './duration-sketch';
import { meanInterval, quantileInterval, relativeChange, wilsonInterval, type Estimate } from './statistics';
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

/** Sums of one window: tasks by mode, outcomes, a merged sketch, and day-level counts. */
export interface WindowTotals {
  days: number;
  tasksByMode: Record<TaskMode, number>;
  tasks: number;
  errors: number;
  durations: ReturnType<typeof emptySketch>;
  costCount: number;
  costSum: number;
  costSumOfSquares: number;
  operatorEscalations: number;
  builderEscalations: number;
  downstreamErrors: number;
  overrides: number;
}

/** Merges the days of a window; `modes` picks which tasks count (the baseline is manual work only). */
export function windowTotals(projection: DeploymentProjection, window: DayWindow, modes: readonly TaskMode[]): WindowTotals {
  const totals: WindowTotals = {
    days: window.toDay - window.fromDay + 1,
    tasksByMode: { ai: 0, assisted: 0, manual: 0 },
    tasks: 0,
    errors: 0,
    durations: emptySketch(),
    costCount: 0,
    costSum: 0,
    costSumOfSquares: 0,
    operatorEscalations: 0,
    builderEscalations: 0,
    downstreamErrors: 0,
    overrides: 0,
  };
  for (let day = window.fromDay; day <= window.toDay; day += 1) {
    const bucket = projection.days[day];
    if (!bucket) continue;
    totals.operatorEscalations += bucket.operatorEscalations;
    totals.builderEscalations += bucket.builderEscalations;
    totals.downstreamErrors += bucket.downstreamErrors;
    totals.overrides += bucket.overrides;
    for (const mode of modes) {
      const modeDay = bucket.modes[mode];
      if (!modeDay) continue;
      totals.tasksByMode[mode] += modeDay.tasks;
      totals.tasks += modeDay.tasks;
      totals.errors += modeDay.error + modeDay.rework;
      mergeInto(totals.durations, modeDay.durations);
      totals.costCount += modeDay.costCount;
      totals.costSum += modeDay.costSum;
      totals.costSumOfSquares += modeDay.costSumOfSquares;
    }
  }
  return totals;
}

const capped = (count: number, n: number) => Math.min(count, n);

/** Each compared metric of one window, with its 95% interval and n. */
export function windowEstimates(totals: WindowTotals): Record<ComparedMetric, Estimate> {
  const sorted = sortSketch(totals.durations);
  const n = totals.tasks;
  return {
    task_duration_p50: quantileInterval(sorted, 0.5),
    task_duration_p90: quantileInterval(sorted, 0.9),
    error_ratio: wilsonInterval(totals.errors, n),
    escalation_ratio: wilsonInterval(capped(totals.operatorEscalations + totals.builderEscalations, n), n),
    builder_escalation_ratio: wilsonInterval(capped(totals.builderEscalations, n), n),
    downstream_error_ratio: wilsonInterval(capped(totals.downstreamErrors, n), n),
    cost_per_task: meanInterval(totals.costCount, totals.costSum, totals.costSumOfSquares),
  };
}

export interface MetricComparison {
  baseline?: Estimate;
  current?: Estimate;
  /** Relative change current vs baseline with its 95% interval; absent when either side has no data. */
  change?: { estimate: number; lower: number; upper: number };
}

export function compareWindows(
  baseline: Record<ComparedMetric, Estimate> | undefined,
  current: Record<ComparedMetric, Estimate> | undefined,
): Record<ComparedMetric, MetricComparison> {
  const result = {} as Record<ComparedMetric, MetricComparison>;
  for (const metric of COMPARED_METRICS) {
    const b = baseline?.[metric];
    const c = current?.[metric];
    const comparison: MetricComparison = {};
    if (b && b.n > 0) comparison.baseline = b;
    if (c && c.n > 0) comparison.current = c;
    if (comparison.baseline && comparison.current && comparison.baseline.estimate > 0) {
      comparison.change = relativeChange(comparison.current, comparison.baseline);
    }
    result[metric] = comparison;
  }
  return result;
}
