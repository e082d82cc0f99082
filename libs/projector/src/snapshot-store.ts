import { deserialize, serialize } from 'node:v8';
import type { DeploymentProjection } from '@baseliner/analytics';
import type { SnapshotStore } from '@baseliner/event-store';
import { emptyProjectionState, type ProjectionState } from './projection-state';
import { shardKey, ShardSet } from './shards';

/**
 * Projection snapshots over the engine's SnapshotStore: one row per deployment with the position
 * it includes, so a snapshot is written a few deployments at a time without stopping the
 * projector. Each shard's `resume_from` is where a restart catches up from: the start of the
 * last complete pass over that shard, which every row written since is at or past (events a
 * row already includes are skipped, see `appliedThrough`).
 *
 * Versioned; a snapshot of another format is ignored and rebuilt by replay.
 */
export class ProjectionSnapshots {
  // 3: duration sketches hold dense typed arrays (a format-2 snapshot is rebuilt by replay).
  static readonly FORMAT = 3;

  constructor(private readonly store: SnapshotStore) {}

  /**
   * The state of the deployments in `shards`, resuming from the oldest pass among them; undefined
   * when one of them has no completed pass (then a full replay builds it).
   */
  async load(shards: ShardSet = ShardSet.all()): Promise<ProjectionState | undefined> {
    // The store filters (PostgreSQL in its query): a sharded projector receives its shards' rows only.
    const { meta, rows } = await this.store.load(shards.ownsAll ? undefined : { count: shards.count, owned: shards.owned });
    if (meta.get('format') !== ProjectionSnapshots.FORMAT) return undefined;
    let resumeFrom = Infinity;
    for (const shard of shards.owned) {
      const passStart = meta.get(shardKey(shard, shards.count));
      if (passStart === undefined) return undefined;
      resumeFrom = Math.min(resumeFrom, passStart);
    }
    const state = emptyProjectionState(shards);
    state.checkpoint = Number.isFinite(resumeFrom) ? resumeFrom : 0;
    for (const row of rows) {
      state.deployments[row.key] = deserialize(row.state) as DeploymentProjection;
      state.appliedThrough[row.key] = row.checkpoint;
    }
    return state;
  }

  /**
   * Saves some deployments as they are now (v8 serialisation: several times faster than JSON);
   * `completesPassFrom` marks the pass over `shards` complete, from that position.
   */
  async saveDeployments(
    rows: { projection: DeploymentProjection; checkpoint: number }[],
    completesPassFrom?: number,
    shards: ShardSet = ShardSet.all(),
  ): Promise<number> {
    const meta: Record<string, number> = {};
    if (completesPassFrom !== undefined) {
      meta.format = ProjectionSnapshots.FORMAT;
      for (const shard of shards.owned) meta[shardKey(shard, shards.count)] = completesPassFrom;
    }
    return this.store.save(
      rows.map(({ projection, checkpoint }) => ({ key: projection.id, checkpoint, state: serialize(projection) })),
      meta,
    );
  }
}
