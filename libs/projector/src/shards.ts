import { createHash } from 'node:crypto';

/** The shard of a deployment: a stable hash of its id over `count` shards. */
export function shardOf(deploymentId: string, count: number): number {
  if (count <= 1) return 0;
  return createHash('sha256').update(deploymentId).digest().readUInt32BE(0) % count;
}

/** The snapshot meta key of a shard's resume position ("resume_from" when there is one shard). */
export function shardKey(shard: number, count: number): string {
  return count <= 1 ? 'resume_from' : `resume_from:${shard}/${count}`;
}

/** The shards one projector holds, out of `count`. */
export class ShardSet {
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
