export { PostgresEventStore, type PostgresEventStoreOptions } from './postgres-event-store.adapter';
export { redact } from './postgres-error-mapping';
export { PostgresSnapshotStore } from './postgres-snapshot-store';
export { PostgresShardLeases } from './postgres-shard-leases';
