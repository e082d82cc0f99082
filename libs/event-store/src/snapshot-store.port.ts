import { createHash } from 'node:crypto';

/**
 * Where a read model keeps its snapshots, in the same engine as the events (one backup, one
 * thing to operate). Rows are opaque blobs keyed by a name (the projector: one per deployment)
 * with the log position each includes; `meta` holds small numbers such as a format version and
 * a resume position per shard. Writing some rows and meta is atomic.
 */
export interface SnapshotRow {
  key: string;
  checkpoint: number;
  state: Buffer;
}

/**
 * Which rows to load: those whose key falls in one of the `owned` shards out of `count`
 * (`shardOf(key, count)`). A plain value rather than a predicate, so an engine can evaluate it
 * where the rows are (PostgreSQL: in the query) and send only those rows.
 */
export interface SnapshotShardFilter {
  count: number;
  owned: readonly number[];
}

export interface SnapshotStore {
  /** Every row (or only those in `shards`) and every meta entry. */
  load(shards?: SnapshotShardFilter): Promise<{ meta: Map<string, number>; rows: SnapshotRow[] }>;
  /** Writes rows and meta entries in one transaction; returns the bytes written. */
  save(rows: SnapshotRow[], meta?: Record<string, number>): Promise<number>;
  close(): Promise<void>;
}

export const SNAPSHOT_STORE = Symbol('SNAPSHOT_STORE');

/**
 * The 32-bit hash shards are cut from: the first four bytes of SHA-256 of the key (UTF-8),
 * big-endian, unsigned. Stable across processes, versions and engines — PostgreSQL stores it
 * beside each snapshot row and computes the same value for rows written before it did.
 */
export function shardHash(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0);
}

/** The shard of a key (a deployment id): its hash over `count` shards. */
export function shardOf(key: string, count: number): number {
  if (count <= 1) return 0;
  return shardHash(key) % count;
}

/** Whether a row's key passes a filter (no filter: every row). For engines that filter in process. */
export function inShards(key: string, shards: SnapshotShardFilter | undefined): boolean {
  if (shards === undefined) return true;
  return shards.owned.includes(shardOf(key, shards.count));
}
