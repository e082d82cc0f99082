import Database from 'better-sqlite3';
import { inShards, type SnapshotRow, type SnapshotShardFilter, type SnapshotStore } from '@baseliner/event-store';
import { privateDatabaseFile } from './sqlite-file-modes';

/**
 * Snapshots in a SQLite file beside the event log (`projector.db` in the data directory): a
 * separate file, so deleting it forces a full replay and the projector never takes the log's
 * writer lock.
 */
export class SqliteSnapshotStore implements SnapshotStore {
  private readonly db: Database.Database;
  private readonly statements;

  constructor(path: string) {
    privateDatabaseFile(path);
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // The table names predate the port: files written by earlier versions load unchanged.
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS snapshot_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS deployment_snapshots (deployment TEXT PRIMARY KEY, checkpoint INTEGER NOT NULL, state BLOB NOT NULL);
    `);
    this.statements = {
      meta: this.db.prepare('SELECT key, value FROM snapshot_meta').safeIntegers(),
      setMeta: this.db.prepare('INSERT OR REPLACE INTO snapshot_meta (key, value) VALUES (?, ?)'),
      rows: this.db.prepare('SELECT deployment, checkpoint, state FROM deployment_snapshots'),
      saveRow: this.db.prepare('INSERT OR REPLACE INTO deployment_snapshots (deployment, checkpoint, state) VALUES (?, ?, ?)'),
    };
  }

  /** Filters in process: the file is local, so rows of other shards cost a read, not a transfer. */
  async load(shards?: SnapshotShardFilter): Promise<{ meta: Map<string, number>; rows: SnapshotRow[] }> {
    const meta = new Map<string, number>();
    for (const row of this.statements.meta.all() as { key: string; value: bigint }[]) meta.set(row.key, Number(row.value));
    const rows: SnapshotRow[] = [];
    for (const row of this.statements.rows.iterate() as Iterable<{ deployment: string; checkpoint: number; state: Buffer }>) {
      if (inShards(row.deployment, shards)) rows.push({ key: row.deployment, checkpoint: row.checkpoint, state: row.state });
    }
    return { meta, rows };
  }

  async save(rows: SnapshotRow[], meta: Record<string, number> = {}): Promise<number> {
    let bytes = 0;
    this.db.transaction(() => {
      for (const row of rows) {
        bytes += row.state.length;
        this.statements.saveRow.run(row.key, row.checkpoint, row.state);
      }
      for (const [key, value] of Object.entries(meta)) this.statements.setMeta.run(key, value);
    })();
    return bytes;
  }

  /** Runs a PRAGMA on the snapshot database (tests use it to make the disk "full"). */
  pragma(statement: string): unknown {
    return this.db.pragma(statement, { simple: true });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
