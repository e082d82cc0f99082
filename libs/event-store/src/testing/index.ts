export { describeEventStoreConformance, type StoreUnderTest } from './event-store.conformance';
export { describeSnapshotStoreConformance } from './snapshot-store.conformance';
export { describeShardLeasesConformance, type ShardLeasesUnderTest } from './shard-leases.conformance';
