import {
  categoryOf,
  EventStoreUnavailableError,
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
  type SnapshotStore,
  type SubscriptionOptions,
} from '@baseliner/event-store';
import { kurrentDb, type AllStreamResolvedEvent, type KurrentDbClient, type ReadPosition } from './kurrentdb-client';
import { logPosition, portIdOf, positionOf, RECORDED_AT_KEY, storedMetadata, toEventData, toRecorded } from './kurrentdb-event-conversion';
import { KnownStreamCache, type KnownStream } from './kurrentdb-known-stream-cache';
import { KurrentDbSnapshotStore } from './kurrentdb-snapshot-store';
import { domainStreamsFilter, filterFor, isLogEvent } from './kurrentdb-stream-filters';
import { KurrentDbSubscription } from './kurrentdb-subscription';
import { readToEnd, storeError } from './kurrentdb-support';

export interface KurrentDbEventStoreOptions {
  /**
   * Clock for `recordedAt`; tests pass a fake. When given, the time is kept in each event's
   * metadata (`$recordedAt`); without one, `recordedAt` is the server's commit time.
   */
  now?: () => Date;
  /**
   * How many event ids the idempotency check keeps in memory, over all streams; the least
   * recently appended streams are forgotten first and read again when next appended to.
   */
  maxCachedIds?: number;
}

const DEFAULT_PAGE = 1000;
const DEFAULT_MAX_CACHED_IDS = 500_000;
/** Appends lost to writers in other processes before giving up with EventStoreUnavailableError. */
const MAX_CONFLICT_RETRIES = 25;
const HEALTH_TIMEOUT_MS = 5_000;

/**
 * The event store on KurrentDB: the port's streams are KurrentDB streams of the same name
 * (`deployment-<id>`, `telemetry-<id>`), its positions are commit positions in `$all`.
 *
 * Idempotency is the adapter's. KurrentDB deduplicates by event id only on a best-effort basis
 * (and only for UUIDs), so each append reads the ids already in the stream (kept in memory after
 * the first read, see KnownStreamCache), drops the repeated ones and appends the rest expecting
 * exactly the revision it read. Another process appending in between makes that fail; the
 * adapter then reads the new tail, filters again and retries. Appends to one stream from this
 * process run one at a time, so they never race each other. Each attempt gives its events fresh
 * random KurrentDB ids: the server's own deduplication must never fire, or a racing writer
 * would be told "appended" for events another writer stored.
 */
export class KurrentDbEventStore implements EventStore {
  readonly engine = 'kurrentdb';
  private readonly now: (() => Date) | undefined;
  private readonly knownStreams: KnownStreamCache;
  private readonly streamQueues = new Map<string, Promise<void>>();
  private readonly subscriptions = new Set<KurrentDbSubscription>();
  private closed = false;

  /** Connects lazily: an unreachable server shows in checkHealth and as EventStoreUnavailableError, not here. */
  static async connect(options: { url: string } & KurrentDbEventStoreOptions): Promise<KurrentDbEventStore> {
    // Outside the try: a client that is not installed says so, not "connection string not valid".
    const { KurrentDBClient } = kurrentDb();
    let client: KurrentDbClient;
    try {
      client = KurrentDBClient.connectionString(options.url);
    } catch (error) {
      throw new Error(`The KurrentDB connection string is not valid: ${(error as Error).message}`);
    }
    return new KurrentDbEventStore(client, options);
  }

  constructor(
    private readonly client: KurrentDbClient,
    options: KurrentDbEventStoreOptions = {},
  ) {
    this.now = options.now;
    this.knownStreams = new KnownStreamCache(options.maxCachedIds ?? DEFAULT_MAX_CACHED_IDS);
  }

