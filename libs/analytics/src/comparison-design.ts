import type { TaskMode } from '@baseliner/contracts';
import type { RegisteredDeployment } from '@baseliner/domain';
import { clusteredQuantile, dayCountsBelowQuantile, intervalAt } from './clustered-estimates';
import { MIN_DAYS_PER_WINDOW, MIN_TASKS_PER_WINDOW } from './criteria-thresholds';
import type { DeploymentProjection, SegmentDay } from './deployment-projection';
import type { DurationSketch } from './duration-sketch';
import { localDay } from './local-time';
import { widenForDegreesOfFreedom } from './statistics';
import { windowStatistics, type ComparedMetric, type MetricComparison, type WindowDay, type WindowTotals } from './window-metrics';
import type { DayWindow, Windows } from './windows';

/*
 * Difference-in-differences over segments (a staggered go-live). On each calendar day of the
 * current window, the segments past their ramp-up are live and the segments not yet live (later
 * waves, holdouts) are the comparison; days with both are paired. A criterion's change is the
 * live segments' change net of the comparison's change over the same calendar days:
 *
 *   log(net ratio) = [log θ(live, after) − log θ(comparison, after)] − [log θ(live, before) − log θ(comparison, before)]
 *
 * with θ a ratio of sums (error ratio, mean cost) or a quantile of durations, and "before" the
 * baseline window (manual work), "after" the paired days (all modes), as in the before/after
 * design. Pairing by day is what removes what the day brought (a season, a trend, a busy week):
 * each day's influence on the live estimate and on the comparison's is differenced before the
 * day-clustered variance is taken (Cochran's linearisation, as in clustered-estimates.ts), so a
 * shock common to both groups cancels while the binomial noise of each (independent between
 * groups) stays — the variance is floored at the sum of the groups' independent-task variances.
 * Degrees of freedom by Satterthwaite; the interval then takes the always-valid multiplier.
 *
 * Anchors: Callaway & Sant'Anna, "Difference-in-differences with multiple time periods" (J.
 * Econometrics 2021) for the not-yet-treated comparison of a staggered rollout; Hussey & Hughes
 * (2007) for stepped-wedge designs. With several waves the live and comparison sets are pooled
 * over the paired days and their baselines over the segments that served in each role — exact
 * when the sets are the same on every paired day (one wave and its holdouts), an approximation
 * otherwise (docs/statistics.md).
 */

/** How a deployment's baseline-compared criteria are judged. */
export type ComparisonDesign = 'difference_in_differences' | 'before_after';

/** The scorecard's `comparison`: which design produced the changes, over which segments, assuming what. */
export interface ComparisonSummary {
  design: ComparisonDesign;
  /** Segments judged: live (past ramp-up) on some day of the current window. Empty for before/after. */
  liveSegments: string[];
  /** Segments not live on those days, whose change over the same calendar days is netted out. */
  comparisonSegments: string[];
  /** Days of the current window with tasks in both the live and the comparison segments. */
  pairedDays: number;
  /** Metrics judged net of the comparison; the others stay before/after (escalations and downstream errors carry no segment). */
  netMetrics: ComparedMetric[];
  /** The comparison segments' own change over the same days (point estimates): what the net change removed. */
  comparisonChanges?: Partial<Record<ComparedMetric, number>>;
  /** What the design assumes, in one line. */
  assumes: string;
}

/** The design when no segment is a comparison: everything that changed at go-live is credited to the AI. */
export const BEFORE_AFTER: ComparisonSummary = {
  design: 'before_after',
  liveSegments: [],
  comparisonSegments: [],
  pairedDays: 0,
  netMetrics: [],
  assumes: 'nothing but the AI changed at go-live (no season, trend or re-routed work): go live per segment to get a comparison',
};

const DID_ASSUMES =
  'without the AI the live segments would have changed as the comparison segments did over the same days (parallel trends); segments do not share work';

/** Metrics that tasks carry a segment for. */
const NET_METRICS = ['task_duration_p50', 'task_duration_p90', 'error_ratio', 'cost_per_task'] as const satisfies readonly ComparedMetric[];
type NetMetric = (typeof NET_METRICS)[number];

