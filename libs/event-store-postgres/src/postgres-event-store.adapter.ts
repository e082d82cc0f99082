import { Client, Pool, type PoolClient, type PoolConfig } from 'pg';
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
  type ShardLeaseProvider,
  type ShardLeases,
  type SubscriptionOptions,
} from '@baseliner/event-store';
import { asUnavailable, redact } from './postgres-error-mapping';
import { PostgresGroupCommit } from './postgres-group-commit';
import { CommitListener } from './postgres-listen-notify';
import { PostgresReads } from './postgres-reads';
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

/**
 * The event store on PostgreSQL, for more than one machine: any number of intake processes
 * append to one log, any number of projectors read it. Appends go through the group commit
 * (`postgres-group-commit.ts`, positions in commit order); readers follow with LISTEN/NOTIFY
 * (`postgres-listen-notify.ts`), with polling as a safety net.
 */
export class PostgresEventStore implements EventStore, ShardLeaseProvider {
  readonly engine = 'postgres';
  private readonly pool: Pool;
  private readonly schema: string;
  private readonly groupCommit: PostgresGroupCommit;
  private readonly reads: PostgresReads;
  private readonly subscriptions: SubscriptionHub;
  private readonly commitListener: CommitListener;
  private closed = false;
  private readonly leases = new Set<ShardLeases>();

  private constructor(private readonly options: PostgresEventStoreOptions) {
    this.schema = checkSchemaName(options.schema ?? 'baseliner');
    this.pool = new Pool(this.poolConfig(options.poolSize ?? 4));
    // An idle client that loses its connection emits here; without a listener the process would crash.
    this.pool.on('error', () => undefined);
    const isClosed = () => this.closed;
    this.reads = new PostgresReads(this.pool, this.schema, isClosed);
    this.subscriptions = new SubscriptionHub({
      readPage: (after, categories) => this.reads.readPage(after, categories),
      pollIntervalMs: options.pollIntervalMs ?? 500,
      prefetch: true,
    });
    this.groupCommit = new PostgresGroupCommit(this.pool, this.schema, {
      maxGroupEvents: options.maxGroupEvents ?? 5000,
      now: options.now ?? (() => new Date()),
      onAppended: () => this.subscriptions.appended(),
    });
    this.commitListener = new CommitListener({ url: options.url, onCommit: () => this.subscriptions.appended(), isClosed });
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
      throw asUnavailable(error, `PostgreSQL is not reachable at ${redact(options.url)}`);
    }
    return store;
  }

  private poolConfig(max: number): PoolConfig {
    return { connectionString: this.options.url, max, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000, application_name: 'baseliner' };
  }

  append(streamId: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new EventStoreUnavailableError('The event store is closed'));
    return this.groupCommit.append(streamId, events, options.expectedRevision ?? 'any');
  }

  readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return this.reads.readStream(streamId, options);
  }

  readAll(options: { fromPosition?: number; maxCount?: number } = {}): Promise<RecordedEvent[]> {
    return this.reads.readAll(options);
  }

  subscribeToAll(options: SubscriptionOptions = {}): EventSubscription {
    void this.commitListener.listen();
    return this.subscriptions.subscribe(options);
  }

  headPosition(options: { categories?: string[] } = {}): Promise<number> {
    return this.reads.headPosition(options);
  }

  async checkHealth(): Promise<void> {
    if (this.closed) throw new EventStoreUnavailableError('The event store is closed');
    await this.headPosition();
  }

  /** Nothing here dies for good: a lost connection is replaced by the pool. */
  checkAlive(): void {}

  /** Group commits so far and the largest group, in events. */
  commitStats(): { commits: number; largestGroupEvents: number } {
    return this.groupCommit.commitStats();
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
    await this.groupCommit.drained();
    this.closed = true;
    this.subscriptions.closeAll();
    for (const leases of this.leases) await leases.close();
    await this.commitListener.close();
    await this.pool.end();
  }
}
