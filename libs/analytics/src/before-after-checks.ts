import type { DeploymentProjection } from './deployment-projection';
import { quantile, sortSketch } from './duration-sketch';
import { weekdayIndex } from './local-time';
import { studentQuantile, studentUpperTail } from './statistics';
import type { DayWindow, Windows } from './windows';

// A before/after comparison credits the AI with everything that changed at go-live. Where no
// segment stayed behind as a comparison, these checks look at what that assumes and can be seen
// in the data: the baseline was steady (no drift inside it), as much work arrived after go-live
// as before, and the same kinds of work (segments) in the same shares. docs/statistics.md,
// "Checks of what a before/after comparison assumes".

/**
 * Two-sided error rate of the baseline check (split over its two metrics). The baseline does not
 * change once live, so reading it every day is one look.
 */
export const DRIFT_ALPHA = 0.01;
/**
 * Two-sided error rate per look of the volume and the mix checks. They are read every day as the
 * current window fills and slides, so each look is held to 0.1%; the shifts that matter (×1.25,
 * 10 points) are large enough to be beyond that within a week or two at ordinary volumes.
 */
export const SHIFT_ALPHA = 0.001;
/** Least relative change over the baseline worth a warning (error ratio, median duration). */
export const DRIFT_MIN_CHANGE = 0.1;
/** Least relative change of tasks per day worth a warning, either way (×1.25 or ×0.8). */
export const VOLUME_MIN_CHANGE = 0.25;
/** Least change of one segment's share of tasks worth a warning, in share points (0.1 = 10 points). */
export const MIX_MIN_SHARE_CHANGE = 0.1;
/** Each side of a check needs at least this many days with tasks and this many tasks. */
export const CHECK_MIN_DAYS = 7;
export const CHECK_MIN_TASKS = 30;

export type DriftMetric = 'error_ratio' | 'task_duration_p50';

/** A straight line through the baseline's days: did the metric drift before go-live? */
export interface BaselineDriftCheck {
  metric: DriftMetric;
  /** The line's value at the baseline's first and last day. */
  earlier: number;
  later: number;
  /** later / earlier − 1, with its interval (each of the two metrics at 99.5%). */
  change: number;
  lower: number;
  upper: number;
  /** Baseline days with (manual) tasks: the points of the line. */
  days: number;
  drifted: boolean;
}

/** Tasks per day before go-live and now, on whole weeks, weekday by weekday on the log scale. */
export interface VolumeCheck {
  baselineTasksPerDay: number;
  currentTasksPerDay: number;
  /** Ratio of tasks per day − 1 (geometric, weekday-matched), with its 99.9% interval. */
  change: number;
  lower: number;
  upper: number;
  /** Two-sided p-value of no change (Student's t on daily log counts). */
  pValue: number;
  baselineDays: number;
  currentDays: number;
  shifted: boolean;
}

/** Shares of tasks by segment before go-live and now (tasks that name `data.segment` only). */
export interface MixCheck {
  /** The segment whose share moved most. */
  segment: string;
  baselineShare: number;
  currentShare: number;
  /** currentShare − baselineShare, with its interval at the Bonferroni-corrected level. */
  change: number;
  lower: number;
  upper: number;
  /** Total-variation distance between the two mixes: half the sum of |share change| over segments. */
  totalVariation: number;
  segments: number;
  baselineDays: number;
  currentDays: number;
  shifted: boolean;
}

export interface BeforeAfterChecks {
  /** Absent when the baseline has fewer than 14 days or 60 tasks of manual work. */
  drift?: BaselineDriftCheck;
  /** Absent before a whole week of the current window, or with too little data. */
  volume?: VolumeCheck;
  /** Absent unless both windows hold at least two segments' tasks in enough days. */
  mix?: MixCheck;
}

/** The baseline's days as whole weeks, the latest ones; absent when shorter than a week. */
function baselineWeeks(baseline: DayWindow): DayWindow | undefined {
  const weeks = Math.floor((baseline.toDay - baseline.fromDay + 1) / 7);
  return weeks >= 1 ? { fromDay: baseline.toDay - weeks * 7 + 1, toDay: baseline.toDay } : undefined;
}

/**
 * Whole weeks after go-live ending yesterday (today is not over), the ramp-up included, at most
 * the last four: the work that arrived is what is checked, whether or not the AI was still being
 * learnt, and a verdict can come a week after ramp-up, when two weeks have passed. Absent before
 * a whole week.
 */
