import {
  bucketValue,
  dayToIsoDate,
  emptySketch,
  HOURLY_DAYS,
  localDay,
  mergeInto,
  weekdayIndex,
  type DayWindow,
  type DeploymentProjection,
  type DurationSketch,
  type Scorecard,
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
    points.push({
      day,
      date: dayToIsoDate(day),
      manualTasks: tasks - aiTasks,
      aiTasks,
      errorRatio: tasks > 0 ? errors / tasks : null,
      costPerTask: costCount > 0 ? costSum / costCount : null,
      aiShare: tasks > 0 ? aiTasks / tasks : null,
      activeUsers7d: active[day - fromDay] ?? 0,
      overrides: bucket?.overrides ?? 0,
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
  bins = 24,
): DurationDistribution {
  const baseline = windowSketch(projection, baselineWindow, ['manual']);
  const current = windowSketch(projection, currentWindow, MODES);
  const values = [baseline, current].flatMap((sketch) => Object.keys(sketch.buckets).map((index) => bucketValue(Number(index))));
  if (values.length === 0) return { edges: [], baseline: [], current: [], baselineTasks: baseline.count, currentTasks: current.count };
  const low = Math.min(...values) * 0.999;
  const high = Math.max(...values) * 1.001;
  const ratio = high / low;
  const edges = Array.from({ length: bins + 1 }, (_, i) => low * ratio ** (i / bins));
  const shares = (sketch: DurationSketch) => {
    const counts = new Array<number>(bins).fill(0);
    for (const [index, count] of Object.entries(sketch.buckets)) {
      const value = bucketValue(Number(index));
      const bin = Math.min(bins - 1, Math.max(0, Math.floor((Math.log(value / low) / Math.log(ratio)) * bins)));
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
    for (const [hour, [dayTasks, dayErrors]] of Object.entries(hourly)) {
      (tasks[weekday] as number[])[Number(hour)] += dayTasks;
      (errors[weekday] as number[])[Number(hour)] += dayErrors;
    }
  }
  return { tasks, errors, fromDay, toDay: today };
}

/** Days drawn before the baseline starts, at most, so a long history does not crowd the charts. */
export const MAX_CHART_DAYS = 180;

export interface DeploymentSeries {
  daily: DailyPoint[];
  durations: DurationDistribution;
  grid: WeekdayHourGrid;
  /** Day numbers of go-live, the end of ramp-up and the rollback, where they happened; later waves of a staggered go-live. */
  marks: { goLive?: number; rampUpEnd?: number; rolledBack?: number; laterWaves?: { day: number; label: string }[] };
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
  return {
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
