import { from as copyFrom } from 'pg-copy-streams';
import { Client, Pool, types as pgTypes, type CustomTypesConfig, type PoolClient, type PoolConfig, type QueryConfig } from 'pg';
import {
  EventStoreUnavailableError,
  PollingSubscription,
  revisionMatches,
  WrongExpectedRevisionError,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type EventSubscription,
  type ExpectedRevision,
  type NewEvent,
  type ReadStreamOptions,
  type RecordedEvent,
  type ShardLeaseProvider,
  type ShardLeases,
  type SubscriptionOptions,
} from '@baseliner/event-store';
import { checkSchemaName, migrate } from './postgres-schema';
import { PostgresShardLeases } from './postgres-shard-leases';
import { PostgresSnapshotStore } from './postgres-snapshot-store';

export interface PostgresEventStoreOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** The schema that holds Baseliner's tables (default `baseliner`): several installations can share a database. */
  schema?: string;
  /** Connections for reads; one more is used for appends at a time and one for LISTEN. */
  poolSize?: number;
  /** How often a caught-up subscription polls when no notification arrives (a safety net for NOTIFY). */
  pollIntervalMs?: number;
  /** Upper bound on the events of one group commit (an append is never split). */
  maxGroupEvents?: number;
  now?: () => Date;
}

interface PendingAppend {
  streamId: string;
  events: NewEvent[];
  expected: ExpectedRevision;
  resolve(result: AppendResult): void;
  reject(error: Error): void;
}

const PAGE_SIZE = 5000;
const NOTIFY_CHANNEL = 'baseliner_events';
const COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata, recorded_at';
type Row = [number, string, number, string, string, string, string | null, number];

// bigint (int8) as a JS number: positions and milliseconds stay far below 2^53.
const INT8_OID = 20;
const int8AsNumber = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? Number : pgTypes.getTypeParser(oid, format as 'text'))) as CustomTypesConfig['getTypeParser'],
};

function toRecorded(row: Row): RecordedEvent {
  return {
    position: row[0],
    streamId: row[1],
    revision: row[2],
    id: row[3],
    type: row[4],
    data: JSON.parse(row[5]),
    metadata: row[6] ? (JSON.parse(row[6]) as Record<string, unknown>) : {},
    recordedAt: new Date(row[7]),
  };
}

/** Connection-level failures (server gone, refused, too many connections) as opposed to bugs. */
function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string') {
    // 08: connection exception, 53: insufficient resources, 57P: operator intervention (shutdown), 58: system error.
    if (/^(08|53|57P|58)/.test(code)) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code)) return true;
  }
  return /Connection terminated|connection timeout|Client has encountered a connection error|Cannot use a pool after calling end/i.test(
    (error as Error)?.message ?? '',
  );
}

const UNIQUE_VIOLATION = '23505';
const storedKey = (streamId: string, id: string) => `${streamId}\u0000${id}`;

const COPY_SPECIAL = /[\\\t\n\r]/;

/** A value in COPY's text format: backslash, tab, newline and carriage return escaped. */
function copyText(value: string): string {
  if (!COPY_SPECIAL.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

function copyRows(client: PoolClient, sql: string, rows: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = client.query(copyFrom(sql));
    stream.on('error', reject);
    stream.on('finish', () => resolve());
    stream.end(rows);
  });
}

/**
 * The event store on PostgreSQL, for more than one machine: any number of intake processes
 * append to one log, any number of projectors read it.
 *
 * Global order: every append transaction locks the single `log_head` row, takes the next
 * positions from it, inserts, and commits; the next writer gets the row only after that commit
 * is visible. So positions are assigned in commit order with no gaps, and a reader that has
 * seen position p never later finds a new event below p — unlike a BIGSERIAL, whose values are
 * taken at insert time and can commit out of order under concurrent writers.
 *
 * Throughput comes from group commit: appends that arrive while a transaction runs are written
 * together by the next one (one multi-row INSERT … SELECT FROM unnest, one fsync), as in the
 * SQLite store. Readers follow with LISTEN/NOTIFY, with polling as a safety net.
 */
export class PostgresEventStore implements EventStore, ShardLeaseProvider {
  readonly engine = 'postgres';
  private readonly pool: Pool;
  private readonly schema: string;
  private readonly now: () => Date;
  private readonly pollIntervalMs: number;
  private readonly maxGroupEvents: number;
  private pending: PendingAppend[] = [];
  private committing = false;
  private drainWaiters: (() => void)[] = [];
  private closed = false;
  private listener: Client | undefined;
  private listening: Promise<void> | undefined;
  private readonly appendListeners = new Set<() => void>();
  private readonly subscriptions = new Set<PollingSubscription>();
  private readonly leases = new Set<ShardLeases>();
  private readonly stats = { commits: 0, largestGroupEvents: 0 };
  private readonly sql;

