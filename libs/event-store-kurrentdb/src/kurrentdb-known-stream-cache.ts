/** What this process knows of a stream: its last revision and every event id in it. */
export interface KnownStream {
  revision: number;
  ids: Set<string>;
  /** Ids counted against the cache's bound when the entry was last stored. */
  counted: number;
}

/**
 * Known streams, least recently used first, bounded by their total number of ids: the adapter's
 * idempotency check reads a stream's ids once and then keeps them here.
 */
export class KnownStreamCache {
  private readonly streams = new Map<string, KnownStream>();
  private totalIds = 0;

  constructor(private readonly maxIds: number) {}

  get(streamId: string): KnownStream | undefined {
    return this.streams.get(streamId);
  }

  /** Stores the entry as the most recently used, then forgets older streams beyond the bound. */
  put(streamId: string, entry: KnownStream): void {
    const previous = this.streams.get(streamId);
    if (previous) {
      this.totalIds -= previous.counted;
      this.streams.delete(streamId);
    }
    entry.counted = entry.ids.size;
    this.totalIds += entry.counted;
    this.streams.set(streamId, entry);
    for (const [oldest, known] of this.streams) {
      if (this.totalIds <= this.maxIds || oldest === streamId) break;
      this.streams.delete(oldest);
      this.totalIds -= known.counted;
    }
  }

  clear(): void {
    this.streams.clear();
    this.totalIds = 0;
  }
}