/** A difference-in-differences comparison, ready to be drawn at any multiplier. */
export interface NetComparison {
  summary: ComparisonSummary;
  /** The live segments' own windows and the net change at multiplier `z`; undefined for a metric judged before/after. */
  at(metric: ComparedMetric, z: number): MetricComparison | undefined;
}

/** A log-scale estimate of one group in one period, with each calendar day's influence on it. */
interface LogEstimate {
  log: number;
  /** Linearised influence of each day (aligned by calendar day across groups) on the log estimate. */
  influence: Float64Array;
  /** Whether the day had any of this estimate's units (a cluster). */
  present: Uint8Array;
  /** Variance of the log estimate were tasks independent (binomial, sampling). */
  independentVariance: number;
}

/** One period's contrast live − comparison, paired by day. */
interface Contrast {
  difference: number;
  variance: number;
  df: number;
}

const emptyWindowDay = (): WindowDay => ({
  tasks: 0,
  allTasks: 0,
  aiTasks: 0,
  errors: 0,
  sketches: [],
  costCount: 0,
  costSum: 0,
  costSumOfSquares: 0,
  operatorEscalations: 0,
  builderEscalations: 0,
  downstreamErrors: 0,
  overrides: 0,
});

/** A group's days (one WindowDay per calendar day, empty ones included so groups align by index). */
function groupTotals(days: readonly WindowDay[]): WindowTotals {
  const totals: WindowTotals = { days: days.length, daysWithTasks: 0, tasksByMode: { ai: 0, assisted: 0, manual: 0 }, tasks: 0, perDay: [...days] };
  for (const day of days) {
    totals.tasks += day.tasks;
    if (day.tasks > 0) totals.daysWithTasks += 1;
  }
  return totals;
}

function addSegmentDay(target: WindowDay, segmentDay: SegmentDay | undefined, modes: readonly TaskMode[]): void {
  if (!segmentDay) return;
  for (const mode of modes) {
    const modeDay = segmentDay[mode];
    if (!modeDay) continue;
    target.tasks += modeDay.tasks;
    target.allTasks += modeDay.tasks;
    if (mode !== 'manual') target.aiTasks += modeDay.tasks;
    target.errors += modeDay.error + modeDay.rework;
    target.sketches.push(modeDay.durations);
    target.costCount += modeDay.costCount;
    target.costSum += modeDay.costSum;
    target.costSumOfSquares += modeDay.costSumOfSquares;
  }
}

/** log(Σy/Σx) with influences y_d/Y − x_d/X. */
function logRatio(ys: readonly number[], xs: readonly number[], independentVariance: (y: number, x: number) => number): LogEstimate | undefined {
  let y = 0;
  let x = 0;
  for (let d = 0; d < xs.length; d += 1) {
    y += ys[d] as number;
    x += xs[d] as number;
  }
  if (!(y > 0) || !(x > 0)) return undefined;
  const influence = new Float64Array(xs.length);
  const present = new Uint8Array(xs.length);
  for (let d = 0; d < xs.length; d += 1) {
    influence[d] = (ys[d] as number) / y - (xs[d] as number) / x;
    present[d] = (xs[d] as number) > 0 ? 1 : 0;
  }
  return { log: Math.log(y / x), influence, present, independentVariance: independentVariance(y, x) };
}

/**
 * log of the q-quantile of a group's durations. The share of tasks at or below the estimate is
 * linearised by day (Woodruff's device) and carried to the log scale by the slope of the log
 * quantile function, read from the sketch around q (widened until it spans distinct values, so
 * tied durations such as whole minutes still give a slope).
 */
function logQuantile(days: readonly WindowDay[], q: number): LogEstimate | undefined {
  const daySketches: DurationSketch[][] = days.map((d) => d.sketches);
  const estimate = clusteredQuantile(daySketches, q);
  const n = estimate.n;
  if (n === 0 || !(estimate.estimate > 0)) return undefined;
  const view = estimate.view;
  let slope = 0;
  for (const h of [0.05, 0.1, 0.2, 0.3]) {
    const low = Math.max(1 / n, q - h);
    const high = Math.min(1, q + h);
    const lowValue = view.valueAtRank(Math.ceil(low * n));
    const highValue = view.valueAtRank(Math.ceil(high * n));
    if (lowValue > 0 && highValue > lowValue) {
      slope = (Math.log(highValue) - Math.log(lowValue)) / (high - low);
      break;
    }
  }
  if (!(slope > 0)) return undefined;
  const { below, counts } = dayCountsBelowQuantile(daySketches, view, q);
  const influence = new Float64Array(days.length);
  const present = new Uint8Array(days.length);
  counts.forEach((count, d) => {
    // More tasks below the estimate on a day pull the quantile down: a negative influence.
    influence[d] = (-slope * ((below[d] as number) - q * count)) / n;
    present[d] = count > 0 ? 1 : 0;
  });
  return { log: Math.log(estimate.estimate), influence, present, independentVariance: (slope * slope * q * (1 - q)) / n };
}

