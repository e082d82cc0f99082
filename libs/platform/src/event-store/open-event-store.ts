import { join } from 'node:path';
import { InMemoryEventStore, InMemorySnapshotStore, type EventStore, type SnapshotStore } from '@baseliner/event-store';
// Types only: erased at build time, so importing this file loads no driver.
import type * as KurrentDbAdapter from '@baseliner/event-store-kurrentdb';
import type * as PostgresAdapter from '@baseliner/event-store-postgres';
import type * as SqliteAdapter from '@baseliner/event-store-sqlite';

/**
 * The KurrentDB client is an optional peer dependency, not installed by `npm ci --omit=dev`
 * (docs/design-notes.md, "A lighter install"); the version the adapter is written against.
 */
export const KURRENTDB_CLIENT = { name: '@kurrent/kurrentdb-client', version: '1.3.1' } as const;

/** A chosen engine's driver is not installed; the message says what to install. */
export class EventStoreDriverMissingError extends Error {
  override readonly name = 'EventStoreDriverMissingError';
}

/* eslint-disable @typescript-eslint/no-require-imports -- the adapter is loaded only when chosen */
export const loadSqliteAdapter = (): typeof SqliteAdapter => require('@baseliner/event-store-sqlite');
const loadPostgresAdapter = (): typeof PostgresAdapter => require('@baseliner/event-store-postgres');
export const loadKurrentDbAdapter = (): typeof KurrentDbAdapter => {
  try {
    return require('@baseliner/event-store-kurrentdb');
  } catch (error) {
    if (!isMissingModule(error, KURRENTDB_CLIENT.name)) throw error;
    const { name, version } = KURRENTDB_CLIENT;
    throw new EventStoreDriverMissingError(
      `BASELINER_EVENT_STORE=kurrentdb needs ${name}, which is not installed (it is optional, for the few who use KurrentDB): npm install --no-save ${name}@${version}`,
      { cause: error },
    );
  }
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** True when `error` says that `name` itself cannot be found (not one of its own dependencies). */
function isMissingModule(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 'MODULE_NOT_FOUND' && typeof message === 'string' && message.startsWith(`Cannot find module '${name}'`);
}

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
