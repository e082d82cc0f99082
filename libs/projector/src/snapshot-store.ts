import Database from 'better-sqlite3';
import { deserialize, serialize } from 'node:v8';
import type { DeploymentProjection } from '@baseliner/analytics';
import { privateDatabaseFile } from '@baseliner/event-store';
import { emptyProjectionState, type ProjectionState } from './projection-state';

/**
 * Projection snapshots, one row per deployment with the position it includes, so a snapshot is
 * written a few deployments at a time without stopping the projector. `resume_from` is where a
 * restart catches up from: the start of the last complete pass, which every row written since
 * is at or past (events a row already includes are skipped, see `appliedThrough`).
 *
 * A separate file from the event log: delete it to force a full replay. Versioned; a snapshot of
 * another format is ignored and rebuilt by replay.
 */
export class SnapshotStore {
  static readonly FORMAT = 2;
  private readonly db: Database.Database;
  private readonly statements;

  constructor(path: string) {
    privateDatabaseFile(path);
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS snapshot_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS deployment_snapshots (deployment TEXT PRIMARY KEY, checkpoint INTEGER NOT NULL, state BLOB NOT NULL);
    `);
    this.statements = {
      meta: this.db.prepare('SELECT value FROM snapshot_meta WHERE key = ?').pluck(),
      setMeta: this.db.prepare('INSERT OR REPLACE INTO snapshot_meta (key, value) VALUES (?, ?)'),
      rows: this.db.prepare('SELECT deployment, checkpoint, state FROM deployment_snapshots'),
      saveRow: this.db.prepare('INSERT OR REPLACE INTO deployment_snapshots (deployment, checkpoint, state) VALUES (?, ?, ?)'),
    };
  }

  load(): ProjectionState | undefined {
    const format = this.statements.meta.get('format') as number | undefined;
    const resumeFrom = this.statements.meta.get('resume_from') as number | undefined;
    if (format !== SnapshotStore.FORMAT || resumeFrom === undefined) return undefined;
    const state = emptyProjectionState();
    state.checkpoint = resumeFrom;
    for (const row of this.statements.rows.iterate() as Iterable<{ deployment: string; checkpoint: number; state: Buffer }>) {
      state.deployments[row.deployment] = deserialize(row.state) as DeploymentProjection;
      state.appliedThrough[row.deployment] = row.checkpoint;
    }
    return state;
  }

  /** Saves some deployments as they are now (v8 serialisation: several times faster than JSON). */
  saveDeployments(rows: { projection: DeploymentProjection; checkpoint: number }[], completesPassFrom?: number): number {
    let bytes = 0;
    this.db.transaction(() => {
      for (const { projection, checkpoint } of rows) {
        const blob = serialize(projection);
        bytes += blob.length;
        this.statements.saveRow.run(projection.id, checkpoint, blob);
      }
      if (completesPassFrom !== undefined) {
        this.statements.setMeta.run('format', SnapshotStore.FORMAT);
        this.statements.setMeta.run('resume_from', completesPassFrom);
      }
    })();
    return bytes;
  }

  /** Runs a PRAGMA on the snapshot database (tests use it to make the disk "full"). */
  pragma(statement: string): unknown {
    return this.db.pragma(statement, { simple: true });
  }

  close(): void {
    this.db.close();
  }
}