function logEstimateOf(metric: NetMetric, days: readonly WindowDay[]): LogEstimate | undefined {
  const column = (pick: (day: WindowDay) => number) => days.map(pick);
  switch (metric) {
    case 'task_duration_p50':
      return logQuantile(days, 0.5);
    case 'task_duration_p90':
      return logQuantile(days, 0.9);
    case 'error_ratio':
      // Binomial variance of log p̂: (1 − p)/(p·n) = 1/errors − 1/tasks.
      return logRatio(column((d) => d.errors), column((d) => d.tasks), (errors, tasks) => 1 / errors - 1 / tasks);
    case 'cost_per_task': {
      let squares = 0;
      for (const day of days) squares += day.costSumOfSquares;
      return logRatio(column((d) => d.costSum), column((d) => d.costCount), (sum, count) => {
        const mean = sum / count;
        const sampleVariance = count > 1 ? Math.max(0, (squares - count * mean * mean) / (count - 1)) : 0;
        return sampleVariance / (count * mean * mean);
      });
    }
  }
}

/** live − comparison in one period, its day-paired clustered variance and Satterthwaite df. */
function contrast(live: LogEstimate, comparison: LogEstimate): Contrast {
  let days = 0;
  let sum = 0;
  for (let d = 0; d < live.influence.length; d += 1) {
    if (!live.present[d] && !comparison.present[d]) continue;
    days += 1;
    sum += ((live.influence[d] as number) - (comparison.influence[d] as number)) ** 2;
  }
  const independent = live.independentVariance + comparison.independentVariance;
  const clustered = days > 1 ? (days / (days - 1)) * sum : 0;
  const variance = Math.max(clustered, independent);
  const deff = independent > 0 ? variance / independent : 1;
  const df = deff <= 1 || days < 2 ? Infinity : (days - 1) * (deff / (deff - 1)) ** 2;
  return { difference: live.log - comparison.log, variance, df };
}

/** Satterthwaite degrees of freedom of a sum of two variances. */
function combinedDf(a: Contrast, b: Contrast): number {
  const parts = [a, b].filter((c) => Number.isFinite(c.df) && c.variance > 0);
  if (parts.length === 0) return Infinity;
  const total = a.variance + b.variance;
  return (total * total) / parts.reduce((sum, c) => sum + (c.variance * c.variance) / c.df, 0);
}

/** Each segment's go-live local day, from the waves. */
function waveDays(deployment: RegisteredDeployment): Map<string, number> {
  const days = new Map<string, number>();
  for (const wave of deployment.waves ?? []) {
    const day = localDay(Date.parse(wave.at), deployment.timezone);
    for (const segment of wave.segments) if (!days.has(segment)) days.set(segment, day);
  }
  return days;
}

const sorted = (names: Iterable<string>) => [...names].sort((a, b) => a.localeCompare(b));

/**
 * The difference-in-differences comparison at the windows given, or undefined when the
 * deployment went live all at once or no comparison segment has enough work on the paired days
 * (then the design is before/after, and the scorecard checks what that assumes).
 */
