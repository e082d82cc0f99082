export * from './event-store.port';
export * from './sqlite/sqlite-event-store.adapter';
export { privateDatabaseFile } from './sqlite/sqlite-schema';
