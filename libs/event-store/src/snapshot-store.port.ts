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

export interface SnapshotStore {
  /** Every row (or only those whose key passes `keep`) and every meta entry. */
  load(keep?: (key: string) => boolean): Promise<{ meta: Map<string, number>; rows: SnapshotRow[] }>;
  /** Writes rows and meta entries in one transaction; returns the bytes written. */
  save(rows: SnapshotRow[], meta?: Record<string, number>): Promise<number>;
  close(): Promise<void>;
}

export const SNAPSHOT_STORE = Symbol('SNAPSHOT_STORE');
