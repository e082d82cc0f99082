export { PostgresEventStore, redact, type PostgresEventStoreOptions } from './postgres-event-store.adapter';
export { PostgresSnapshotStore } from './postgres-snapshot-store';
export { PostgresShardLeases } from './postgres-shard-leases';