  append(streamId: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new EventStoreUnavailableError('The event store is closed'));
    let prepared: { event: NewEvent; metadata: Record<string, unknown> }[];
    try {
      prepared = events.map((event) => ({ event, metadata: storedMetadata(event) }));
    } catch (error) {
      return Promise.reject(error);
    }
    return this.oneAtATime(streamId, () => this.appendChecked(streamId, prepared, options.expectedRevision ?? 'any'));
  }

  /** Serialises the work on one stream within this process (the tail is read, then written). */
  private async oneAtATime<T>(streamId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.streamQueues.get(streamId) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const tail = previous.then(() => mine);
    this.streamQueues.set(streamId, tail);
    await previous;
    try {
      return await work();
    } finally {
      done();
      if (this.streamQueues.get(streamId) === tail) this.streamQueues.delete(streamId);
    }
  }

  private async appendChecked(
    streamId: string,
    events: { event: NewEvent; metadata: Record<string, unknown> }[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    const remembered = this.knownStreams.get(streamId);
    let known: KnownStream = remembered ?? (await this.readKnownStream(streamId, { revision: -1, ids: new Set(), counted: 0 }));
    // Whether `known` was read from the server during this call, rather than remembered.
    let readNow = remembered === undefined;
    for (let conflicts = 0; ; ) {
      const appendedIds: string[] = [];
      const duplicateIds: string[] = [];
      const fresh: typeof events = [];
      const inThisAppend = new Set<string>();
      for (const prepared of events) {
        const id = prepared.event.id;
        if (known.ids.has(id) || inThisAppend.has(id)) {
          duplicateIds.push(id);
        } else {
          inThisAppend.add(id);
          appendedIds.push(id);
          fresh.push(prepared);
        }
      }
      // A retry of an append that was stored (every id a duplicate) succeeds whatever it expected.
      if (fresh.length === 0 && events.length > 0) {
        return { nextExpectedRevision: known.revision, position: await this.headPosition(), appendedIds, duplicateIds };
      }
      if (!revisionMatches(expected, known.revision) || fresh.length === 0) {
        // A remembered revision may be behind the stream: judge the caller on the server's.
        if (!readNow) {
          known = await this.readKnownStream(streamId, known);
          readNow = true;
          continue;
        }
        if (!revisionMatches(expected, known.revision)) throw new WrongExpectedRevisionError(streamId, expected, known.revision);
        return { nextExpectedRevision: known.revision, position: await this.headPosition(), appendedIds, duplicateIds };
      }
      const recordedAt = this.now?.().getTime();
      try {
        // The exact revision read, whatever the caller expected: that is what makes the id check
        // and the caller's expectation hold at the moment of the write.
        const result = await this.client.appendToStream(
          streamId,
          fresh.map(({ event, metadata }) => toEventData(event, recordedAt === undefined ? metadata : { ...metadata, [RECORDED_AT_KEY]: recordedAt })),
          { streamState: known.revision === -1 ? 'no_stream' : BigInt(known.revision) },
        );
        for (const id of appendedIds) known.ids.add(id);
        known.revision = Number(result.nextExpectedRevision);
        this.knownStreams.put(streamId, known);
        const position = result.position ? Number(result.position.commit) : await this.lastPositionOf(streamId);
        return { nextExpectedRevision: known.revision, position, appendedIds, duplicateIds };
      } catch (error) {
        // The outcome may be unknown (the write stored, the answer lost); the remembered revision
        // then is stale, which is safe: the next write expecting it fails and reads the tail.
        if (!(error instanceof kurrentDb().WrongExpectedVersionError)) throw storeError(error, `append to ${streamId}`);
        // Another writer got there first: read what it stored, then filter and judge again.
        if (++conflicts > MAX_CONFLICT_RETRIES) {
          throw new EventStoreUnavailableError(`Stream ${streamId} kept changing under ${MAX_CONFLICT_RETRIES} append attempts; retry later`, error);
        }
        known = await this.readKnownStream(streamId, known);
        readNow = true;
      }
    }
  }

  /** Brings `known` up to the stream's tail: reads the events after its revision. */
  private async readKnownStream(streamId: string, known: KnownStream): Promise<KnownStream> {
    const after = await readToEnd(this.client.readStream(streamId, { fromRevision: BigInt(known.revision + 1) }), `read ${streamId}`);
    const updated: KnownStream = { revision: known.revision, ids: known.ids, counted: known.counted };
    for (const resolved of after) {
      if (!resolved.event) continue;
      updated.ids.add(portIdOf(resolved.event));
      updated.revision = Math.max(updated.revision, Number(resolved.event.revision));
    }
    this.knownStreams.put(streamId, updated);
    return updated;
  }

  private async lastPositionOf(streamId: string): Promise<number> {
    const [last] = await readToEnd(this.client.readStream(streamId, { direction: 'backwards', fromRevision: 'end', maxCount: 1 }), `read ${streamId}`);
    return last?.event ? positionOf(last.event) : this.headPosition();
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    if (options.maxCount !== undefined && options.maxCount <= 0) return [];
    const read = await readToEnd(
      this.client.readStream(streamId, { fromRevision: BigInt(options.fromRevision ?? 0), maxCount: options.maxCount ?? Number.MAX_SAFE_INTEGER }),
      `read ${streamId}`,
    );
    return read.flatMap((resolved) => (resolved.event && !resolved.event.type.startsWith('$') ? [toRecorded(resolved.event)] : []));
  }

  async readAll(options: { fromPosition?: number; maxCount?: number } = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.readAllAfter(options.fromPosition ?? 0, options.maxCount ?? DEFAULT_PAGE);
  }

  /** The port's events strictly after `after` in $all, at most `limit`. */
  private async readAllAfter(after: number, limit: number): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    let cursor = after;
    while (out.length < limit) {
      // KurrentDB reads forwards from a position inclusively: one more for the event at the cursor.
      const want = limit - out.length + 1;
      const page = await readToEnd(
        this.client.readAll({ direction: 'forwards', fromPosition: logPosition(cursor), maxCount: want, filter: domainStreamsFilter() }),
        'read $all',
      );
      let advanced = false;
      for (const resolved of page) {
        const event = this.accept(resolved, undefined, cursor);
        if (resolved.event?.position) {
          const position = Number(resolved.event.position.commit);
          if (position > cursor) {
            cursor = position;
            advanced = true;
          }
        }
        if (event && out.length < limit) out.push(event);
      }
      if (page.length < want || !advanced) break;
    }
    return out;
  }

  /** The port's event for a $all entry strictly after `after`, or undefined for anything else. */
  private accept(resolved: AllStreamResolvedEvent, categories: string[] | undefined, after: number): RecordedEvent | undefined {
    const stored = resolved.event;
    if (!stored || !isLogEvent(stored) || Number(stored.position.commit) <= after) return undefined;
    if (categories && categories.length > 0 && !categories.includes(categoryOf(stored.streamId))) return undefined;
    return toRecorded(stored);
  }

  subscribeToAll(options: SubscriptionOptions = {}): EventSubscription {
    this.assertOpen();
    const fromPosition = options.fromPosition ?? 0;
    const categories = options.categories;
    const source = this.client.subscribeToAll({ fromPosition: logPosition(fromPosition), filter: filterFor(categories) });
    const subscription = new KurrentDbSubscription(source, fromPosition, (resolved, after) => this.accept(resolved, categories, after), () =>
      this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(options: { categories?: string[] } = {}): Promise<number> {
    this.assertOpen();
    const categories = options.categories;
    let cursor: ReadPosition = 'end';
    // The server filters; the check here catches the rare event the filter cannot see (a `$`-typed
    // event in an ordinary stream), so usually the first one-event page answers.
    for (let pageSize = 1; ; pageSize = 100) {
      const page: AllStreamResolvedEvent[] = await readToEnd(
        this.client.readAll({ direction: 'backwards', fromPosition: cursor, maxCount: pageSize, filter: filterFor(categories) }),
        'read $all',
      );
      for (const resolved of page) {
        const event = this.accept(resolved, categories, 0);
        if (event) return event.position;
      }
      const last = page[page.length - 1]?.event;
      if (page.length < pageSize || !last) return 0;
      cursor = last.position;
    }
  }

  async checkHealth(): Promise<void> {
    this.assertOpen();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new EventStoreUnavailableError(`KurrentDB did not answer within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS);
    });
    try {
      await Promise.race([readToEnd(this.client.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 1 }), 'read $all'), timeout]);
    } catch (error) {
      throw error instanceof EventStoreUnavailableError ? error : new EventStoreUnavailableError(`KurrentDB is not answering: ${(error as Error).message}`, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Nothing in this process can die for good: the client reconnects by itself. */
  checkAlive(): void {}

  /**
   * Snapshots in KurrentDB beside the events (see KurrentDbSnapshotStore). `namespace` keeps
   * apart stores sharing one server (tests); the application uses the default.
   */
  snapshotStore(options: { namespace?: string } = {}): SnapshotStore {
    return new KurrentDbSnapshotStore(this.client, options.namespace, () => this.assertOpen());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const subscription of [...this.subscriptions]) subscription.close();
    this.knownStreams.clear();
    await this.client.dispose();
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailableError('The event store is closed');
  }
}
