import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { privateDatabaseFile } from './sqlite-file-modes';

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
