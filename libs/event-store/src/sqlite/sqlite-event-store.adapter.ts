import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type EventSubscription,
  type ExpectedRevision,
  type NewEvent,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscriptionOptions,
} from '../event-store.port';
import { PollingSubscription } from './polling-subscription';

export interface SqliteEventStoreOptions {
  /** File path of the database; created with its folder when missing. */
  path: string;
  /** How often a caught-up subscription looks for appends made by another process. */
  pollIntervalMs?: number;
  /** Clock for `recordedAt`; tests pass a fake. */
  now?: () => Date;
}

interface PendingAppend {
  streamId: string;
  events: NewEvent[];
  expected: ExpectedRevision;
  resolve(result: AppendResult): void;
  reject(error: Error): void;
}

interface EventRow {
  position: number;
  stream_id: string;
  revision: number;
  event_id: Buffer | string;
  type: string;
  data: string;
  metadata: string | null;
  recorded_at: number;
}

const SCHEMA_VERSION = 1;
const PAGE_SIZE = 1000;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position    INTEGER PRIMARY KEY,
    stream_id   TEXT    NOT NULL,
    revision    INTEGER NOT NULL,
    event_id    BLOB    NOT NULL,
    type        TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    metadata    TEXT,
    recorded_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX IF NOT EXISTS events_by_event_id ON events (event_id);
  CREATE UNIQUE INDEX IF NOT EXISTS events_by_stream ON events (stream_id, revision);
