import { EventStoreUnavailableError, inShards, type SnapshotRow, type SnapshotShardFilter, type SnapshotStore } from '@baseliner/event-store';
import { kurrentDb, type JSONType, type KurrentDbClient } from './kurrentdb-client';
import { mapWithLimit, readToEnd, SNAPSHOT_STREAM_PREFIX, storeError } from './kurrentdb-support';

interface StoredRow {
  checkpoint: number;
  /** The blob, base64 (event data is JSON). */
  state: string;
}

interface StoredMeta {
  entries: Record<string, number>;
}

interface StoredKeys {
  keys: string[];
}

const PARALLEL_STREAMS = 16;
const MAX_META_RETRIES = 10;
// maxCount 1: KurrentDB keeps only a stream's last event, so overwriting a row (or the meta) frees
// the old one at the next scavenge.
const LATEST_ONLY = { maxCount: 1 };

/**
 * Snapshots stored in KurrentDB itself, so a KurrentDB deployment has one thing to back up:
 * - a row is a stream per key, `baseliner_snapshot-<key>`, holding only its latest event
 *   (`{ checkpoint, state: base64 }`);
 * - the meta entries are one stream, `baseliner_snapshot_meta`, whose latest event holds them all
 *   (read, merged and written back under optimistic concurrency);
 * - `baseliner_snapshot_index` lists the keys, since finding every row stream otherwise takes the
 *   `$ce-` category projection (which the server may run without) or a scan of all of $all.
 * A namespace (tests) adds `_<namespace>` to the prefix.
 *
 * Not one transaction, as KurrentDB appends to one stream at a time: `save` writes the index,
 * then the rows, then the meta, each stored before the next starts. A crash part-way leaves meta
 * from an older save, which is what the projector's resume rule needs (a pass is only marked
 * complete once its rows are stored; a row newer than the meta is skipped by its own checkpoint).
 */
export class KurrentDbSnapshotStore implements SnapshotStore {
  private readonly rowPrefix: string;
  private readonly metaStream: string;
  private readonly indexStream: string;
  /** Keys this store knows are in the index (they are never removed from it). */
  private indexedKeys: Set<string> | undefined;

  constructor(
    private readonly client: KurrentDbClient,
    namespace: string | undefined,
    private readonly assertOpen: () => void,
  ) {
    if (namespace !== undefined && !/^[A-Za-z0-9]+$/.test(namespace)) {
      throw new TypeError(`Snapshot namespace ${JSON.stringify(namespace)}: letters and digits only`);
    }
    const suffix = namespace === undefined ? '' : `_${namespace}`;
    this.rowPrefix = `${SNAPSHOT_STREAM_PREFIX}${suffix}-`;
    this.metaStream = `${SNAPSHOT_STREAM_PREFIX}_meta${suffix}`;
    this.indexStream = `${SNAPSHOT_STREAM_PREFIX}_index${suffix}`;
  }

  /** Reads only the row streams of keys in `shards` (the index lists every key). */
  async load(shards?: SnapshotShardFilter): Promise<{ meta: Map<string, number>; rows: SnapshotRow[] }> {
    this.assertOpen();
    const keys = await this.readIndex();
    this.indexedKeys = keys;
    const rows = await mapWithLimit([...keys].filter((key) => inShards(key, shards)), PARALLEL_STREAMS, (key) => this.readRow(key));
    const meta = await this.readMeta();
    return { meta: new Map(Object.entries(meta.entries)), rows: rows.filter((row): row is SnapshotRow => row !== undefined) };
  }

  async save(rows: SnapshotRow[], meta: Record<string, number> = {}): Promise<number> {
    this.assertOpen();
    const latest = new Map(rows.map((row) => [row.key, row]));
    await this.indexKeys([...latest.keys()]);
    await mapWithLimit([...latest.values()], PARALLEL_STREAMS, (row) =>
      this.write(this.rowPrefix + row.key, 'SnapshotRowSaved', { checkpoint: row.checkpoint, state: row.state.toString('base64') } satisfies StoredRow),
    );
    if (Object.keys(meta).length > 0) await this.mergeMeta(meta);
    return rows.reduce((bytes, row) => bytes + row.state.length, 0);
  }

