import Database from 'better-sqlite3';
import { privateDatabaseFile } from './sqlite-file-modes';

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