  private constructor(private readonly options: PostgresEventStoreOptions) {
    this.schema = checkSchemaName(options.schema ?? 'baseliner');
    this.now = options.now ?? (() => new Date());
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.maxGroupEvents = options.maxGroupEvents ?? 5000;
    this.pool = new Pool(this.poolConfig(options.poolSize ?? 4));
    // An idle client that loses its connection emits here; without a listener the process would crash.
    this.pool.on('error', () => undefined);
    const s = this.schema;
    this.sql = {
      readAll: `SELECT ${COLUMNS} FROM ${s}.events WHERE position > $1 ORDER BY position LIMIT $2`,
      // Meant for small categories (the lifecycle streams): read through the stream index and sorted.
      readCategories: `SELECT ${COLUMNS} FROM ${s}.events e JOIN unnest($1::text[]) AS c(category)
        ON e.stream_id >= c.category || '-' AND e.stream_id < c.category || '.' WHERE e.position > $2 ORDER BY e.position LIMIT $3`,
      readStream: `SELECT ${COLUMNS} FROM ${s}.events WHERE stream_id = $1 AND revision >= $2 ORDER BY revision LIMIT $3`,
      head: `SELECT position FROM ${s}.log_head WHERE id = 1`,
      categoryHead: `SELECT max(h.position) AS position FROM unnest($1::text[]) AS c(category),
        LATERAL (SELECT max(position) AS position FROM ${s}.events WHERE stream_id >= c.category || '-' AND stream_id < c.category || '.') AS h`,
      lockHead: `SELECT position FROM ${s}.log_head WHERE id = 1 FOR UPDATE`,
      setHead: `UPDATE ${s}.log_head SET position = $1 WHERE id = 1`,
      streamRevisions: `SELECT r.stream_id, (SELECT max(revision) FROM ${s}.events WHERE stream_id = r.stream_id) AS revision
        FROM unnest($1::text[]) AS r(stream_id)`,
      storedIds: `SELECT e.stream_id, e.event_id FROM ${s}.events e
        JOIN unnest($1::text[], $2::text[]) AS w(stream_id, event_id) ON e.stream_id = w.stream_id AND e.event_id = w.event_id`,
      copy: `COPY ${s}.events (position, stream_id, revision, event_id, type, data, metadata, recorded_at) FROM STDIN`,
    };
  }

  /** Connects, applies the schema migrations, and returns the open store. */
  static async connect(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const store = new PostgresEventStore(options);
    try {
      const client = await store.pool.connect();
      try {
        await migrate(client, store.schema);
      } finally {
        client.release();
      }
    } catch (error) {
      await store.pool.end().catch(() => undefined);
      if (isUnavailable(error)) throw new EventStoreUnavailableError(`PostgreSQL is not reachable at ${redact(options.url)}: ${(error as Error).message}`, error);
      throw error;
    }
    return store;
  }

  private poolConfig(max: number): PoolConfig {
    return { connectionString: this.options.url, max, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000, application_name: 'baseliner' };
  }

