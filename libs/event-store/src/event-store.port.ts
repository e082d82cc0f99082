/** Injection token for the EventStore port. */
export const EVENT_STORE = Symbol('EVENT_STORE');

/**
 * The revision the caller last read: appends succeed only if the stream is still there.
 * `no_stream` = the stream must not exist yet; `stream_exists` = it must; `any` = no check.
 * A number is the 0-based revision of the stream's last event.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface NewEvent {
  /**
   * The event's id within its stream: an append that repeats an id already stored in the same
   * stream is a duplicate, not a second event. (Ids are unique per stream, not store-wide: every
   * engine can enforce that under its stream's own concurrency control, and the intake keys its
   * ids by deployment, one stream per deployment.)
   */
  id: string;
  type: string;
  data: unknown;
  metadata?: Record<string, unknown>;
}

export interface RecordedEvent<Data = unknown> {
  /**
   * Global position: greater than 0 and strictly increasing in commit order across all streams,
   * so a reader that has seen position p never later finds a new event below p. Not contiguous:
   * engines leave gaps (rolled-back transactions, KurrentDB's byte offsets).
   */
  position: number;
  streamId: string;
  /** 0-based position within the stream. */
  revision: number;
  id: string;
  type: string;
  data: Data;
  metadata: Record<string, unknown>;
  recordedAt: Date;
}

export interface AppendResult {
  /** The stream's last revision after this append (-1 when the stream is still empty). */
  nextExpectedRevision: number;
  /** Global position of the last event this append stored, or of the head when it stored none. */
  position: number;
  /** Ids stored by this append, in order. */
  appendedIds: string[];
  /** Ids already stored in this stream (earlier, or earlier in this same append) and skipped. */
  duplicateIds: string[];
}

export interface AppendOptions {
  expectedRevision?: ExpectedRevision;
}

export interface ReadStreamOptions {
  fromRevision?: number;
  maxCount?: number;
}

export interface SubscriptionOptions {
  /** Checkpoint: deliver events with a position strictly greater than this. 0 = from the start. */
  fromPosition?: number;
  /** Only streams of these categories (the part of the stream id before the first `-`). */
  categories?: string[];
}

/** Catch-up then live: every matching event once, in position order, with no gap, until closed. */
export interface EventSubscription extends AsyncIterable<RecordedEvent> {
  close(): void;
}

/**
 * The event log every adapter provides (SQLite, PostgreSQL, KurrentDB, in memory). Guarantees:
 * - an append is atomic and durable once it resolves, and its events get consecutive revisions;
 * - `expectedRevision` is checked atomically with the append (optimistic concurrency);
 * - an event id repeated within a stream is stored once and reported in `duplicateIds`, also
 *   across processes writing at the same time;
 * - global positions follow commit order, so a subscription never skips a late commit.
 * `describeEventStoreConformance` holds every adapter to them.
 */
export interface EventStore {
  /** Which engine: for logs and /healthz. */
  readonly engine: string;
  append(streamId: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Events after a position in global order, at most `maxCount` (default 1000). */
  readAll(options?: { fromPosition?: number; maxCount?: number }): Promise<RecordedEvent[]>;
  subscribeToAll(options?: SubscriptionOptions): EventSubscription;
  /** Position of the newest stored event, optionally of some categories only (0 when none). */
  headPosition(options?: { categories?: string[] }): Promise<number>;
  /** Throws EventStoreUnavailableError when the store cannot take writes or reads. */
  checkHealth(): Promise<void>;
  /**
   * Throws when only a restart can bring the store back (e.g. its writer thread died), as
   * opposed to a passing condition such as a full disk: liveness, not readiness.
   */
  checkAlive(): void;
  close(): Promise<void>;
}

/** Whether a stream at revision `actual` (-1: no stream) satisfies an expected revision: the one rule every adapter applies. */
export function revisionMatches(expected: ExpectedRevision, actual: number): boolean {
  return expected === 'any' || (expected === 'no_stream' && actual === -1) || (expected === 'stream_exists' && actual >= 0) || expected === actual;
}

export function categoryOf(streamId: string): string {
  const dash = streamId.indexOf('-');
  return dash === -1 ? streamId : streamId.slice(0, dash);
}

export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number,
  ) {
    super(`Stream ${streamId} is at revision ${actual === -1 ? 'none (no stream)' : actual}, expected ${expected}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** The store cannot serve the request right now (disk full, I/O error, locked, closed). Retry later. */
export class EventStoreUnavailableError extends Error {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'EventStoreUnavailableError';
  }
}