function currentWeeks(windows: Windows): DayWindow | undefined {
  const current = windows.current;
  if (!current) return undefined;
  const firstDay = windows.goLiveDay !== undefined ? windows.goLiveDay + 1 : current.fromDay;
  const lastDay = Math.min(current.toDay, windows.today - 1);
  const weeks = Math.min(4, Math.floor((lastDay - firstDay + 1) / 7));
  return weeks >= 1 ? { fromDay: lastDay - weeks * 7 + 1, toDay: lastDay } : undefined;
}

function tasksOn(projection: DeploymentProjection, day: number): number {
  let tasks = 0;
  const bucket = projection.days[day];
  if (bucket) for (const modeDay of Object.values(bucket.modes)) tasks += modeDay.tasks;
  return tasks;
}

/**
 * Pre-trend: a straight line through the baseline's days (manual work), for each day's error ratio
 * and the log of each day's median duration. Days are the units, so day-to-day variation is the
 * noise the slope is judged against (ordinary least squares, Student's t with days − 2 degrees of
 * freedom, 99.5% for each of the two metrics: 1% together). Reported as the line's values at the
 * baseline's first and last day and the change between them; drifted when that change is at
 * least 10% and the slope is beyond doubt. A slope over the days beats a placebo go-live in the
 * middle of the baseline (first half against second half): at 100 tasks/day it finds a time
 * drift of 10% a week in about 80% of baselines where the halves find it in 35%. Weak by nature
 * all the same: a drift of a few percent a week hides in 28 days of day-to-day variation.
 */
export function baselineDriftCheck(projection: DeploymentProjection, windows: Windows): BaselineDriftCheck | undefined {
  const baseline = windows.baseline;
  if (!baseline) return undefined;
  const xs: number[] = [];
  const errorRatios: number[] = [];
  const logMedians: number[] = [];
  let tasks = 0;
  for (let day = baseline.fromDay; day <= baseline.toDay; day += 1) {
    const modeDay = projection.days[day]?.modes.manual;
    if (!modeDay || modeDay.tasks === 0) continue;
    xs.push(day - baseline.fromDay);
    errorRatios.push((modeDay.error + modeDay.rework) / modeDay.tasks);
    const median = quantile(sortSketch(modeDay.durations), 0.5);
    logMedians.push(Math.log(Math.max(median, 1e-3)));
    tasks += modeDay.tasks;
  }
  const days = xs.length;
  if (days < 2 * CHECK_MIN_DAYS || tasks < 2 * CHECK_MIN_TASKS) return undefined;
  const span = baseline.toDay - baseline.fromDay;
  const meanX = xs.reduce((a, b) => a + b, 0) / days;
  const sxx = xs.reduce((a, x) => a + (x - meanX) ** 2, 0);
  const t = studentQuantile(DRIFT_ALPHA / 4, days - 2);
  let found: BaselineDriftCheck | undefined;
  for (const metric of ['error_ratio', 'task_duration_p50'] as const) {
    const ys = metric === 'error_ratio' ? errorRatios : logMedians;
    const meanY = ys.reduce((a, b) => a + b, 0) / days;
    let sxy = 0;
    for (let i = 0; i < days; i += 1) sxy += ((xs[i] as number) - meanX) * ((ys[i] as number) - meanY);
    const slope = sxy / sxx;
    let squares = 0;
    for (let i = 0; i < days; i += 1) squares += ((ys[i] as number) - meanY - slope * ((xs[i] as number) - meanX)) ** 2;
    const se = Math.sqrt(squares / (days - 2) / sxx);
    // Fitted at the first and the last day of the baseline, and the change between them.
    const at = (b: number, x: number) => meanY + b * (x - meanX);
    const changeAt = (b: number) => {
      if (metric === 'task_duration_p50') return Math.exp(b * span) - 1;
      const first = at(b, 0);
      return first > 0 ? at(b, span) / first - 1 : at(b, span) > 0 ? Infinity : -1;
    };
    const value = (x: number) => (metric === 'task_duration_p50' ? Math.exp(at(slope, x)) : at(slope, x));
    const lower = changeAt(slope - t * se);
    const upper = changeAt(slope + t * se);
    const change = changeAt(slope);
    const drifted = (lower > 0 || upper < 0) && Math.abs(change) >= DRIFT_MIN_CHANGE;
    const check: BaselineDriftCheck = { metric, earlier: value(0), later: value(span), change, lower, upper, days, drifted };
    if (!found || (drifted && !found.drifted) || (drifted === found.drifted && Math.abs(check.change) > Math.abs(found.change))) found = check;
  }
  return found;
}

