export * from './event-store.port';
export * from './sqlite/sqlite-event-store.adapter';
