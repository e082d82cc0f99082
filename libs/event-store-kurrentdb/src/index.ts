// Loaded only when BASELINER_EVENT_STORE=kurrentdb (see openEventStore): it brings the KurrentDB client.
export { KurrentDbEventStore, type KurrentDbEventStoreOptions } from './kurrentdb-event-store.adapter';
export { KurrentDbSnapshotStore } from './kurrentdb-snapshot-store';
