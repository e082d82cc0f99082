import { shardOf, type SnapshotShardFilter } from '@baseliner/event-store';

/**
 * The shard of a deployment: a stable hash of its id over `count` shards. Defined beside the
 * snapshot port, because snapshot stores filter rows by the same hash (PostgreSQL in SQL).
 */
export { shardOf };

/** The snapshot meta key of a shard's resume position ("resume_from" when there is one shard). */
export function shardKey(shard: number, count: number): string {
  return count <= 1 ? 'resume_from' : `resume_from:${shard}/${count}`;
}

/** The shards one projector holds, out of `count`. */
export class ShardSet implements SnapshotShardFilter {
  private readonly ownedSet: ReadonlySet<number>;
  private readonly memo = new Map<string, boolean>();

  constructor(
    readonly count: number,
    readonly owned: readonly number[],
  ) {
    this.ownedSet = new Set(owned);
  }

  static all(count = 1): ShardSet {
    return new ShardSet(count, Array.from({ length: count }, (_, i) => i));
  }

  get ownsAll(): boolean {
    return this.ownedSet.size === this.count;
  }

  /** Memoised: asked once per event in a replay. */
  owns(deploymentId: string): boolean {
    if (this.ownsAll) return true;
    let owned = this.memo.get(deploymentId);
    if (owned === undefined) {
      owned = this.ownedSet.has(shardOf(deploymentId, this.count));
      this.memo.set(deploymentId, owned);
    }
    return owned;
  }

  describe(): string {
    return this.ownsAll ? `all ${this.count}` : `${[...this.owned].sort((a, b) => a - b).join(',')} of ${this.count}`;
  }
}
