import type Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type EventSubscription,
  type NewEvent,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscriptionOptions,
} from '@baseliner/event-store';
import { PollingSubscription } from '@baseliner/event-store';
import { acquireWriterLock, decodeEventId, isStoreFailure, openEventDatabase } from './sqlite-schema';
import type { WriteRequest } from './sqlite-writer';
import type { WriterMessage, WriterReply } from './sqlite-writer.worker';

export interface SqliteEventStoreOptions {
  /** File path of the database; created with its folder when missing. */
  path: string;
  /** How often a caught-up subscription looks for appends made by another process. */
  pollIntervalMs?: number;
  /** Clock for `recordedAt`; tests pass a fake. */
  now?: () => Date;
  /**
   * Upper bound on the events of one group commit (an append is never split). Smaller groups
   * return acknowledgements sooner, so the main thread and the writer keep each other busy.
   */
  maxGroupEvents?: number;
  /**
   * Take the store's single-writer lock (default). An app that only reads (the projector alone)
   * passes false, so it can run beside the process that writes.
   */
  exclusiveWriter?: boolean;
  /**
   * How many new event ids gather in the small recent-id table before the writer moves them into
   * the main one (default 100,000; see the schema). Tests pass a few to exercise the move.
   */
  recentIdLimit?: number;
  /** Ids moved per step of that sweep, one step between two group commits (default a tenth of the limit). */
  moveStep?: number;
}

interface PendingAppend {
  request: WriteRequest;
  resolve(result: AppendResult): void;
  reject(error: Error): void;
}

const PAGE_SIZE = 2000;
const COMMIT_FAILURE_UNREADY_MS = 10_000;

// The event id is not read with pages: fetching a blob per row cost more than a third of a replay's
// read time, and projections do not need it. `id` looks it up on first use.
const COLUMNS = 'position, stream_id, revision, type, data, metadata, recorded_at';
type RawRow = [number, string, number, string, string, string | null, number];

/**
 * A stored event. Rows come back as arrays (better-sqlite3 raw mode); id, metadata and
 * recordedAt are materialised only when read: a replay of millions of events needs none of them.
 */
class SqliteRecordedEvent implements RecordedEvent {
  readonly position: number;
  readonly streamId: string;
  readonly revision: number;
  readonly type: string;
  readonly data: unknown;
  private readonly storedMetadata: string | null;
  private readonly recordedAtMs: number;

  constructor(
    row: RawRow,
    private readonly lookupId: (position: number) => string,
  ) {
    this.position = row[0];
    this.streamId = row[1];
    this.revision = row[2];
    this.type = row[3];
    this.data = JSON.parse(row[4]);
    this.storedMetadata = row[5];
    this.recordedAtMs = row[6];
  }

  get id(): string {
    return this.lookupId(this.position);
  }

  get metadata(): Record<string, unknown> {
    return this.storedMetadata ? (JSON.parse(this.storedMetadata) as Record<string, unknown>) : {};
  }

  get recordedAt(): Date {
    return new Date(this.recordedAtMs);
  }

  toJSON(): RecordedEvent {
    const { position, streamId, revision, id, type, data, metadata, recordedAt } = this;
    return { position, streamId, revision, id, type, data, metadata, recordedAt };
  }
}

function spawnWriter(workerData: { path: string; recentIdLimit?: number; moveStep?: number }): Worker {
  const compiled = join(__dirname, 'sqlite-writer.worker.js');
  if (existsSync(compiled)) return new Worker(compiled, { workerData });
  // Running from TypeScript sources (tests, ts-node): transpile the worker on the fly.
  const source = join(__dirname, 'sqlite-writer.worker.ts');
  return new Worker(`require('ts-node/register/transpile-only'); require(${JSON.stringify(source)});`, {
    eval: true,
    workerData,
  });
}

/**
 * The embedded event store: one SQLite file (WAL, synchronous=FULL), so `append` resolves only
 * once its events are on disk.
 *
 * Writes run on a worker thread that owns the write connection, while parsing, validation and
 * reads stay on the main thread: on a 2-core machine both cores work. Appends that arrive while
 * a commit is running are grouped into the next transaction (group commit), so the busier the
 * intake, the larger and cheaper each commit.
 */
