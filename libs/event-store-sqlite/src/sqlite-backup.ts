import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { privateDatabaseFile } from './sqlite-file-modes';

/**
 * Copies the event store at `source` to `destination` while a server keeps writing to it: SQLite's
 * online backup (https://sqlite.org/backup.html) through a read-only connection, so it takes no
 * writer lock and the copy is one consistent snapshot. The copy is a complete store: put it as
 * `events.db` in an empty data directory and start the server to restore (the projector
 * replays it). Refuses to overwrite an existing file.
 */
export async function backupEventStore(source: string, destination: string): Promise<{ events: number; bytes: number }> {
  if (!existsSync(source)) throw new Error(`${source} does not exist: point at the server's data directory`);
  if (existsSync(destination)) throw new Error(`${destination} already exists: choose a new file (a backup never overwrites)`);
  privateDatabaseFile(destination);
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await db.backup(destination);
  } finally {
    db.close();
  }
  const copy = new Database(destination, { readonly: true });
  try {
    const events = copy.prepare('SELECT count(*) FROM events').pluck().get() as number;
    const bytes = (copy.pragma('page_count', { simple: true }) as number) * (copy.pragma('page_size', { simple: true }) as number);
    return { events, bytes };
  } finally {
    copy.close();
  }
}
