/**
 * Projectors split deployments into shards; a lease says which projector holds which shard, so
 * each shard has exactly one projector while it lives and moves to a survivor when it dies.
 * Engines that can hold leases (PostgreSQL: advisory locks on a session) provide them.
 */
export interface ShardLeases {
  /**
   * Claims a fair share of the shards among the projectors alive now (⌈shards / projectors⌉ at
   * most), and keeps rebalancing as projectors come and go. `onChange` gets the held shards,
   * sorted, whenever they change; the first time before `start` resolves if this projector holds
   * any by then. Shards given up are released only once `onChange` has resolved (the projector
   * saves their snapshot first). `describeShardLeasesConformance` checks all of this.
   */
  start(onChange: (held: number[]) => void | Promise<void>): Promise<void>;
  /** Releases every lease at once (a clean shutdown hands the shards over without waiting). */
  close(): Promise<void>;
}

export interface ShardLeaseProvider {
  shardLeases(options: { group: string; shards: number; rebalanceEveryMs?: number }): ShardLeases;
}

export function providesShardLeases(store: object): store is ShardLeaseProvider {
  return typeof (store as Partial<ShardLeaseProvider>).shardLeases === 'function';
}
