// The port only: importing it loads no database driver. Adapters live in their own libraries
// (@baseliner/event-store-sqlite, -postgres, -kurrentdb); `openEventStore` picks one lazily.
export * from './event-store.port';
export * from './snapshot-store.port';
export * from './shard-leases.port';
export * from './event-codec';
export { PollingSubscription, type PollingSubscriptionOptions } from './polling-subscription';
export { SubscriptionHub, type SubscriptionHubOptions } from './subscription-hub';
export { takeGroup } from './group-commit';
export { InMemoryEventStore, InMemorySnapshotStore } from './memory/in-memory-event-store';
