import {
  categoryOf,
  EventStoreUnavailableError,
  revisionMatches,
  WrongExpectedRevisionError,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type EventSubscription,
  type NewEvent,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscriptionOptions,
} from '../event-store.port';
import { SubscriptionHub } from '../subscription-hub';
import { inShards, type SnapshotRow, type SnapshotShardFilter, type SnapshotStore } from '../snapshot-store.port';

interface StoredStream {
  events: RecordedEvent[];
  ids: Set<string>;
}

/**
 * The event store in process memory, for fast tests and tools. It keeps every guarantee of the
 * port (the conformance suite runs on it) except durability: it is gone with the process.
 */
export class InMemoryEventStore implements EventStore {
  readonly engine = 'memory';
  private readonly log: RecordedEvent[] = [];
  private readonly streams = new Map<string, StoredStream>();
  private readonly subscriptions = new SubscriptionHub({ readPage: (after, categories) => this.page(after, categories, 2000), pollIntervalMs: 1000 });
  private closed = false;

  constructor(private readonly now: () => Date = () => new Date()) {}

  async append(streamId: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    this.assertOpen();
    const stream = this.streams.get(streamId) ?? { events: [], ids: new Set<string>() };
    const actual = stream.events.length - 1;
    const appendedIds: string[] = [];
    const duplicateIds: string[] = [];
    const fresh = events.filter((e) => {
      if (stream.ids.has(e.id) || appendedIds.includes(e.id)) {
        duplicateIds.push(e.id);
        return false;
      }
      appendedIds.push(e.id);
      return true;
    });
    // A retry of an append that was stored (every id a duplicate) succeeds whatever it expected.
    if (fresh.length === 0 && events.length > 0) {
      return { nextExpectedRevision: actual, position: this.log.length, appendedIds, duplicateIds };
    }
    const expected = options.expectedRevision ?? 'any';
    if (!revisionMatches(expected, actual)) throw new WrongExpectedRevisionError(streamId, expected, actual);
    const recordedAt = this.now();
    for (const e of fresh) {
      // A structured clone, as a real engine would hand back: callers cannot change the stored event.
      const recorded: RecordedEvent = {
        position: this.log.length + 1,
        streamId,
        revision: stream.events.length,
        id: e.id,
        type: e.type,
        data: structuredClone(e.data ?? null),
        metadata: structuredClone(e.metadata ?? {}),
        recordedAt,
      };
      this.log.push(recorded);
      stream.events.push(recorded);
      stream.ids.add(e.id);
    }
    this.streams.set(streamId, stream);
    if (fresh.length > 0) this.subscriptions.appended();
    return { nextExpectedRevision: stream.events.length - 1, position: this.log.length, appendedIds, duplicateIds };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const events = this.streams.get(streamId)?.events ?? [];
    const from = options.fromRevision ?? 0;
    return events.slice(from, options.maxCount === undefined ? undefined : from + options.maxCount);
  }

  async readAll(options: { fromPosition?: number; maxCount?: number } = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.page(options.fromPosition ?? 0, undefined, options.maxCount ?? 1000);
  }

  private page(after: number, categories: string[] | undefined, limit: number): RecordedEvent[] {
    // Positions are 1-based and contiguous here, so the log index is position − 1.
    const out: RecordedEvent[] = [];
    for (let i = Math.max(0, after); i < this.log.length && out.length < limit; i += 1) {
      const event = this.log[i] as RecordedEvent;
      if (!categories || categories.length === 0 || categories.includes(categoryOf(event.streamId))) out.push(event);
    }
    return out;
  }

  subscribeToAll(options: SubscriptionOptions = {}): EventSubscription {
    return this.subscriptions.subscribe(options);
  }

  async headPosition(options: { categories?: string[] } = {}): Promise<number> {
    const categories = options.categories ?? [];
    for (let i = this.log.length - 1; i >= 0; i -= 1) {
      const event = this.log[i] as RecordedEvent;
      if (categories.length === 0 || categories.includes(categoryOf(event.streamId))) return event.position;
    }
    return 0;
  }

  async checkHealth(): Promise<void> {
    this.assertOpen();
  }

  checkAlive(): void {}

  async close(): Promise<void> {
    this.closed = true;
    this.subscriptions.closeAll();
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailableError('The event store is closed');
  }
}

/** Snapshots in memory: pairs with InMemoryEventStore. */
export class InMemorySnapshotStore implements SnapshotStore {
  private readonly rows = new Map<string, SnapshotRow>();
  private readonly meta = new Map<string, number>();

  async load(shards?: SnapshotShardFilter): Promise<{ meta: Map<string, number>; rows: SnapshotRow[] }> {
    return { meta: new Map(this.meta), rows: [...this.rows.values()].filter((row) => inShards(row.key, shards)).map((row) => ({ ...row, state: Buffer.from(row.state) })) };
  }

  async save(rows: SnapshotRow[], meta: Record<string, number> = {}): Promise<number> {
    let bytes = 0;
    for (const row of rows) {
      this.rows.set(row.key, { ...row, state: Buffer.from(row.state) });
      bytes += row.state.length;
    }
    for (const [key, value] of Object.entries(meta)) this.meta.set(key, value);
    return bytes;
  }

  async close(): Promise<void> {}
}
