import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

export const SCHEMA_VERSION = 3;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position    INTEGER PRIMARY KEY,
    stream_id   TEXT    NOT NULL,
    revision    INTEGER NOT NULL,
    event_id    BLOB    NOT NULL,
    type        TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    metadata    TEXT,
    recorded_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX IF NOT EXISTS events_by_stream ON events (stream_id, revision);
  CREATE TABLE IF NOT EXISTS event_ids (
    event_id  BLOB NOT NULL,
    stream_id TEXT NOT NULL,
    PRIMARY KEY (event_id, stream_id)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS recent_event_ids (
    event_id  BLOB NOT NULL,
    stream_id TEXT NOT NULL,
    PRIMARY KEY (event_id, stream_id)
  ) WITHOUT ROWID;
`;

// Event ids are unique per stream (the port's rule), kept in two tables rather than an index on
// `events`. Ids are random digests, so one index grown to millions of entries took a different
// page for nearly every insert: a commit of 4,000 events rewrote ~3,000 index pages (13 KiB of
// WAL per event at 1,000,000 events, inserts 3-4x slower than on a fresh file). New ids go to the
// small `recent_event_ids`, whose pages stay few and hot; once it holds `RECENT_ID_LIMIT` ids the
// writer sweeps them, in key order and in steps between group commits, into `event_ids`, so each
// of its pages is rewritten about once per sweep rather than once per commit. A lookup probes both. Versions 1 and 2 kept an index on `events`; their ids move into `event_ids`.
const MOVE_IDS_OUT_OF_EVENTS = `
  DROP INDEX IF EXISTS events_by_event_id;
  DROP INDEX IF EXISTS events_by_event_id_in_stream;
  INSERT OR IGNORE INTO event_ids (event_id, stream_id) SELECT event_id, stream_id FROM events ORDER BY event_id, stream_id;
`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// UUID ids are kept as 16 bytes: the id tables are the costliest part of an insert (ids are
// random), and half the size keeps twice as much of them in cache. Other ids are kept as text.
export function encodeEventId(id: string): Buffer | string {
  if (id.length !== 36 || !UUID.test(id)) return id;
  return Buffer.from(id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18) + id.slice(19, 23) + id.slice(24), 'hex');
}

export function decodeEventId(stored: Buffer | Uint8Array | string): string {
  if (typeof stored === 'string') return stored;
  const hex = Buffer.from(stored).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** SQLite's own failures (full disk, I/O error, busy, closed) as opposed to bugs. */
export function isStoreFailure(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_')) return true;
  return error instanceof TypeError && /database connection is not open/i.test(error.message);
}

/**
 * The data directory (created 0700) and a database file readable by its owner only (0600):
 * events carry owners' names and emails. SQLite creates the -wal and -shm files with the mode
 * of the database file; files left by an older version are tightened too.
 */
export function privateDatabaseFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
}

/**
 * Opens the store file in WAL mode with synchronous=FULL: a commit is on disk before it returns,
 * so an acknowledged append survives a crash or power loss.
 */
export function openEventDatabase(path: string, options: { migrate: boolean }): Database.Database {
  privateDatabaseFile(path);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  // A larger page cache keeps the event-id index in memory; fewer, larger WAL checkpoints keep
  // checkpoint work off most commits.
  db.pragma('cache_size = -65536');
  db.pragma('wal_autocheckpoint = 8192');
  if (options.migrate) {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      db.close();
      throw new Error(`Event store schema ${version} is newer than this build understands (${SCHEMA_VERSION}); upgrade Baseliner`);
    }
    db.transaction(() => {
      db.exec(SCHEMA);
      if (version < 3) db.exec(MOVE_IDS_OUT_OF_EVENTS);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
  }
  return db;
}

/** Another process already writes to this data directory. */
export class DataDirectoryInUseError extends Error {
  override readonly name = 'DataDirectoryInUseError';
}

/**
 * One writer per store file, across processes: an exclusive SQLite lock on `<path>.lock`, held
 * for the life of the store (an open EXCLUSIVE transaction that is never committed). The OS
 * releases it when the process ends, however it ends, so a killed server does not block its
 * restart. Returns the release.
 */
export function acquireWriterLock(path: string): () => void {
  const lockPath = `${path}.lock`;
  privateDatabaseFile(lockPath);
  const lock = new Database(lockPath, { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
    throw new DataDirectoryInUseError(
      `${dirname(path)} is in use by another Baseliner process: one process writes to a data directory. ` +
        'Stop the other one, or give this one its own BASELINER_DATA_DIR (a projector-only app can share it).',
    );
  }
  return () => {
    try {
      lock.exec('ROLLBACK');
    } finally {
      lock.close();
    }
  };
}
