// Imports nothing: the writer thread loads it too, and it resolves no path alias.

/** SQLite's own failures (full disk, I/O error, busy, closed) as opposed to bugs. */
export function isStoreFailure(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_')) return true;
  return error instanceof TypeError && /database connection is not open/i.test(error.message);
}
