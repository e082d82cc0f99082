import type { TaskMode, TelemetryEvent } from '@baseliner/contracts';
import { evolve, initialDeploymentState, type DeploymentEvent, type DeploymentState } from '@baseliner/domain';
import { addToSketch, emptySketch, type DurationSketch } from './duration-sketch';
import { localDay, localHour } from './local-time';

/** Tasks of one mode on one local day. */
export interface ModeDay {
  tasks: number;
  success: number;
  error: number;
  rework: number;
  escalated: number;
  durations: DurationSketch;
  costCount: number;
  costSum: number;
  costSumOfSquares: number;
}

/** Everything that happened on one local day of a deployment, in counts and sketches. */
export interface DayBucket {
  modes: Partial<Record<TaskMode, ModeDay>>;
  operatorEscalations: number;
  builderEscalations: number;
  downstreamErrors: number;
  overrides: number;
  disables: number;
  enables: number;
  aiUses: number;
  feedbackCount: number;
  feedbackSum: number;
  /**
   * Tasks by local hour at 0–23 and errors (error or rework) at 24–47, for the weekday × hour
   * view; kept for the last HOURLY_DAYS days only, so memory stays per day. One typed array, not
   * an object of pairs: a fifth of the memory.
   */
  hourly?: Uint32Array;
}

/** One pseudonymous actor, for adoption and reversion. Times are epoch ms of event time. */
export interface ActorActivity {
  firstAiUse?: number;
  lastAiUse?: number;
  lastManualTask?: number;
  lastTask?: number;
  /** Local days with AI use, ascending, the most recent ones only. */
  aiDays: number[];
}

/**
 * The read model of one deployment: its lifecycle, its days and its actors. Memory grows with
 * days × deployments and with actors, not with events. Plain JSON, so it snapshots as is.
 */
export interface DeploymentProjection {
  id: string;
  lifecycle: DeploymentState;
  timezone: string;
  days: Record<number, DayBucket>;
  actors: Record<string, ActorActivity>;
  /** Latest event time received (epoch ms). */
  lastEventTime?: number;
  events: number;
  /** The latest local day with events; hourly tallies are kept for days close to it. */
  newestDay?: number;
  /**
   * What the criteria said at the end of each past local day (`scorecard.ts`, the verdict track):
   * [weight of the events on or before that day, verdict]. A cache derived from the rest, kept
   * here so snapshots carry it; dropping it only costs recomputation. `unsaved` is set when
   * entries are (re)computed: the projector then saves the deployment at its next snapshot even
   * without new events (else a restart after a full replay would walk every track again).
   */
  verdictTrack?: { lifecycle: string; days: Record<number, [number, string]>; unsaved?: boolean };
  /**
   * Tasks by segment (`data.segment`: team, site, queue), local day and mode: the live and the
   * comparison segments of a staggered go-live (`comparison-design.ts`) and the mix of work
   * (`before-after-checks.ts`). Only tasks that name a segment; at most MAX_SEGMENTS names, the
   * rest pooled under OTHER_SEGMENT, so memory stays bounded whatever the senders write.
   */
  segmentDays?: Record<string, Record<number, SegmentDay>>;
}

/** One segment's tasks on one local day, by mode. */
export type SegmentDay = Partial<Record<TaskMode, ModeDay>>;

/** Segments tracked by name per deployment (a go-live names at most 50 per wave). */
export const MAX_SEGMENTS = 64;
/** Where tasks of segments beyond MAX_SEGMENTS are counted. */
export const OTHER_SEGMENT = '(other)';

/** Days (before the latest) whose tasks are kept by hour: the weekday pattern's eight weeks. */
export const HOURLY_DAYS = 56;

/** AI days kept per actor: enough for the peak of 7-day active users over 28 days, with room for backfill. */
const AI_DAYS_KEPT = 60;

export function emptyProjection(id: string): DeploymentProjection {
  return { id, lifecycle: initialDeploymentState, timezone: 'UTC', days: {}, actors: {}, events: 0 };
}

/** A day with nothing on it yet. */
export function emptyDay(): DayBucket {
  return {
    modes: {},
    operatorEscalations: 0,
    builderEscalations: 0,
    downstreamErrors: 0,
    overrides: 0,
    disables: 0,
    enables: 0,
    aiUses: 0,
    feedbackCount: 0,
    feedbackSum: 0,
  };
}

/** A new day arrived: drop the hourly tallies of days that left the kept span. */
function forgetOldHours(projection: DeploymentProjection, day: number): void {
  if (day <= (projection.newestDay ?? -Infinity)) return;
  projection.newestDay = day;
  for (const key of Object.keys(projection.days)) {
    const old = Number(key);
    if (old <= day - HOURLY_DAYS) delete (projection.days[old] as DayBucket).hourly;
  }
}

/** One mode's tasks on a day, before the first. */
export function emptyModeDay(): ModeDay {
  return { tasks: 0, success: 0, error: 0, rework: 0, escalated: 0, durations: emptySketch(), costCount: 0, costSum: 0, costSumOfSquares: 0 };
}

