import {
  bucketValue,
  dayToIsoDate,
  emptySketch,
  HOURLY_DAYS,
  localDay,
  mergeInto,
  quantile,
  sketchBuckets,
  sortSketch,
  weekdayIndex,
  type DayWindow,
  type DeploymentProjection,
  type DurationSketch,
  type ModeDay,
  type Scorecard,
  type SegmentDay,
} from '@baseliner/analytics';
import type { TaskMode } from '@baseliner/contracts';
import type { RegisteredDeployment } from '@baseliner/domain';

/** What the deployment page draws, per local day, from the projector's day buckets (no replay). */
export interface DailyPoint {
  day: number;
  date: string;
  manualTasks: number;
  aiTasks: number;
  /** (error + rework) / tasks of every mode, null on a day without tasks. */
  errorRatio: number | null;
  /** Median and 90th-percentile task duration (seconds) of every mode, null on a day without tasks. */
  p50: number | null;
  p90: number | null;
  /** Downstream errors per task of every mode (they carry no mode), null on a day without tasks. */
  downstreamErrorRatio: number | null;
  /** Escalations (operator and builder) per task, and builder escalations per task, null on a day without tasks. */
  escalationRatio: number | null;
  builderEscalationRatio: number | null;
  /** Overrides per AI (ai + assisted) task, null on a day without AI tasks. */
  overrideRatio: number | null;
  downstreamErrors: number;
  escalations: number;
  builderEscalations: number;
  /** Mean cost of the tasks that reported one. */
  costPerTask: number | null;
  /** ai + assisted tasks over all tasks. */
  aiShare: number | null;
  /** Actors with AI use in the 7 days ending this day (kept for the last 60 days of each actor). */
  activeUsers7d: number;
  overrides: number;
  disables: number;
}

const MODES: readonly TaskMode[] = ['ai', 'assisted', 'manual'];

/** The median and 90th percentile of the sketches' durations together; nulls without tasks. */
function quantiles(modeDays: (ModeDay | undefined)[]): { p50: number | null; p90: number | null } {
  const merged = emptySketch();
  for (const modeDay of modeDays) if (modeDay) mergeInto(merged, modeDay.durations);
  if (merged.count === 0) return { p50: null, p90: null };
  const sorted = sortSketch(merged);
  return { p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9) };
}

/** One point per local day from `fromDay` to `toDay`, both included. */
export function dailySeries(projection: DeploymentProjection, fromDay: number, toDay: number): DailyPoint[] {
  const points: DailyPoint[] = [];
  const active = activeUsersByDay(projection, fromDay, toDay);
  for (let day = fromDay; day <= toDay; day += 1) {
    const bucket = projection.days[day];
    let tasks = 0;
    let errors = 0;
    let costCount = 0;
    let costSum = 0;
    let aiTasks = 0;
    for (const mode of MODES) {
      const modeDay = bucket?.modes[mode];
      if (!modeDay) continue;
      tasks += modeDay.tasks;
      errors += modeDay.error + modeDay.rework;
      costCount += modeDay.costCount;
      costSum += modeDay.costSum;
      if (mode !== 'manual') aiTasks += modeDay.tasks;
    }
    const downstreamErrors = bucket?.downstreamErrors ?? 0;
    const builderEscalations = bucket?.builderEscalations ?? 0;
    const escalations = (bucket?.operatorEscalations ?? 0) + builderEscalations;
    const overrides = bucket?.overrides ?? 0;
    points.push({
      day,
      date: dayToIsoDate(day),
      manualTasks: tasks - aiTasks,
      aiTasks,
      errorRatio: tasks > 0 ? errors / tasks : null,
      ...quantiles(MODES.map((mode) => bucket?.modes[mode])),
      downstreamErrorRatio: tasks > 0 ? downstreamErrors / tasks : null,
      escalationRatio: tasks > 0 ? escalations / tasks : null,
      builderEscalationRatio: tasks > 0 ? builderEscalations / tasks : null,
      overrideRatio: aiTasks > 0 ? overrides / aiTasks : null,
      downstreamErrors,
      escalations,
      builderEscalations,
      costPerTask: costCount > 0 ? costSum / costCount : null,
      aiShare: tasks > 0 ? aiTasks / tasks : null,
      activeUsers7d: active[day - fromDay] ?? 0,
      overrides,
      disables: bucket?.disables ?? 0,
    });
  }
  return points;
}

/** For each day of the span, the actors with an AI day in the 7 days ending then (a difference array per actor). */
function activeUsersByDay(projection: DeploymentProjection, fromDay: number, toDay: number): number[] {
  const span = toDay - fromDay + 1;
  const delta = new Array<number>(span + 1).fill(0);
  for (const activity of Object.values(projection.actors)) {
    // The days on which this actor counts as active: the union of [aiDay, aiDay + 6].
    let runStart = -Infinity;
    let runEnd = -Infinity;
    const flush = () => {
      const from = Math.max(runStart, fromDay);
      const to = Math.min(runEnd, toDay);
      if (from <= to) {
        delta[from - fromDay] = (delta[from - fromDay] as number) + 1;
        delta[to - fromDay + 1] = (delta[to - fromDay + 1] as number) - 1;
      }
    };
    for (const aiDay of activity.aiDays) {
      if (aiDay <= runEnd + 1) runEnd = Math.max(runEnd, aiDay + 6);
      else {
        flush();
        runStart = aiDay;
        runEnd = aiDay + 6;
      }
    }
    flush();
  }
  const counts: number[] = [];
  let running = 0;
  for (let i = 0; i < span; i += 1) counts.push((running += delta[i] as number));
  return counts;
}