  /** Nothing of its own to release: the client belongs to the event store. */
  async close(): Promise<void> {}

  private async readIndex(): Promise<Set<string>> {
    const events = await readToEnd(this.client.readStream(this.indexStream), `read ${this.indexStream}`);
    const keys = new Set<string>();
    for (const resolved of events) {
      for (const key of (resolved.event?.data as StoredKeys | undefined)?.keys ?? []) keys.add(key);
    }
    return keys;
  }

  /** Adds the keys the index lacks; a key listed twice (two writers at once) is harmless. */
  private async indexKeys(keys: string[]): Promise<void> {
    this.indexedKeys ??= await this.readIndex();
    const known = this.indexedKeys;
    const added = keys.filter((key) => !known.has(key));
    if (added.length === 0) return;
    // The row stream keeps one event from its start; then the index lists it, before any row is
    // written, so every stored row can be found.
    await mapWithLimit(added, PARALLEL_STREAMS, (key) => this.keepLatestOnly(this.rowPrefix + key));
    await this.write(this.indexStream, 'SnapshotKeysAdded', { keys: added } satisfies StoredKeys);
    for (const key of added) known.add(key);
  }

  private async readRow(key: string): Promise<SnapshotRow | undefined> {
    const stored = (await this.readLatest(this.rowPrefix + key))?.data as StoredRow | undefined;
    if (!stored) return undefined;
    return { key, checkpoint: stored.checkpoint, state: Buffer.from(stored.state, 'base64') };
  }

  private async readMeta(): Promise<{ entries: Record<string, number>; revision: bigint | undefined }> {
    const latest = await this.readLatest(this.metaStream);
    return { entries: (latest?.data as StoredMeta | undefined)?.entries ?? {}, revision: latest?.revision };
  }

  private async readLatest(stream: string): Promise<{ data: unknown; revision: bigint } | undefined> {
    const [last] = await readToEnd(this.client.readStream(stream, { direction: 'backwards', fromRevision: 'end', maxCount: 1 }), `read ${stream}`);
    return last?.event ? { data: last.event.data, revision: last.event.revision } : undefined;
  }

  /** Read, merge, write back expecting the revision read; another writer in between means again. */
  private async mergeMeta(entries: Record<string, number>): Promise<void> {
    for (let attempt = 0; attempt < MAX_META_RETRIES; attempt += 1) {
      const current = await this.readMeta();
      const merged: StoredMeta = { entries: { ...current.entries, ...entries } };
      if (current.revision === undefined) await this.keepLatestOnly(this.metaStream);
      try {
        await this.client.appendToStream(this.metaStream, kurrentDb().jsonEvent({ type: 'SnapshotMetaSaved', data: merged as unknown as JSONType }), {
          streamState: current.revision ?? 'no_stream',
        });
        return;
      } catch (error) {
        if (!(error instanceof kurrentDb().WrongExpectedVersionError)) throw storeError(error, `write ${this.metaStream}`);
      }
    }
    throw new EventStoreUnavailableError(`${this.metaStream} kept changing under ${MAX_META_RETRIES} attempts; retry later`);
  }

  private async keepLatestOnly(stream: string): Promise<void> {
    try {
      await this.client.setStreamMetadata(stream, LATEST_ONLY);
    } catch (error) {
      throw storeError(error, `set the metadata of ${stream}`);
    }
  }

  private async write(stream: string, type: string, data: object): Promise<void> {
    try {
      await this.client.appendToStream(stream, kurrentDb().jsonEvent({ type, data: data as JSONType }));
    } catch (error) {
      throw storeError(error, `write ${stream}`);
    }
  }
}
