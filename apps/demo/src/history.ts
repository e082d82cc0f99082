import { toCloudEvent, type CloudEvent } from '@baseliner/sdk';
import { BASELINE_DAYS, DAY, GO_LIVE_DAYS_AGO, type DemoSink, type Story } from './stories';

/** The demo's calendar, from the moment it starts: go-live six weeks ago, 08:00 UTC. */
export interface DemoTimeline {
  now: number;
  /** Midnight UTC of today. */
  today: number;
  goLive: number;
  /** Day number (from go-live) of today: the last day of the backfill. */
  todayIndex: number;
}

export function timelineAt(now: number): DemoTimeline {
  const today = Math.floor(now / DAY) * DAY;
  return { now, today, goLive: today - GO_LIVE_DAYS_AGO * DAY + 8 * 3_600_000, todayIndex: GO_LIVE_DAYS_AGO };
}

/** Collects what a story sends as CloudEvents, the way the SDK would build them, to send later or not at all. */
export class EventRecorder implements DemoSink {
  readonly events: CloudEvent[] = [];
  private readonly context: { source: string; deployment: string; now: () => Date };

  constructor(deployment: string, now: () => Date) {
    this.context = { source: `demo/${deployment}`, deployment, now };
  }

  private keep(type: string, event: { time?: Date | string; id?: string } & Record<string, unknown>): CloudEvent {
    const { time, id, ...data } = event;
    const cloudEvent = toCloudEvent(type, data, { time, id }, this.context);
    this.events.push(cloudEvent);
    return cloudEvent;
  }

  taskCompleted: DemoSink['taskCompleted'] = (task) => this.keep('task.completed', { ...task });
  aiDisabled: DemoSink['aiDisabled'] = (event = {}) => this.keep('ai.disabled', { ...event });
  aiOverridden: DemoSink['aiOverridden'] = (event) => this.keep('ai.overridden', { ...event });
  escalationRaised: DemoSink['escalationRaised'] = (event) => this.keep('escalation.raised', { ...event });
  errorDownstream: DemoSink['errorDownstream'] = (event) => this.keep('error.downstream', { ...event });
}

/** One story's events of day `day` (from go-live), each hour of the day mapped by `at`. */
export function recordDay(story: Story, day: number, at: (hour: number) => Date, random: () => number, now: () => Date): CloudEvent[] {
  const recorder = new EventRecorder(story.id, now);
  story.day(recorder, day, at, random);
  return recorder.events;
}

/**
 * Every story's history up to `timeline.now`: four weeks of baseline, six weeks live, and today
 * up to now — so that the newest event is minutes old, not yesterday afternoon's. Stories draw
 * from one random stream in turn, as the demo has always done.
 */
export function backfill(stories: readonly Story[], timeline: DemoTimeline, random: () => number): Map<string, CloudEvent[]> {
  const history = new Map<string, CloudEvent[]>();
  const now = () => new Date(timeline.now);
  for (const story of stories) {
    const events: CloudEvent[] = [];
    for (let day = -BASELINE_DAYS; day <= timeline.todayIndex; day += 1) {
      const dayStart = timeline.goLive - 8 * 3_600_000 + day * DAY;
      const recorded = recordDay(story, day, (hour) => new Date(dayStart + hour * 3_600_000), random, now);
      for (const event of recorded) if (Date.parse(event.time) <= timeline.now) events.push(event);
    }
    history.set(story.id, events);
  }
  return history;
}

/** A live tick sends one slot of a day's events, so that a full day of work takes this many ticks. */
export const TICKS_PER_LIVE_DAY = 24;

/**
 * The events of live tick `tick` (from 0), all stamped now: the story's day of work split into
 * `TICKS_PER_LIVE_DAY` slots, one slot per tick. The mix of the story's day stays the same (the
 * live stream keeps each story's numbers), and an hour of watching adds about ten days of work,
 * not a day every tick.
 */
export function liveTick(story: Story, tick: number, now: Date, random: () => number): CloudEvent[] {
  const liveDay = 1000 + Math.floor(tick / TICKS_PER_LIVE_DAY);
  const slot = tick % TICKS_PER_LIVE_DAY;
  return recordDay(story, liveDay, () => now, random, () => now).filter((_, i) => i % TICKS_PER_LIVE_DAY === slot);
}
