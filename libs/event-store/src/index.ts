export * from './event-store.port';
export * from './sqlite/sqlite-event-store.adapter';
export { DataDirectoryInUseError, privateDatabaseFile } from './sqlite/sqlite-schema';
export { backupEventStore } from './sqlite/sqlite-backup';
