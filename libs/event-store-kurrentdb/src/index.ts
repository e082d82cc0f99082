// Loaded only when BASELINER_EVENT_STORE=kurrentdb (see openEventStore). Its client,
// @kurrent/kurrentdb-client, is an optional dependency loaded when a store is opened.
export { KURRENTDB_CLIENT, KurrentDbClientMissingError } from './kurrentdb-client';
export { KurrentDbEventStore, type KurrentDbEventStoreOptions } from './kurrentdb-event-store.adapter';
export { KurrentDbSnapshotStore } from './kurrentdb-snapshot-store';