/**
 * Tasks per day at go-live: whole weeks of the baseline against whole weeks of the current window
 * (ending yesterday), days with tasks only. Day-level evidence on the log scale, weekday-matched:
 * log tasks of each day = weekday × period mean + noise; the shift is the mean over weekdays seen
 * in both periods of (current − baseline) mean log tasks, its variance from the pooled spread of
 * days around their weekday × period means, referred to Student's t (a two-way layout, so a
 * weekly rhythm is not mistaken for noise and unequal weekday counts do not bias it). Flagged when
 * the ratio is at least ×1.25 (or at most ×0.8) and the two-sided p-value is below 0.1%.
 */
export function volumeCheck(projection: DeploymentProjection, windows: Windows): VolumeCheck | undefined {
  const baseline = windows.baseline && baselineWeeks(windows.baseline);
  const current = currentWeeks(windows);
  if (!baseline || !current) return undefined;
  // [period][weekday] → log tasks of its days
  const cells: number[][][] = [0, 1].map(() => Array.from({ length: 7 }, () => []));
  const sums = [0, 0];
  const days = [0, 0];
  [baseline, current].forEach((window, period) => {
    for (let day = window.fromDay; day <= window.toDay; day += 1) {
      const tasks = tasksOn(projection, day);
      if (tasks === 0) continue;
      (cells[period] as number[][])[weekdayIndex(day)]!.push(Math.log(tasks));
      sums[period] = (sums[period] as number) + tasks;
      days[period] = (days[period] as number) + 1;
    }
  });
  const [baselineDays, currentDays] = days as [number, number];
  const [baselineTasks, currentTasks] = sums as [number, number];
  if (baselineDays < CHECK_MIN_DAYS || currentDays < CHECK_MIN_DAYS || baselineTasks < CHECK_MIN_TASKS || currentTasks < CHECK_MIN_TASKS) return undefined;

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  let squares = 0;
  let freedom = 0;
  for (const period of cells) {
    for (const cell of period) {
      if (cell.length === 0) continue;
      const m = mean(cell);
      for (const y of cell) squares += (y - m) ** 2;
      freedom += cell.length - 1;
    }
  }
  let shift = 0;
  let inverseCounts = 0;
  let weekdays = 0;
  for (let w = 0; w < 7; w += 1) {
    const b = (cells[0] as number[][])[w] as number[];
    const c = (cells[1] as number[][])[w] as number[];
    if (b.length === 0 || c.length === 0) continue;
    shift += mean(c) - mean(b);
    inverseCounts += 1 / b.length + 1 / c.length;
    weekdays += 1;
  }
  if (weekdays === 0 || freedom < 3) return undefined;
  shift /= weekdays;
  const variance = squares / freedom;
  const se = Math.sqrt((variance * inverseCounts) / (weekdays * weekdays));
  const t = se > 0 ? Math.abs(shift) / se : shift === 0 ? 0 : Infinity;
  const pValue = Number.isFinite(t) ? Math.min(1, 2 * studentUpperTail(t, freedom)) : 0;
  const spread = se > 0 ? studentQuantile(SHIFT_ALPHA / 2, freedom) * se : 0;
  const change = Math.exp(shift) - 1;
  const material = change >= VOLUME_MIN_CHANGE || change <= 1 / (1 + VOLUME_MIN_CHANGE) - 1;
  return {
    baselineTasksPerDay: baselineTasks / baselineDays,
    currentTasksPerDay: currentTasks / currentDays,
    change,
    lower: Math.exp(shift - spread) - 1,
    upper: Math.exp(shift + spread) - 1,
    pValue,
    baselineDays,
    currentDays,
    shifted: material && pValue < SHIFT_ALPHA,
  };
}

/** Tasks per segment on each day of a window (all modes), and per day in total. */
function segmentCounts(projection: DeploymentProjection, window: DayWindow, segments: string[]): { counts: number[][]; totals: number[] } {
  const counts: number[][] = segments.map(() => []);
  const totals: number[] = [];
  for (let day = window.fromDay; day <= window.toDay; day += 1) {
    let total = 0;
    const row = segments.map((segment) => {
      const segmentDay = projection.segmentDays?.[segment]?.[day];
      let tasks = 0;
      if (segmentDay) for (const modeDay of Object.values(segmentDay)) tasks += modeDay.tasks;
      total += tasks;
      return tasks;
    });
    if (total === 0) continue;
    row.forEach((tasks, s) => (counts[s] as number[]).push(tasks));
    totals.push(total);
  }
  return { counts, totals };
}

