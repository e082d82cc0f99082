import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

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