export function differenceInDifferences(projection: DeploymentProjection, deployment: RegisteredDeployment, windows: Windows): NetComparison | undefined {
  const segmentDays = projection.segmentDays;
  if (!deployment.waves || !segmentDays || !windows.current || !windows.baseline) return undefined;
  const goLive = waveDays(deployment);
  const names = Object.keys(segmentDays);
  const current: DayWindow = windows.current;
  const baseline: DayWindow = windows.baseline;

  // After: each paired day's live (past ramp-up) and comparison (not yet live) segments.
  const liveAfter: WindowDay[] = [];
  const comparisonAfter: WindowDay[] = [];
  const liveSet = new Set<string>();
  const comparisonSet = new Set<string>();
  let pairedDays = 0;
  for (let day = current.fromDay; day <= current.toDay; day += 1) {
    const live = names.filter((name) => (goLive.get(name) ?? Infinity) + deployment.rampUpDays <= day);
    const comparison = names.filter((name) => (goLive.get(name) ?? Infinity) > day);
    if (live.length === 0 || comparison.length === 0) continue;
    const liveDay = emptyWindowDay();
    const comparisonDay = emptyWindowDay();
    for (const name of live) addSegmentDay(liveDay, segmentDays[name]?.[day], ['ai', 'assisted', 'manual']);
    for (const name of comparison) addSegmentDay(comparisonDay, segmentDays[name]?.[day], ['ai', 'assisted', 'manual']);
    if (liveDay.tasks === 0 && comparisonDay.tasks === 0) continue;
    live.forEach((name) => liveSet.add(name));
    comparison.forEach((name) => comparisonSet.add(name));
    liveAfter.push(liveDay);
    comparisonAfter.push(comparisonDay);
    if (liveDay.tasks > 0 && comparisonDay.tasks > 0) pairedDays += 1;
  }

  // Before: the baseline window's manual work of the segments that served in each role.
  const liveBefore: WindowDay[] = [];
  const comparisonBefore: WindowDay[] = [];
  for (let day = baseline.fromDay; day <= baseline.toDay; day += 1) {
    const liveDay = emptyWindowDay();
    const comparisonDay = emptyWindowDay();
    for (const name of liveSet) addSegmentDay(liveDay, segmentDays[name]?.[day], ['manual']);
    for (const name of comparisonSet) addSegmentDay(comparisonDay, segmentDays[name]?.[day], ['manual']);
    liveBefore.push(liveDay);
    comparisonBefore.push(comparisonDay);
  }

  const comparisonAfterTotals = groupTotals(comparisonAfter);
  const comparisonBeforeTotals = groupTotals(comparisonBefore);
  const enough = (totals: WindowTotals) => totals.tasks >= MIN_TASKS_PER_WINDOW && totals.daysWithTasks >= MIN_DAYS_PER_WINDOW;
  if (!enough(comparisonAfterTotals) || !enough(comparisonBeforeTotals) || pairedDays < MIN_DAYS_PER_WINDOW) return undefined;

  const liveBeforeStatistics = windowStatistics(groupTotals(liveBefore));
  const liveAfterStatistics = windowStatistics(groupTotals(liveAfter));
  const net = new Map<ComparedMetric, { estimate: number; variance: number; df: number }>();
  const comparisonChanges: Partial<Record<ComparedMetric, number>> = {};
  for (const metric of NET_METRICS) {
    const [la, ca, lb, cb] = [liveAfter, comparisonAfter, liveBefore, comparisonBefore].map((days) => logEstimateOf(metric, days));
    if (!la || !ca || !lb || !cb) continue;
    const after = contrast(la, ca);
    const before = contrast(lb, cb);
    net.set(metric, { estimate: after.difference - before.difference, variance: after.variance + before.variance, df: combinedDf(after, before) });
    comparisonChanges[metric] = Math.exp(ca.log - cb.log) - 1;
  }

  const summary: ComparisonSummary = {
    design: 'difference_in_differences',
    liveSegments: sorted(liveSet),
    comparisonSegments: sorted(comparisonSet),
    pairedDays,
    netMetrics: NET_METRICS.filter((metric) => net.has(metric)),
    comparisonChanges,
    assumes: DID_ASSUMES,
  };
  return {
    summary,
    at(metric, z) {
      const found = net.get(metric);
      if (!found) return undefined;
      const spread = widenForDegreesOfFreedom(z, found.df) * Math.sqrt(found.variance);
      const baselineEstimate = liveBeforeStatistics[metric];
      const currentEstimate = liveAfterStatistics[metric];
      return {
        ...(baselineEstimate.n > 0 && { baseline: intervalAt(baselineEstimate, z) }),
        ...(currentEstimate.n > 0 && { current: intervalAt(currentEstimate, z) }),
        change: { estimate: Math.expm1(found.estimate), lower: Math.expm1(found.estimate - spread), upper: Math.expm1(found.estimate + spread) },
      };
    },
  };
}
