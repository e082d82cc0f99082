import type Database from 'better-sqlite3';
import {
  EventStoreUnavailableError,
  SubscriptionHub,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type EventSubscription,
  type NewEvent,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscriptionOptions,
} from '@baseliner/event-store';
import { SqliteGroupCommit } from './sqlite-group-commit';
import { PAGE_SIZE, SqliteReads } from './sqlite-reads';
import { openEventDatabase } from './sqlite-schema';
import { acquireWriterLock } from './sqlite-writer-lock';

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

/**
 * The embedded event store: one SQLite file (WAL, synchronous=FULL), so `append` resolves only
 * once its events are on disk.
 *
 * Writes run on a worker thread that owns the write connection, fed by the group commit
 * (`sqlite-group-commit.ts`), while parsing, validation and reads stay on the main thread: on a
 * 2-core machine both cores work.
 */
export class SqliteEventStore implements EventStore {
  readonly engine = 'sqlite';
  private readonly db: Database.Database;
  private readonly reads: SqliteReads;
  private readonly groupCommit: SqliteGroupCommit;
  private readonly subscriptions: SubscriptionHub;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly releaseLock: (() => void) | undefined;

  constructor(options: SqliteEventStoreOptions) {
    this.releaseLock = options.exclusiveWriter === false ? undefined : acquireWriterLock(options.path);
    this.db = openEventDatabase(options.path, { migrate: true });
    this.reads = new SqliteReads(this.db);
    this.subscriptions = new SubscriptionHub({
      readPage: (after, categories) => this.reads.readAllPage(after, categories),
      pollIntervalMs: options.pollIntervalMs ?? 200,
    });
    this.groupCommit = new SqliteGroupCommit({
      path: options.path,
      maxGroupEvents: options.maxGroupEvents ?? 4000,
      recentIdLimit: options.recentIdLimit,
      moveStep: options.moveStep,
      now: options.now ?? (() => new Date()),
      onAppended: () => this.subscriptions.appended(),
    });
  }

  append(streamId: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new EventStoreUnavailableError('The event store is closed'));
    return this.groupCommit.append(streamId, events, options);
  }

  /**
   * Runs a PRAGMA on the write connection, e.g. `max_page_count` to simulate a full disk in tests
   * or to cap the file's size in operation.
   */
  writerPragma(statement: string): Promise<unknown> {
    return this.groupCommit.writerPragma(statement);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return this.reads.readStream(streamId, options);
  }

  async readAll(options: { fromPosition?: number; maxCount?: number } = {}): Promise<RecordedEvent[]> {
    return this.reads.readAllPage(options.fromPosition ?? 0, undefined, options.maxCount ?? PAGE_SIZE);
  }

  /** One page of the global log after `after`, optionally only some categories. */
  readAllPage(after: number, categories?: string[], limit = PAGE_SIZE): RecordedEvent[] {
    return this.reads.readAllPage(after, categories, limit);
  }

  subscribeToAll(options: SubscriptionOptions = {}): EventSubscription {
    return this.subscriptions.subscribe(options);
  }

  async headPosition(options: { categories?: string[] } = {}): Promise<number> {
    return this.reads.headPosition(options.categories ?? []);
  }

  checkAlive(): void {
    this.groupCommit.checkAlive();
  }

  async checkHealth(): Promise<void> {
    if (this.closed) throw new EventStoreUnavailableError('The event store is closed');
    this.groupCommit.checkHealth();
    this.reads.checkReadable();
  }

  /** Group commits so far, the largest group in events, and the most groups posted to the writer at once: how well appends are being batched. */
  commitStats(): { commits: number; largestGroupEvents: number; mostGroupsInFlight: number } {
    return this.groupCommit.commitStats();
  }

  /** The read connection, for operational queries and tests. Writes go through `append`. */
  get database(): Database.Database {
    return this.db;
  }

  /**
   * Commits what was already appended, then stops the writer and closes the file. Once: a second
   * call (two shutdown paths side by side) waits for the first instead of returning while the
   * store is still open, so nobody ends the process before the WAL is checkpointed away.
   */
  close(): Promise<void> {
    return (this.closing ??= this.closeOnce());
  }

  private async closeOnce(): Promise<void> {
    this.closed = true;
    await this.groupCommit.drain();
    this.subscriptions.closeAll();
    await this.groupCommit.stopWriter();
    this.db.close();
    this.releaseLock?.();
  }
}