  append(streamId: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new EventStoreUnavailableError('The event store is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ streamId, events, expected: options.expectedRevision ?? 'any', resolve, reject });
      if (!this.committing) void this.flush();
    });
  }

  private takeGroup(): PendingAppend[] | undefined {
    if (this.pending.length === 0) return undefined;
    let size = 0;
    let take = 0;
    while (take < this.pending.length && (take === 0 || size + (this.pending[take] as PendingAppend).events.length <= this.maxGroupEvents)) {
      size += (this.pending[take] as PendingAppend).events.length;
      take += 1;
    }
    this.stats.commits += 1;
    this.stats.largestGroupEvents = Math.max(this.stats.largestGroupEvents, size);
    return this.pending.splice(0, take);
  }

  /**
   * Two stages, overlapped: while one group commits (under the sequencer's lock), the next one's
   * ids are looked up on another connection. The lookup is outside the lock, so an id another
   * process stores in between is caught by the unique index, and that group is redone with the
   * lookup inside the lock. What the committing group stored is added to the next one's lookup.
   */
  private async flush(): Promise<void> {
    this.committing = true;
    let group = this.takeGroup();
    let lookup = group ? this.storedIds(group).catch((error: unknown) => error as Error) : undefined;
    while (group) {
      const looked = await lookup;
      const committed = this.commitGroup(group, looked instanceof Error ? undefined : looked).then(
        (outcomes) => ({ outcomes }),
        (error: unknown) => ({ error: error as Error }),
      );
      const next = this.takeGroup();
      const nextLookup = next ? this.storedIds(next).catch((error: unknown) => error as Error) : undefined;
      const result = await committed;
      if ('error' in result) {
        const failure = isUnavailable(result.error)
          ? new EventStoreUnavailableError(`The event store could not commit: ${result.error.message}`, result.error)
          : result.error;
        for (const request of group) request.reject(failure);
      } else {
        let appended = false;
        result.outcomes.forEach((outcome, i) => {
          const request = group?.[i] as PendingAppend;
          if (outcome instanceof Error) request.reject(outcome);
          else {
            appended ||= outcome.appendedIds.length > 0;
            request.resolve(outcome);
          }
        });
        if (appended) for (const listener of this.appendListeners) listener();
      }
      const justStored = 'error' in result ? [] : group.flatMap((append, i) => {
        const outcome = result.outcomes[i];
        return outcome instanceof Error || !outcome ? [] : outcome.appendedIds.map((id) => storedKey(append.streamId, id));
      });
      group = next ?? this.takeGroup();
      lookup = next
        ? nextLookup?.then((found) => (found instanceof Error ? found : new Set([...found, ...justStored])))
        : group
          ? this.storedIds(group).catch((error: unknown) => error as Error)
          : undefined;
    }
    this.committing = false;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** The (stream, id) pairs of a group already in the store, as `storedKey`s. */
  private async storedIds(group: PendingAppend[], client: Pool | PoolClient = this.pool): Promise<Set<string>> {
    const stored = new Set<string>();
    const pairs = group.flatMap((a) => a.events.map((e) => [a.streamId, e.id] as const));
    if (pairs.length === 0) return stored;
    const found = await client.query<{ stream_id: string; event_id: string }>(this.sql.storedIds, [pairs.map((p) => p[0]), pairs.map((p) => p[1])]);
    for (const row of found.rows) stored.add(storedKey(row.stream_id, row.event_id));
    return stored;
  }

  /**
   * One transaction for a group of appends; a conflicting append is rejected alone. `lookedUp`:
   * the group's ids found stored before the lock was taken (else they are looked up under it).
   */
  private async commitGroup(group: PendingAppend[], lookedUp?: Set<string>): Promise<(AppendResult | Error)[]> {
    const client = await this.pool.connect();
    let broken = false;
    let released = false;
    try {
      await client.query('BEGIN');
      // Taken first, held to commit: the sequencer (see the class comment).
      const head = Number((await client.query<{ position: string }>(this.sql.lockHead)).rows[0]?.position ?? 0);
      const streams = [...new Set(group.map((a) => a.streamId))];
      const revisions = new Map<string, number>();
      for (const row of (await client.query<{ stream_id: string; revision: number | null }>(this.sql.streamRevisions, [streams])).rows) {
        revisions.set(row.stream_id, row.revision ?? -1);
      }
      const stored = new Set(lookedUp ?? (await this.storedIds(group, client)));
      const recordedAt = this.now().getTime();
      // COPY's text format, built as one string: several times cheaper than bound INSERT parameters
      // for thousands of rows, on both sides of the connection.
      let rows = '';
      let position = head;
      const outcomes = group.map((append): AppendResult | Error => {
        const current = revisions.get(append.streamId) ?? -1;
        const appendedIds: string[] = [];
        const duplicateIds: string[] = [];
        const fresh = append.events.filter((e) => {
          const key = storedKey(append.streamId, e.id);
          if (stored.has(key)) {
            duplicateIds.push(e.id);
            return false;
          }
          stored.add(key);
          appendedIds.push(e.id);
          return true;
        });
        if (fresh.length === 0) {
          // Nothing new: a retry of an append that went through succeeds whatever it expected.
          return { nextExpectedRevision: current, position, appendedIds, duplicateIds };
        }
        if (!revisionMatches(append.expected, current)) {
          for (const id of appendedIds) stored.delete(storedKey(append.streamId, id));
          return new WrongExpectedRevisionError(append.streamId, append.expected, current);
        }
        let revision = current;
        const streamField = `${copyText(append.streamId)}\t`;
        for (const event of fresh) {
          position += 1;
          revision += 1;
          const metadata = event.metadata && Object.keys(event.metadata).length > 0 ? copyText(JSON.stringify(event.metadata)) : '\\N';
          rows += `${position}\t${streamField}${revision}\t${copyText(event.id)}\t${copyText(event.type)}\t${copyText(JSON.stringify(event.data ?? null))}\t${metadata}\t${recordedAt}\n`;
        }
        revisions.set(append.streamId, revision);
        return { nextExpectedRevision: revision, position, appendedIds, duplicateIds };
      });
      if (position > head) {
        await copyRows(client, this.sql.copy, rows);
        await client.query(this.sql.setHead, [position]);
        // Delivered at commit, to every process that listens: their subscriptions read at once.
        await client.query(`NOTIFY ${NOTIFY_CHANNEL}`);
      }
      await client.query('COMMIT');
      return outcomes;
    } catch (error) {
      broken = isUnavailable(error);
      await client.query('ROLLBACK').catch(() => (broken = true));
      if (lookedUp && (error as { code?: string }).code === UNIQUE_VIOLATION) {
        // Another process stored one of these ids after the lookup: redo it all under the lock.
        client.release(broken);
        released = true;
        return this.commitGroup(group);
      }
      throw error;
    } finally {
      if (!released) client.release(broken);
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const limit = options.maxCount ?? null;
    return this.read({ text: this.sql.readStream, values: [streamId, options.fromRevision ?? 0, limit] });
  }

  async readAll(options: { fromPosition?: number; maxCount?: number } = {}): Promise<RecordedEvent[]> {
    return this.read({ text: this.sql.readAll, values: [options.fromPosition ?? 0, options.maxCount ?? 1000] });
  }

  private readPage(after: number, categories: string[] | undefined): Promise<RecordedEvent[]> {
    return categories && categories.length > 0
      ? this.read({ text: this.sql.readCategories, values: [categories, after, PAGE_SIZE] })
      : this.read({ text: this.sql.readAll, values: [after, PAGE_SIZE] });
  }

  private async read(query: QueryConfig): Promise<RecordedEvent[]> {
    if (this.closed) throw new EventStoreUnavailableError('The event store is closed');
    try {
      const result = await this.pool.query<Row>({ ...query, rowMode: 'array', types: int8AsNumber });
      return result.rows.map(toRecorded);
    } catch (error) {
      if (isUnavailable(error)) throw new EventStoreUnavailableError(`The event store could not be read: ${(error as Error).message}`, error);
      throw error;
    }
  }

  subscribeToAll(options: SubscriptionOptions = {}): EventSubscription {
    void this.listen();
    const subscription = new PollingSubscription({
      fromPosition: options.fromPosition ?? 0,
      readPage: (after) => this.readPage(after, options.categories),
      onAppend: (listener) => {
        this.appendListeners.add(listener);
        return () => this.appendListeners.delete(listener);
      },
      pollIntervalMs: this.pollIntervalMs,
      prefetch: true,
      onClose: () => this.subscriptions.delete(subscription),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** One LISTEN connection per process, opened with the first subscription; polling covers its absence. */
  private listen(): Promise<void> {
    this.listening ??= (async () => {
      const client = new Client({ connectionString: this.options.url, application_name: 'baseliner-listen' });
      client.on('error', () => {
        // Lost: subscriptions keep polling; the next subscription opens a new one.
        this.listener = undefined;
        this.listening = undefined;
      });
      client.on('notification', () => {
        for (const listener of this.appendListeners) listener();
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
        if (this.closed) await client.end();
        else this.listener = client;
      } catch {
        this.listening = undefined;
        await client.end().catch(() => undefined);
      }
    })();
    return this.listening;
  }

  async headPosition(options: { categories?: string[] } = {}): Promise<number> {
    const categories = options.categories ?? [];
    const query = categories.length === 0 ? { text: this.sql.head, values: [] } : { text: this.sql.categoryHead, values: [categories] };
    try {
      const result = await this.pool.query({ ...query, rowMode: 'array', types: int8AsNumber });
      return Number((result.rows[0] as unknown[] | undefined)?.[0] ?? 0);
    } catch (error) {
      if (isUnavailable(error)) throw new EventStoreUnavailableError(`The event store could not be read: ${(error as Error).message}`, error);
      throw error;
    }
  }

  async checkHealth(): Promise<void> {
    if (this.closed) throw new EventStoreUnavailableError('The event store is closed');
    await this.headPosition();
  }

  /** Nothing here dies for good: a lost connection is replaced by the pool. */
  checkAlive(): void {}

  /** Group commits so far and the largest group, in events. */
  commitStats(): { commits: number; largestGroupEvents: number } {
    return { ...this.stats };
  }

  /** Snapshots in tables of the same schema. */
  snapshotStore(): PostgresSnapshotStore {
    return new PostgresSnapshotStore(this.pool, this.schema);
  }

  shardLeases(options: { group: string; shards: number; rebalanceEveryMs?: number }): ShardLeases {
    const leases = new PostgresShardLeases({ ...options, connect: () => new Client({ connectionString: this.options.url, application_name: 'baseliner-leases' }) });
    this.leases.add(leases);
    return leases;
  }

  /** A connection for operational queries and tests (release it). */
  connectClient(): Promise<PoolClient> {
    return this.pool.connect();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.committing || this.pending.length > 0) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    this.closed = true;
    for (const subscription of this.subscriptions) subscription.close();
    for (const leases of this.leases) await leases.close();
    await this.listening;
    await this.listener?.end().catch(() => undefined);
    await this.pool.end();
  }
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