export interface DurationDistribution {
  /** Bin edges in seconds, log-spaced: bin i is (edges[i], edges[i + 1]]. */
  edges: number[];
  /** Share of the window's tasks in each bin (sums to 1 when there are tasks). */
  baseline: number[];
  current: number[];
  baselineTasks: number;
  currentTasks: number;
}

function windowSketch(projection: DeploymentProjection, window: DayWindow | undefined, modes: readonly TaskMode[]): DurationSketch {
  const merged = emptySketch();
  if (!window) return merged;
  for (let day = window.fromDay; day <= window.toDay; day += 1) {
    const bucket = projection.days[day];
    if (!bucket) continue;
    for (const mode of modes) {
      const modeDay = bucket.modes[mode];
      if (modeDay) mergeInto(merged, modeDay.durations);
    }
  }
  return merged;
}

/**
 * Task durations of the baseline (manual work) and of the current window (every mode), as shares
 * per log-spaced bin over the range both cover: the before/after shape at a glance.
 */
export function durationDistribution(
  projection: DeploymentProjection,
  baselineWindow: DayWindow | undefined,
  currentWindow: DayWindow | undefined,
  bins?: number,
): DurationDistribution {
  const baseline = windowSketch(projection, baselineWindow, ['manual']);
  const current = windowSketch(projection, currentWindow, MODES);
  const values = [baseline, current].flatMap((sketch) => [...sketchBuckets(sketch)].map(([index]) => bucketValue(index)));
  if (values.length === 0) return { edges: [], baseline: [], current: [], baselineTasks: baseline.count, currentTasks: current.count };
  let low = Math.min(...values) * 0.999;
  let high = Math.max(...values) * 1.001;
  // Durations all alike still get a readable range: at least ×4 from the first edge to the last.
  if (high / low < 4) {
    const middle = Math.sqrt(low * high);
    low = middle / 2;
    high = middle * 2;
  }
  const ratio = high / low;
  // Fewer, wider bins for few tasks (twice the cube root of the smaller window, 8 to 24): 20 tasks in 24 bins is noise.
  const fewest = Math.min(...[baseline.count, current.count].filter((count) => count > 0));
  bins ??= Math.min(24, Math.max(8, Math.ceil(2 * Math.cbrt(fewest))));
  const edges = Array.from({ length: bins + 1 }, (_, i) => low * ratio ** (i / (bins as number)));
  const shares = (sketch: DurationSketch) => {
    const counts = new Array<number>(bins as number).fill(0);
    for (const [index, count] of sketchBuckets(sketch)) {
      const value = bucketValue(index);
      const bin = Math.min((bins as number) - 1, Math.max(0, Math.floor((Math.log(value / low) / Math.log(ratio)) * (bins as number))));
      counts[bin] = (counts[bin] as number) + count;
    }
    // Zero durations (below a millisecond) join the first bin.
    counts[0] = (counts[0] as number) + sketch.zeros;
    return sketch.count > 0 ? counts.map((c) => c / sketch.count) : counts;
  };
  return { edges, baseline: shares(baseline), current: shares(current), baselineTasks: baseline.count, currentTasks: current.count };
}

export interface WeekdayHourGrid {
  /** [weekday 0 = Monday][local hour] */
  tasks: number[][];
  errors: number[][];
  /** The local days it covers, both included. */
  fromDay: number;
  toDay: number;
}

/** Tasks and errors by local weekday and hour over the last eight weeks ending `today`. */
export function weekdayHourGrid(projection: DeploymentProjection, today: number): WeekdayHourGrid {
  const tasks = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  const errors = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  const fromDay = today - HOURLY_DAYS + 1;
  for (let day = fromDay; day <= today; day += 1) {
    const hourly = projection.days[day]?.hourly;
    if (!hourly) continue;
    const weekday = weekdayIndex(day);
    for (let hour = 0; hour < 24; hour += 1) {
      (tasks[weekday] as number[])[hour] += hourly[hour] as number;
      (errors[weekday] as number[])[hour] += hourly[24 + hour] as number;
    }
  }
  return { tasks, errors, fromDay, toDay: today };
}

/** One day of a group of segments (the live or the comparison segments of a staggered go-live). */
export interface GroupPoint {
  day: number;
  tasks: number;
  errorRatio: number | null;
  p50: number | null;
  p90: number | null;
  costPerTask: number | null;
}