`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// UUID ids are kept as 16 bytes: the id index is the costliest part of an insert, and half the
// size keeps twice as much of it in cache. Other ids are kept as text.
function encodeEventId(id: string): Buffer | string {
  return UUID.test(id) ? Buffer.from(id.replace(/-/g, ''), 'hex') : id;
}

function decodeEventId(stored: Buffer | string): string {
  if (typeof stored === 'string') return stored;
  const hex = stored.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    position: row.position,
    streamId: row.stream_id,
    revision: row.revision,
    id: decodeEventId(row.event_id),
    type: row.type,
    data: JSON.parse(row.data),
    metadata: row.metadata ? JSON.parse(row.metadata) : {},
    recordedAt: new Date(row.recorded_at),
  };
}

function isStoreFailure(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_')) return true;
  return error instanceof TypeError && /database connection is not open/i.test(error.message);
}

/**
 * The embedded event store. One SQLite file in WAL mode with synchronous=FULL: a commit is on
 * disk before `append` resolves. Appends that arrive in the same turn of the event loop are
 * grouped into one transaction (group commit), so many small requests share one fsync.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly now: () => Date;
  private readonly pollIntervalMs: number;
  private pending: PendingAppend[] = [];
  private flushScheduled = false;
  private closed = false;
  private lastCommitFailure: Error | undefined;
  private readonly appendListeners = new Set<() => void>();
  private readonly subscriptions = new Set<PollingSubscription>();
  private readonly statements;

  constructor(options: SqliteEventStoreOptions) {
    mkdirSync(dirname(options.path), { recursive: true });
    this.now = options.now ?? (() => new Date());
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    // Random event ids make the id index the hot spot: a larger page cache keeps it in memory, and
    // fewer, larger WAL checkpoints keep checkpoint work off most commits.
    this.db.pragma('cache_size = -65536');
    this.db.pragma('wal_autocheckpoint = 8192');
    this.migrate();
    this.statements = {
      insert: this.db.prepare(
        `INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
      ),
      streamHead: this.db.prepare('SELECT max(revision) AS revision FROM events WHERE stream_id = ?').pluck(),
      eventExists: this.db.prepare('SELECT 1 FROM events WHERE event_id = ?').pluck(),
      head: this.db.prepare('SELECT coalesce(max(position), 0) FROM events').pluck(),
      categoryHead: this.db
        .prepare(`SELECT max(position) FROM events WHERE stream_id >= ? || '-' AND stream_id < ? || '.'`)
        .pluck(),
      readStream: this.db.prepare(
        'SELECT * FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?',
      ),
      readAll: this.db.prepare('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?'),
    };
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`Event store schema ${version} is newer than this build understands (${SCHEMA_VERSION}); upgrade Baseliner`);
    }
    this.db.exec(SCHEMA);
    this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }

  append(streamId: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new EventStoreUnavailableError('The event store is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ streamId, events, expected: options.expectedRevision ?? 'any', resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const group = this.pending;
    this.pending = [];
    if (group.length === 0) return;
    let outcomes: (AppendResult | WrongExpectedRevisionError)[];
    try {
      outcomes = this.commitGroup(group);
      this.lastCommitFailure = undefined;
    } catch (error) {
      const failure = isStoreFailure(error)
        ? new EventStoreUnavailableError(`The event store could not commit: ${(error as Error).message}`, error)
        : (error as Error);
      this.lastCommitFailure = failure;
      for (const request of group) request.reject(failure);
      return;
    }
    group.forEach((request, i) => {
      const outcome = outcomes[i] as AppendResult | WrongExpectedRevisionError;
      if (outcome instanceof WrongExpectedRevisionError) request.reject(outcome);
      else request.resolve(outcome);
    });
    if (outcomes.some((o) => !(o instanceof WrongExpectedRevisionError) && o.appendedIds.length > 0)) {
      for (const listener of this.appendListeners) listener();
    }
  }

  /** One transaction for the whole group; each request in a savepoint so a conflict rejects only that one. */
  private commitGroup(group: PendingAppend[]): (AppendResult | WrongExpectedRevisionError)[] {
    const recordedAt = this.now().getTime();
    const appendOne = this.db.transaction((request: PendingAppend) => this.appendInTransaction(request, recordedAt));
    return this.db.transaction(() =>
      group.map((request) => {
        try {
          return appendOne(request);
        } catch (error) {
          if (error instanceof WrongExpectedRevisionError) return error;
          throw error;
        }
      }),
    ).immediate();
  }

  private appendInTransaction(request: PendingAppend, recordedAt: number): AppendResult {
    const { streamId, events, expected } = request;
    const current = (this.statements.streamHead.get(streamId) as number | null) ?? -1;
    if (!this.revisionMatches(expected, current)) {
      // A retry of an append that already went through is a success, not a conflict.
      const allStored = events.length > 0 && events.every((e) => this.statements.eventExists.get(encodeEventId(e.id)));
      if (!allStored) throw new WrongExpectedRevisionError(streamId, expected, current);
    }
    const appendedIds: string[] = [];
    const duplicateIds: string[] = [];
    let revision = current;
    let position = 0;
    for (const event of events) {
      const info = this.statements.insert.run(
        streamId,
        revision + 1,
        encodeEventId(event.id),
        event.type,
        JSON.stringify(event.data),
        event.metadata ? JSON.stringify(event.metadata) : null,
        recordedAt,
      );
      if (info.changes === 0) {
        duplicateIds.push(event.id);
        continue;
      }
      revision += 1;
      position = Number(info.lastInsertRowid);
      appendedIds.push(event.id);
    }
    if (appendedIds.length === 0) position = this.statements.head.get() as number;
    return { nextExpectedRevision: revision, position, appendedIds, duplicateIds };
  }

  private revisionMatches(expected: ExpectedRevision, current: number): boolean {
    switch (expected) {
      case 'any':
        return true;
      case 'no_stream':
        return current === -1;
      case 'stream_exists':
        return current >= 0;
      default:
        return expected === current;
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return this.guard(() =>
      (this.statements.readStream.all(streamId, options.fromRevision ?? 0, options.maxCount ?? -1) as EventRow[]).map(
        toRecorded,
      ),
    );
  }

  /** One page of the global log after `after`, optionally only some categories. */
  readAllPage(after: number, categories?: string[], limit = PAGE_SIZE): RecordedEvent[] {
    return this.guard(() => {
      if (!categories || categories.length === 0) {
        return (this.statements.readAll.all(after, limit) as EventRow[]).map(toRecorded);
      }
      const bounds = categories.flatMap((category) => [category, category]);
      const rows = this.categoryPageStatement(categories.length).all(...bounds, after, limit) as EventRow[];
      return rows.map(toRecorded);
    });
  }

  private readonly categoryStatements = new Map<number, Database.Statement>();

  private categoryPageStatement(count: number): Database.Statement {
    let statement = this.categoryStatements.get(count);
    if (!statement) {
      // A category is a range of stream ids ("deployment-" up to "deployment."), read through the
      // stream index and sorted: meant for small categories such as lifecycle streams.
      const ranges = Array.from({ length: count }, () => `(stream_id >= ? || '-' AND stream_id < ? || '.')`).join(' OR ');
      statement = this.db.prepare(`SELECT * FROM events WHERE (${ranges}) AND position > ? ORDER BY position LIMIT ?`);
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

  async checkHealth(): Promise<void> {
    if (this.closed) throw new EventStoreUnavailableError('The event store is closed');
    if (this.lastCommitFailure) throw this.lastCommitFailure;
    this.guard(() => this.statements.head.get());
  }

  /** Direct access for operational tasks and tests (e.g. simulating a full disk). Not for the app. */
  get database(): Database.Database {
    return this.db;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.pending.length) this.flush();
    this.closed = true;
    for (const subscription of this.subscriptions) subscription.close();
    this.db.close();
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
