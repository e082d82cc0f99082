import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { EVENT_STORE, type EventStore, type SnapshotStore } from '@baseliner/event-store';
import type { AppConfig } from '../config/configuration';
import { loadSqliteAdapter, openEventStore, type EventStoreSettings, type OpenedEventStore } from './open-event-store';

/** Opens the read side's snapshot store (in the event store's engine) on first use. */
export type SnapshotStoreFactory = () => Promise<SnapshotStore>;
export const SNAPSHOT_STORE_FACTORY = Symbol('SNAPSHOT_STORE_FACTORY');
const OPENED_EVENT_STORE = Symbol('OPENED_EVENT_STORE');

export interface EventStoreModuleOptions {
  config: AppConfig;
  /** An already open store (tests, benchmarks) instead of the configured one. */
  eventStore?: EventStore;
  /** The app only reads events (the projector alone): with SQLite it does not take the writer lock. */
  readsOnly?: boolean;
}

export function eventStoreSettings(config: AppConfig, readsOnly = false): EventStoreSettings {
  switch (config.eventStore) {
    case 'sqlite':
      return { engine: 'sqlite', dataDir: config.dataDir, readsOnly };
    case 'postgres':
      return { engine: 'postgres', url: config.postgresUrl as string };
    case 'kurrentdb':
      return { engine: 'kurrentdb', url: config.kurrentdbUrl as string };
  }
}

/** A store opened by the caller: its engine's own snapshots when it has them, else a SQLite file in the data dir. */
function adopt(events: EventStore, config: AppConfig): OpenedEventStore {
  let snapshots: Promise<SnapshotStore> | undefined;
  const own = (events as Partial<{ snapshotStore(): SnapshotStore }>).snapshotStore;
  return {
    events,
    snapshots: () =>
      (snapshots ??= own
        ? Promise.resolve(own.call(events))
        : Promise.resolve(new (loadSqliteAdapter().SqliteSnapshotStore)(join(config.dataDir, 'projector.db')))),
  };
}

class EventStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/**
 * The composition root of storage: `BASELINER_EVENT_STORE` picks the engine (sqlite, postgres,
 * kurrentdb) and only that engine's driver is loaded. Provides the EventStore port and the
 * snapshot store factory.
 */
@Global()
@Module({})
export class EventStoreModule {
  static forRoot(options: EventStoreModuleOptions): DynamicModule {
    return {
      module: EventStoreModule,
      providers: [
        {
          provide: OPENED_EVENT_STORE,
          useFactory: async (): Promise<OpenedEventStore> =>
            options.eventStore ? adopt(options.eventStore, options.config) : openEventStore(eventStoreSettings(options.config, options.readsOnly)),
        },
        { provide: EVENT_STORE, inject: [OPENED_EVENT_STORE], useFactory: (opened: OpenedEventStore) => opened.events },
        { provide: SNAPSHOT_STORE_FACTORY, inject: [OPENED_EVENT_STORE], useFactory: (opened: OpenedEventStore): SnapshotStoreFactory => opened.snapshots },
        EventStoreCloser,
      ],
      exports: [EVENT_STORE, SNAPSHOT_STORE_FACTORY],
    };
  }
}
