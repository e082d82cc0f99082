import type { Pool } from 'pg';
import type { SnapshotRow, SnapshotStore } from '@baseliner/event-store';

/** Snapshots in the event store's schema: one backup, one engine to run. Shares the store's pool. */
export class PostgresSnapshotStore implements SnapshotStore {
  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {}

  async load(keep: (key: string) => boolean = () => true): Promise<{ meta: Map<string, number>; rows: SnapshotRow[] }> {
    const meta = new Map<string, number>();
    for (const row of (await this.pool.query<{ key: string; value: string }>(`SELECT key, value FROM ${this.schema}.snapshot_meta`)).rows) {
      meta.set(row.key, Number(row.value));
    }
    const result = await this.pool.query<{ key: string; checkpoint: string; state: Buffer }>(`SELECT key, checkpoint, state FROM ${this.schema}.snapshots`);
    const rows = result.rows.filter((row) => keep(row.key)).map((row) => ({ key: row.key, checkpoint: Number(row.checkpoint), state: row.state }));
    return { meta, rows };
  }

  async save(rows: SnapshotRow[], meta: Record<string, number> = {}): Promise<number> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      if (rows.length > 0) {
        await client.query(
          `INSERT INTO ${this.schema}.snapshots (key, checkpoint, state)
           SELECT * FROM unnest($1::text[], $2::bigint[], $3::bytea[])
           ON CONFLICT (key) DO UPDATE SET checkpoint = excluded.checkpoint, state = excluded.state`,
          [rows.map((r) => r.key), rows.map((r) => r.checkpoint), rows.map((r) => r.state)],
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
