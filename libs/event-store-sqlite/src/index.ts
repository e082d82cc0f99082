export { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite-event-store.adapter';
export { SqliteSnapshotStore } from './sqlite-snapshot-store';
export { DataDirectoryInUseError, privateDatabaseFile } from './sqlite-schema';
export { backupEventStore } from './sqlite-backup';