/** A share with its day-clustered variance (Cochran's ratio estimator, days as clusters), floored at the binomial one. */
function clusteredShare(counts: number[], totals: number[]): { share: number; variance: number; days: number } {
  const days = totals.length;
  const n = totals.reduce((a, b) => a + b, 0);
  const k = counts.reduce((a, b) => a + b, 0);
  const share = k / n;
  let sum = 0;
  for (let d = 0; d < days; d += 1) sum += ((counts[d] as number) - share * (totals[d] as number)) ** 2;
  const clustered = days > 1 ? (days / (days - 1)) * (sum / (n * n)) : Infinity;
  return { share, variance: Math.max(clustered, (share * (1 - share)) / n), days };
}

/**
 * The mix of work at go-live: each segment's share of the tasks that name a segment, whole weeks
 * of the baseline against whole weeks of the current window, all modes. Per segment, the change
 * of share with a day-clustered variance on each side (days are the units: a busy day of one team
 * is one piece of evidence, not hundreds), referred to Student's t with Welch–Satterthwaite
 * degrees of freedom at 0.1% two-sided, Bonferroni-corrected over the segments. Flagged when some
 * segment's share moved by at least 10 points beyond doubt. `totalVariation` sums up the whole
 * move (half the sum of |share change|).
 */
export function mixCheck(projection: DeploymentProjection, windows: Windows): MixCheck | undefined {
  const baseline = windows.baseline && baselineWeeks(windows.baseline);
  const current = currentWeeks(windows);
  const segments = Object.keys(projection.segmentDays ?? {}).sort();
  if (!baseline || !current || segments.length < 2) return undefined;
  const before = segmentCounts(projection, baseline, segments);
  const after = segmentCounts(projection, current, segments);
  const tasks = (totals: number[]) => totals.reduce((a, b) => a + b, 0);
  if (before.totals.length < CHECK_MIN_DAYS || after.totals.length < CHECK_MIN_DAYS) return undefined;
  if (tasks(before.totals) < CHECK_MIN_TASKS || tasks(after.totals) < CHECK_MIN_TASKS) return undefined;

  const seen = segments.filter((_, s) => tasks(before.counts[s] as number[]) + tasks(after.counts[s] as number[]) > 0);
  const tail = SHIFT_ALPHA / 2 / Math.max(1, seen.length);
  let totalVariation = 0;
  let found: Omit<MixCheck, 'totalVariation' | 'segments' | 'baselineDays' | 'currentDays'> | undefined;
  segments.forEach((segment, s) => {
    if (!seen.includes(segment)) return;
    const b = clusteredShare(before.counts[s] as number[], before.totals);
    const a = clusteredShare(after.counts[s] as number[], after.totals);
    const change = a.share - b.share;
    totalVariation += Math.abs(change) / 2;
    const variance = a.variance + b.variance;
    // Welch–Satterthwaite degrees of freedom of the two day-level variances.
    const df = variance ** 2 / (a.variance ** 2 / (a.days - 1) + b.variance ** 2 / (b.days - 1));
    const spread = studentQuantile(tail, Number.isFinite(df) && df > 0 ? df : 1) * Math.sqrt(variance);
    const lower = change - spread;
    const upper = change + spread;
    const shifted = (lower > 0 || upper < 0) && Math.abs(change) >= MIX_MIN_SHARE_CHANGE;
    const check = { segment, baselineShare: b.share, currentShare: a.share, change, lower, upper, shifted };
    if (!found || (shifted && !found.shifted) || (shifted === found.shifted && Math.abs(change) > Math.abs(found.change))) found = check;
  });
  if (!found) return undefined;
  return { ...found, totalVariation, segments: seen.length, baselineDays: before.totals.length, currentDays: after.totals.length };
}

/**
 * What a before/after comparison assumes, checked where the data can show it: a steady baseline,
 * the same volume and the same mix of work after go-live. Pure; call it when the design is
 * before/after (no comparison segments). Each check is absent until it has enough days.
 */
export function beforeAfterChecks(projection: DeploymentProjection, windows: Windows): BeforeAfterChecks {
  const drift = baselineDriftCheck(projection, windows);
  const volume = volumeCheck(projection, windows);
  const mix = mixCheck(projection, windows);
  return { ...(drift && { drift }), ...(volume && { volume }), ...(mix && { mix }) };
}
