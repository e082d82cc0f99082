import { createHash, randomUUID } from 'node:crypto';

/** A CloudEvent as Baseliner takes it (structured mode, `deployment` extension). */
export interface CloudEvent<Data = Record<string, unknown>> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  deployment: string;
  data: Data;
}

export type TaskMode = 'ai' | 'assisted' | 'manual';
export type TaskOutcome = 'success' | 'error' | 'rework' | 'escalated';

/** Fields every helper accepts: when it happened (default now) and a caller-chosen id. */
export interface Common {
  /** Event time; defaults to now. Past times are fine (backfill). */
  time?: Date | string;
  /**
   * The event's id. Give one derived from your own records (see `stableId`) to make resends
   * after a crash duplicates too; by default a random id is fixed when the event is created, so
   * the SDK's own retries are always duplicates, never second events.
   */
  id?: string;
}

export interface TaskCompleted extends Common {
  taskId: string;
  mode: TaskMode;
  outcome: TaskOutcome;
  durationSeconds: number;
  actor?: string;
  costUsd?: number;
  segment?: string;
}

/** A deterministic UUID-shaped id from parts of your own records, e.g. `stableId('task', taskId, 'done')`. */
export function stableId(...parts: (string | number)[]): string {
  const hex = createHash('sha256').update(parts.map(String).join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function toCloudEvent(
  type: string,
  data: Record<string, unknown>,
  common: Common,
  context: { source: string; deployment: string; now: () => Date },
): CloudEvent {
  const time = common.time === undefined ? context.now() : common.time;
  return {
    specversion: '1.0',
    id: common.id ?? randomUUID(),
    source: context.source,
    type,
    time: typeof time === 'string' ? time : time.toISOString(),
    deployment: context.deployment,
    data: Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined)),
  };
}