export function applyLifecycleEvent(projection: DeploymentProjection, event: DeploymentEvent): void {
  projection.lifecycle = evolve(projection.lifecycle, event);
  if (event.type === 'DeploymentRegistered') projection.timezone = event.data.timezone;
}

function actorOf(projection: DeploymentProjection, actor: unknown): ActorActivity | undefined {
  if (typeof actor !== 'string') return undefined;
  let activity = projection.actors[actor];
  if (!activity) projection.actors[actor] = activity = { aiDays: [] };
  return activity;
}

/** The segment's bucket for a day, created on first use; names past MAX_SEGMENTS pool under OTHER_SEGMENT. */
export function segmentDayOf(projection: DeploymentProjection, segment: string, day: number): SegmentDay {
  const segments = (projection.segmentDays ??= {});
  let name = segment === '__proto__' ? OTHER_SEGMENT : segment;
  if (!Object.hasOwn(segments, name) && Object.keys(segments).length >= MAX_SEGMENTS) name = OTHER_SEGMENT;
  const days = (segments[name] ??= {});
  return (days[day] ??= {});
}

function recordAiUse(activity: ActorActivity | undefined, at: number, day: number): void {
  if (!activity) return;
  activity.firstAiUse = Math.min(activity.firstAiUse ?? at, at);
  activity.lastAiUse = Math.max(activity.lastAiUse ?? at, at);
  const days = activity.aiDays;
  if (days.includes(day)) return;
  // Insert in order; backfilled days land where they belong, the oldest fall off.
  let i = days.length;
  while (i > 0 && (days[i - 1] as number) > day) i -= 1;
  days.splice(i, 0, day);
  if (days.length > AI_DAYS_KEPT) days.shift();
}

/** Folds one accepted telemetry event into the projection, by its event time. */
export function applyTelemetryEvent(projection: DeploymentProjection, event: TelemetryEvent): void {
  const at = Date.parse(event.time);
  if (!Number.isFinite(at)) return;
  const day = localDay(at, projection.timezone);
  let bucket = projection.days[day];
  if (!bucket) {
    bucket = projection.days[day] = emptyDay();
    forgetOldHours(projection, day);
  }
  projection.events += 1;
  projection.lastEventTime = Math.max(projection.lastEventTime ?? at, at);
  switch (event.type) {
    case 'task.completed': {
      const { mode, outcome, durationSeconds, costUsd } = event.data;
      const modeDay = (bucket.modes[mode] ??= emptyModeDay());
      modeDay.tasks += 1;
      modeDay[outcome] += 1;
      addToSketch(modeDay.durations, durationSeconds);
      if (day > (projection.newestDay ?? day) - HOURLY_DAYS) {
        const hour = localHour(at, projection.timezone);
        const tally = (bucket.hourly ??= new Uint32Array(48));
        (tally[hour] as number) += 1;
        if (outcome === 'error' || outcome === 'rework') (tally[24 + hour] as number) += 1;
      }
      if (typeof costUsd === 'number') {
        modeDay.costCount += 1;
        modeDay.costSum += costUsd;
        modeDay.costSumOfSquares += costUsd * costUsd;
      }
      if (event.data.segment !== undefined) {
        const segmentModeDay = ((segmentDayOf(projection, event.data.segment, day)[mode] ??= emptyModeDay()));
        segmentModeDay.tasks += 1;
        segmentModeDay[outcome] += 1;
        addToSketch(segmentModeDay.durations, durationSeconds);
        if (typeof costUsd === 'number') {
          segmentModeDay.costCount += 1;
          segmentModeDay.costSum += costUsd;
          segmentModeDay.costSumOfSquares += costUsd * costUsd;
        }
      }
      const activity = actorOf(projection, event.data.actor);
      if (activity) {
        activity.lastTask = Math.max(activity.lastTask ?? at, at);
        if (mode === 'manual') activity.lastManualTask = Math.max(activity.lastManualTask ?? at, at);
        else recordAiUse(activity, at, day);
      }
      return;
    }
    case 'ai.used':
      bucket.aiUses += 1;
      recordAiUse(actorOf(projection, event.data.actor), at, day);
      return;
    case 'ai.overridden':
      bucket.overrides += 1;
      return;
    case 'ai.disabled':
      bucket.disables += 1;
      return;
    case 'ai.enabled':
      bucket.enables += 1;
      return;
    case 'escalation.raised':
      if (event.data.to === 'builder') bucket.builderEscalations += 1;
      else bucket.operatorEscalations += 1;
      return;
    case 'error.downstream':
      bucket.downstreamErrors += 1;
      return;
    case 'feedback.given':
      bucket.feedbackCount += 1;
      bucket.feedbackSum += event.data.score;
      return;
    default: {
      const unhandled: never = event;
      throw new Error(`Unhandled telemetry event ${JSON.stringify(unhandled)}`);
    }
  }
}
