import type { Pool } from 'pg';
import { inShards, shardHash, type SnapshotRow, type SnapshotShardFilter, type SnapshotStore } from '@baseliner/event-store';

/**
 * Snapshots in the event store's schema: one backup, one engine to run. Shares the store's pool.
 * Each row carries its key's shard hash, so a projector holding some shards reads only their
 * rows: the filter runs in the query, and the other shards' blobs never leave the server.
 */
export class PostgresSnapshotStore implements SnapshotStore {
  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {}

  async load(shards?: SnapshotShardFilter): Promise<{ meta: Map<string, number>; rows: SnapshotRow[] }> {
    const meta = new Map<string, number>();
    for (const row of (await this.pool.query<{ key: string; value: string }>(`SELECT key, value FROM ${this.schema}.snapshot_meta`)).rows) {
      meta.set(row.key, Number(row.value));
    }
    const select = `SELECT key, checkpoint, state, shard_hash IS NULL AS unhashed FROM ${this.schema}.snapshots`;
    const result =
      shards === undefined
        ? await this.pool.query<{ key: string; checkpoint: string; state: Buffer; unhashed: boolean }>(select)
        : await this.pool.query<{ key: string; checkpoint: string; state: Buffer; unhashed: boolean }>(
            // A row without a hash (saved by a version before the column) is sent and filtered here.
            `${select} WHERE shard_hash IS NULL OR shard_hash % $1 = ANY($2::bigint[])`,
            [Math.max(1, shards.count), shards.count <= 1 ? shards.owned.filter((shard) => shard === 0) : shards.owned],
          );
    const rows: SnapshotRow[] = [];
    for (const row of result.rows) {
      if (row.unhashed && !inShards(row.key, shards)) continue;
      rows.push({ key: row.key, checkpoint: Number(row.checkpoint), state: row.state });
    }
    return { meta, rows };
  }

  async save(rows: SnapshotRow[], meta: Record<string, number> = {}): Promise<number> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      if (rows.length > 0) {
        await client.query(
          `INSERT INTO ${this.schema}.snapshots (key, checkpoint, state, shard_hash)
           SELECT * FROM unnest($1::text[], $2::bigint[], $3::bytea[], $4::bigint[])
           ON CONFLICT (key) DO UPDATE SET checkpoint = excluded.checkpoint, state = excluded.state, shard_hash = excluded.shard_hash`,
          [rows.map((r) => r.key), rows.map((r) => r.checkpoint), rows.map((r) => r.state), rows.map((r) => shardHash(r.key))],
        );
      }
      const entries = Object.entries(meta);
      if (entries.length > 0) {
        await client.query(
          `INSERT INTO ${this.schema}.snapshot_meta (key, value) SELECT * FROM unnest($1::text[], $2::bigint[])
           ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
          [entries.map((e) => e[0]), entries.map((e) => e[1])],
        );
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw error;
    } finally {
      client.release(broken);
    }
    return rows.reduce((sum, row) => sum + row.state.length, 0);
  }

  /** The pool belongs to the event store, which closes it. */
  async close(): Promise<void> {}
}
