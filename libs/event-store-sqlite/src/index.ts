export { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite-event-store.adapter';
export { SqliteSnapshotStore } from './sqlite-snapshot-store';
export { DataDirectoryInUseError } from './sqlite-writer-lock';
export { privateDatabaseFile } from './sqlite-file-modes';
export { backupEventStore } from './sqlite-backup';