export class SqliteEventStore implements EventStore {
  readonly engine = 'sqlite';
  private readonly db: Database.Database;
  private readonly writer: Worker;
  private readonly now: () => Date;
  private readonly pollIntervalMs: number;
  private readonly maxGroupEvents: number;
  private pending: PendingAppend[] = [];
  /** Groups posted to the writer and not answered yet, oldest first: at most two. */
  private committing: PendingAppend[][] = [];
  private nextGroupId = 1;
  private readonly pragmaWaiters = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private closed = false;
  private writerGone: Error | undefined;
  private lastCommitFailure: { error: Error; at: number } | undefined;
  private readonly stats = { commits: 0, largestGroupEvents: 0, mostGroupsInFlight: 0 };
  private drainWaiters: (() => void)[] = [];
  private readonly appendListeners = new Set<() => void>();
  private readonly subscriptions = new Set<PollingSubscription>();
  private readonly statements;
  private readonly categoryStatements = new Map<number, Database.Statement>();
  private readonly releaseLock: (() => void) | undefined;

  constructor(options: SqliteEventStoreOptions) {
    this.now = options.now ?? (() => new Date());
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.maxGroupEvents = options.maxGroupEvents ?? 4000;
    this.releaseLock = options.exclusiveWriter === false ? undefined : acquireWriterLock(options.path);
    this.db = openEventDatabase(options.path, { migrate: true });
    this.statements = {
      head: this.db.prepare('SELECT coalesce(max(position), 0) FROM events').pluck(),
      categoryHead: this.db
        .prepare(`SELECT max(position) FROM events WHERE stream_id >= ? || '-' AND stream_id < ? || '.'`)
        .pluck(),
      readStream: this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`).raw(),
      readAll: this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`).raw(),
      eventIdAt: this.db.prepare('SELECT event_id FROM events WHERE position = ?').pluck(),
    };
    this.writer = spawnWriter({ path: options.path, recentIdLimit: options.recentIdLimit, moveStep: options.moveStep });
    this.writer.on('message', (reply: WriterReply) => this.onWriterReply(reply));
    this.writer.on('error', (error) => this.onWriterGone(error));
    this.writer.on('exit', (code) => {
      if (!this.closed) this.onWriterGone(new Error(`the writer thread exited with code ${code}`));
    });
    this.writer.unref();
  }

  append(streamId: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new EventStoreUnavailableError('The event store is closed'));
    if (this.writerGone) return Promise.reject(this.unavailable(this.writerGone));
    let request: WriteRequest;
    try {
      request = {
        streamId,
        expected: options.expectedRevision ?? 'any',
        events: events.map((e) => ({
          id: e.id,
          type: e.type,
          data: JSON.stringify(e.data ?? null),
          metadata: e.metadata ? JSON.stringify(e.metadata) : null,
        })),
      };
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ request, resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    // An idle writer starts at once; appends that arrive while it commits wait and form the next
    // group (posted early once it is full, see flush). That overlaps the main thread's work with
    // the writer's instead of alternating.
    this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) {
      if (this.committing.length === 0) this.settleDrain();
      return;
    }
    // A second group is queued behind the one committing only once a full group waits: the
    // writer starts it the moment the first commits, instead of waiting until the main thread
    // reads the reply (a main thread busy decoding answers milliseconds late). A partial group
    // waits for the reply, so groups stay large when the intake is not saturated.
    if (this.committing.length >= 2) return;
    if (this.committing.length === 1 && this.pending.reduce((events, p) => events + p.request.events.length, 0) < this.maxGroupEvents) return;
    let size = 0;
    let take = 0;
    while (take < this.pending.length && (take === 0 || size + (this.pending[take] as PendingAppend).request.events.length <= this.maxGroupEvents)) {
      size += (this.pending[take] as PendingAppend).request.events.length;
      take += 1;
    }
    const group = this.pending.splice(0, take);
    this.committing.push(group);
    this.stats.commits += 1;
    this.stats.largestGroupEvents = Math.max(this.stats.largestGroupEvents, size);
    this.stats.mostGroupsInFlight = Math.max(this.stats.mostGroupsInFlight, this.committing.length);
    this.writer.ref(); // keep the process alive until this commit is answered
    this.post({ kind: 'commit', groupId: this.nextGroupId++, requests: group.map((p) => p.request), recordedAt: this.now().getTime() });
  }

  private post(message: WriterMessage): void {
    this.writer.postMessage(message);
  }

  private onWriterReply(reply: WriterReply): void {
    switch (reply.kind) {
      case 'committed': {
        const group = this.committing.shift() ?? [];
        this.lastCommitFailure = undefined;
        let appended = false;
        reply.outcomes.forEach((outcome, i) => {
          const request = group[i] as PendingAppend;
          if (outcome.kind === 'conflict') {
            request.reject(new WrongExpectedRevisionError(outcome.streamId, outcome.expected, outcome.actual));
          } else {
            appended ||= outcome.result.appendedIds.length > 0;
            request.resolve(outcome.result);
          }
        });
        if (appended) for (const listener of this.appendListeners) listener();
        break;
      }
      case 'failed': {
        const failure = reply.storeFailure
          ? new EventStoreUnavailableError(`The event store could not commit: ${reply.message}`)
          : new Error(reply.message);
        const waiter = this.pragmaWaiters.get(reply.groupId);
        if (waiter) {
          this.pragmaWaiters.delete(reply.groupId);
          waiter.reject(failure);
          break;
        }
        this.lastCommitFailure = { error: failure, at: Date.now() };
        const group = this.committing.shift() ?? [];
        for (const request of group) request.reject(failure);
        break;
      }
      case 'pragma': {
        this.pragmaWaiters.get(reply.groupId)?.resolve(reply.value);
        this.pragmaWaiters.delete(reply.groupId);
        break;
      }
      case 'ready':
      case 'closed':
        break;
      default: {
        const unknown: never = reply;
        throw new Error(`Unknown writer reply ${JSON.stringify(unknown)}`);
      }
    }
    this.flush();
    // Idle: let the process exit if nothing else runs. While closing, stay alive until the writer exits.
    if (!this.closed && this.committing.length === 0 && this.pragmaWaiters.size === 0) this.writer.unref();
  }

  private onWriterGone(error: Error): void {
    if (this.writerGone) return;
    this.writerGone = error;
    const failure = this.unavailable(error);
    for (const request of [...this.committing.flat(), ...this.pending]) request.reject(failure);
    this.committing = [];
    this.pending = [];
    for (const waiter of this.pragmaWaiters.values()) waiter.reject(failure);
    this.pragmaWaiters.clear();
    this.settleDrain();
  }

  private unavailable(error: Error): EventStoreUnavailableError {
    return error instanceof EventStoreUnavailableError
      ? error
      : new EventStoreUnavailableError(`The event store writer stopped: ${error.message}`, error);
  }

  /**
   * Runs a PRAGMA on the write connection, e.g. `max_page_count` to simulate a full disk in tests
   * or to cap the file's size in operation.
   */
  writerPragma(statement: string): Promise<unknown> {
    if (this.writerGone) return Promise.reject(this.unavailable(this.writerGone));
    const groupId = this.nextGroupId++;
    return new Promise((resolve, reject) => {
      this.pragmaWaiters.set(groupId, { resolve, reject });
      this.writer.ref();
      this.post({ kind: 'pragma', groupId, statement });
    });
  }

  private readonly toRecorded = (row: RawRow): RecordedEvent =>
    new SqliteRecordedEvent(row, (position) => decodeEventId(this.statements.eventIdAt.get(position) as Buffer | string));

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return this.guard(() =>
      (this.statements.readStream.all(streamId, options.fromRevision ?? 0, options.maxCount ?? -1) as RawRow[]).map(this.toRecorded),
    );
  }

  async readAll(options: { fromPosition?: number; maxCount?: number } = {}): Promise<RecordedEvent[]> {
    return this.readAllPage(options.fromPosition ?? 0, undefined, options.maxCount ?? PAGE_SIZE);
  }

  /** One page of the global log after `after`, optionally only some categories. */
  readAllPage(after: number, categories?: string[], limit = PAGE_SIZE): RecordedEvent[] {
    return this.guard(() => {
      if (!categories || categories.length === 0) {
        return (this.statements.readAll.all(after, limit) as RawRow[]).map(this.toRecorded);
      }
      const bounds = categories.flatMap((category) => [category, category]);
      return (this.categoryPageStatement(categories.length).all(...bounds, after, limit) as RawRow[]).map(this.toRecorded);
    });
  }

  private categoryPageStatement(count: number): Database.Statement {
    let statement = this.categoryStatements.get(count);
    if (!statement) {
      // A category is a range of stream ids ("deployment-" up to "deployment."), read through the
      // stream index and sorted: meant for small categories such as lifecycle streams.
      const ranges = Array.from({ length: count }, () => `(stream_id >= ? || '-' AND stream_id < ? || '.')`).join(' OR ');
      statement = this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE (${ranges}) AND position > ? ORDER BY position LIMIT ?`).raw();
      this.categoryStatements.set(count, statement);
    }
    return statement;
  }

  subscribeToAll(options: SubscriptionOptions = {}): EventSubscription {
    const subscription = new PollingSubscription({
      fromPosition: options.fromPosition ?? 0,
      readPage: (after) => this.readAllPage(after, options.categories),
      onAppend: (listener) => {
        this.appendListeners.add(listener);
        return () => this.appendListeners.delete(listener);
      },
      pollIntervalMs: this.pollIntervalMs,
      onClose: () => this.subscriptions.delete(subscription),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(options: { categories?: string[] } = {}): Promise<number> {
    const categories = options.categories ?? [];
    if (categories.length === 0) return this.guard(() => this.statements.head.get() as number);
    return this.guard(() =>
      Math.max(0, ...categories.map((category) => (this.statements.categoryHead.get(category, category) as number | null) ?? 0)),
    );
  }

  checkAlive(): void {
    if (this.writerGone) throw this.unavailable(this.writerGone);
  }

  async checkHealth(): Promise<void> {
    if (this.closed) throw new EventStoreUnavailableError('The event store is closed');
    if (this.writerGone) throw this.unavailable(this.writerGone);
    // A failed commit marks the store unready for a while, then lets traffic probe it again:
    // otherwise an instance taken out of a load balancer would never get the append that clears it.
    if (this.lastCommitFailure && Date.now() - this.lastCommitFailure.at < COMMIT_FAILURE_UNREADY_MS) {
      throw this.lastCommitFailure.error;
    }
    this.guard(() => this.statements.head.get());
  }

  /** Group commits so far, the largest group in events, and the most groups posted to the writer at once: how well appends are being batched. */
  commitStats(): { commits: number; largestGroupEvents: number; mostGroupsInFlight: number } {
    return { ...this.stats };
  }

  /** The read connection, for operational queries and tests. Writes go through `append`. */
  get database(): Database.Database {
    return this.db;
  }

  private settleDrain(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /**
   * Commits what was already appended, then stops the writer and closes the file. Once: a second
   * call (two shutdown paths side by side) waits for the first instead of returning while the
   * store is still open, so nobody ends the process before the WAL is checkpointed away.
   */
  close(): Promise<void> {
    return (this.closing ??= this.closeOnce());
  }

  private closing: Promise<void> | undefined;

  private async closeOnce(): Promise<void> {
    this.closed = true;
    if (this.committing.length > 0 || this.pending.length > 0) {
      await new Promise<void>((resolve) => {
        this.drainWaiters.push(resolve);
        this.flush();
      });
    }
    for (const subscription of this.subscriptions) subscription.close();
    if (!this.writerGone) {
      this.writer.ref();
      const exited = new Promise((resolve) => this.writer.once('exit', resolve));
      this.post({ kind: 'close' });
      await exited;
    }
    this.db.close();
    this.releaseLock?.();
  }

  private guard<T>(operation: () => T): T {
    try {
      return operation();
    } catch (error) {
      if (isStoreFailure(error)) {
        throw new EventStoreUnavailableError(`The event store could not be read: ${(error as Error).message}`, error);
      }
      throw error;
    }
  }
}
