import { join } from 'node:path';
import { InMemoryEventStore, InMemorySnapshotStore, type EventStore, type SnapshotStore } from '@baseliner/event-store';
// Types only: erased at build time, so importing this file loads no driver.
import type * as KurrentDbAdapter from '@baseliner/event-store-kurrentdb';
import type * as PostgresAdapter from '@baseliner/event-store-postgres';
import type * as SqliteAdapter from '@baseliner/event-store-sqlite';

/* eslint-disable @typescript-eslint/no-require-imports -- the adapter is loaded only when chosen */
export const loadSqliteAdapter = (): typeof SqliteAdapter => require('@baseliner/event-store-sqlite');
const loadPostgresAdapter = (): typeof PostgresAdapter => require('@baseliner/event-store-postgres');
// Its client (@kurrent/kurrentdb-client, an optional dependency) is loaded only when a store is
// opened, with a message saying what to install when it is missing.
const loadKurrentDbAdapter = (): typeof KurrentDbAdapter => require('@baseliner/event-store-kurrentdb');
/* eslint-enable @typescript-eslint/no-require-imports */

/** Which engine holds the log, from `BASELINER_EVENT_STORE` and its settings. */
export type EventStoreSettings =
  | { engine: 'sqlite'; dataDir: string; /** The app only reads (a projector beside the writer). */ readsOnly?: boolean }
  | { engine: 'postgres'; url: string }
  | { engine: 'kurrentdb'; url: string }
  | { engine: 'memory' };

export interface OpenedEventStore {
  events: EventStore;
  /** The read side's snapshots, in the same engine; opened on first use (the intake never needs them). */
  snapshots(): Promise<SnapshotStore>;
}

/**
 * The composition root's one call: loads only the chosen engine's driver (a PostgreSQL
 * deployment never loads better-sqlite3, and the reverse), opens the store and prepares its
 * schema.
 */
export async function openEventStore(settings: EventStoreSettings): Promise<OpenedEventStore> {
  switch (settings.engine) {
    case 'sqlite': {
      const sqlite = loadSqliteAdapter();
      const events = new sqlite.SqliteEventStore({ path: join(settings.dataDir, 'events.db'), exclusiveWriter: !settings.readsOnly });
      return { events, snapshots: once(async () => new sqlite.SqliteSnapshotStore(join(settings.dataDir, 'projector.db'))) };
    }
    case 'postgres': {
      const postgres = loadPostgresAdapter();
      const events = await postgres.PostgresEventStore.connect({ url: settings.url });
      return { events, snapshots: once(async () => events.snapshotStore()) };
    }
    case 'kurrentdb': {
      const kurrentdb = loadKurrentDbAdapter();
      const events = await kurrentdb.KurrentDbEventStore.connect({ url: settings.url });
      return { events, snapshots: once(async () => events.snapshotStore()) };
    }
    case 'memory': {
      const snapshots = new InMemorySnapshotStore();
      return { events: new InMemoryEventStore(), snapshots: async () => snapshots };
    }
  }
}

function once<T>(open: () => Promise<T>): () => Promise<T> {
  let opened: Promise<T> | undefined;
  return () => (opened ??= open());
}