/** The named segments' tasks together, per local day: what difference-in-differences compares. */
export function segmentGroupSeries(projection: DeploymentProjection, segments: readonly string[], fromDay: number, toDay: number): GroupPoint[] {
  const points: GroupPoint[] = [];
  for (let day = fromDay; day <= toDay; day += 1) {
    const modeDays = segments.flatMap((segment) => {
      const segmentDay = projection.segmentDays?.[segment]?.[day];
      return segmentDay ? MODES.map((mode) => segmentDay[mode]) : [];
    });
    let tasks = 0;
    let errors = 0;
    let costCount = 0;
    let costSum = 0;
    for (const modeDay of modeDays) {
      if (!modeDay) continue;
      tasks += modeDay.tasks;
      errors += modeDay.error + modeDay.rework;
      costCount += modeDay.costCount;
      costSum += modeDay.costSum;
    }
    points.push({ day, tasks, errorRatio: tasks > 0 ? errors / tasks : null, ...quantiles(modeDays), costPerTask: costCount > 0 ? costSum / costCount : null });
  }
  return points;
}

/** A segment's share of the tasks that name a segment, per local day (null on a day without such tasks). */
export function segmentShareSeries(projection: DeploymentProjection, segment: string, fromDay: number, toDay: number): { day: number; share: number | null }[] {
  const tasksOf = (segmentDay: SegmentDay | undefined) => MODES.reduce((sum, mode) => sum + (segmentDay?.[mode]?.tasks ?? 0), 0);
  const points: { day: number; share: number | null }[] = [];
  for (let day = fromDay; day <= toDay; day += 1) {
    let all = 0;
    for (const days of Object.values(projection.segmentDays ?? {})) all += tasksOf(days[day]);
    points.push({ day, share: all > 0 ? tasksOf(projection.segmentDays?.[segment]?.[day]) / all : null });
  }
  return points;
}

/** Days drawn before the baseline starts, at most, so a long history does not crowd the charts. */
export const MAX_CHART_DAYS = 180;

export interface DeploymentSeries {
  daily: DailyPoint[];
  durations: DurationDistribution;
  grid: WeekdayHourGrid;
  /** Day numbers of go-live, the end of ramp-up and the rollback, where they happened; later waves of a staggered go-live. */
  marks: { goLive?: number; rampUpEnd?: number; rolledBack?: number; laterWaves?: { day: number; label: string }[] };
  /** Difference-in-differences: the live and the comparison segments, each as one group per day. */
  groups?: { live: { segments: string[]; points: GroupPoint[] }; comparison: { segments: string[]; points: GroupPoint[] } };
  /** A mix-shift warning's segment: its share of the tasks naming a segment, per day. */
  segmentShare?: { segment: string; points: { day: number; share: number | null }[] };
}

/** Everything the deployment page draws, from the baseline's start (or the first day) to today. */
export function deploymentSeries(projection: DeploymentProjection, deployment: RegisteredDeployment, scorecard: Scorecard, now: Date): DeploymentSeries {
  const zone = deployment.timezone;
  const today = localDay(now.getTime(), zone);
  const day = (iso: string | undefined) => (iso ? localDay(Date.parse(iso), zone) : undefined);
  // The scorecard's windows are local dates: their day numbers are the dates' own.
  const window = (w?: { from: string; to: string }) => (w ? { fromDay: Date.parse(w.from) / 86_400_000, toDay: Date.parse(w.to) / 86_400_000 } : undefined);
  const baseline = window(scorecard.windows.baseline);
  const firstDay = Math.min(...Object.keys(projection.days).map(Number), today);
  const fromDay = Math.max(baseline?.fromDay ?? firstDay, today - MAX_CHART_DAYS);
  const goLive = day(deployment.wentLiveAt);
  const comparison = scorecard.comparison;
  const mixShift = scorecard.warnings.find((w) => w.kind === 'mix_shift');
  return {
    ...(comparison?.design === 'difference_in_differences' && {
      groups: {
        live: { segments: comparison.liveSegments, points: segmentGroupSeries(projection, comparison.liveSegments, fromDay, today) },
        comparison: { segments: comparison.comparisonSegments, points: segmentGroupSeries(projection, comparison.comparisonSegments, fromDay, today) },
      },
    }),
    ...(mixShift?.kind === 'mix_shift' && { segmentShare: { segment: mixShift.segment, points: segmentShareSeries(projection, mixShift.segment, fromDay, today) } }),
    daily: dailySeries(projection, fromDay, today),
    durations: durationDistribution(projection, baseline, window(scorecard.windows.current)),
    grid: weekdayHourGrid(projection, today),
    marks: {
      goLive,
      rampUpEnd: goLive !== undefined ? goLive + deployment.rampUpDays : undefined,
      rolledBack: day(deployment.rolledBack?.at),
      ...(deployment.waves &&
        deployment.waves.length > 1 && {
          laterWaves: deployment.waves.slice(1).map((wave, i) => ({ day: day(wave.at) as number, label: `wave ${i + 2}` })),
        }),
    },
  };
}
