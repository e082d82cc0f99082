/** How many keys (ingest keys, client addresses) a limiter remembers by default: about 10 MB at most. */
export const DEFAULT_MAX_TRACKED = 65_536;

/**
 * Per-key request rate limit: `ratePerSecond` sustained, bursts up to `burst`. Time is passed in
 * (milliseconds), so the limiter is deterministic under test.
 *
 * Bounded: at most `maxTracked` keys are remembered, least recently used first out. Forgetting a
 * key gives it a full bucket again, so the bound only matters to a client that spreads its
 * requests over more keys (addresses) than that — each of which it would have to use again
 * before being limited — and keeps the memory of a flood of one-off addresses flat.
 */
export class TokenBuckets {
  /** In order of last use, oldest first (a Map keeps insertion order; a use re-inserts). */
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number = ratePerSecond * 2,
    private readonly maxTracked: number = DEFAULT_MAX_TRACKED,
  ) {
    if (!(maxTracked >= 1)) throw new RangeError(`maxTracked must be at least 1 (was ${maxTracked})`);
  }

  /** Keys remembered now (at most `maxTracked`). */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token; returns 0 when allowed, else the seconds to wait before retrying. */
  take(key: string, nowMs: number): number {
    if (this.ratePerSecond <= 0) return 0;
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, updatedAt: nowMs };
    bucket.tokens = Math.min(this.burst, bucket.tokens + (Math.max(0, nowMs - bucket.updatedAt) / 1000) * this.ratePerSecond);
    bucket.updatedAt = nowMs;
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxTracked) this.buckets.delete(this.buckets.keys().next().value as string);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerSecond));
  }
}
