import { describeEventStoreConformance, describeSnapshotStoreConformance } from '@baseliner/event-store/testing';
import { InMemoryEventStore, InMemorySnapshotStore } from './in-memory-event-store';

describeEventStoreConformance('in memory', async () => {
  const store = new InMemoryEventStore();
  return { store, dispose: () => store.close() };
});

describeSnapshotStoreConformance('in memory', async () => {
  const store = new InMemorySnapshotStore();
  return { store, dispose: () => store.close() };
});
