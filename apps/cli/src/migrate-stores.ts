import { existsSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EventStore, RecordedEvent } from '@baseliner/event-store';
import { openEventStore, type EventStoreSettings } from '@baseliner/platform';
import { CliError } from './api';

/** The engines `baseliner migrate` copies between (the in-memory store holds nothing to migrate). */
export const MIGRATE_ENGINES = ['sqlite', 'postgres', 'kurrentdb'] as const;
export type MigrateEngine = (typeof MIGRATE_ENGINES)[number];

const PAGE = 5000;
const URL_SCHEMES: Record<Exclude<MigrateEngine, 'sqlite'>, { env: string; schemes: string[]; example: string }> = {
  postgres: { env: 'BASELINER_POSTGRES_URL', schemes: ['postgres:', 'postgresql:'], example: 'postgres://user@host:5432/baseliner' },
  kurrentdb: { env: 'BASELINER_KURRENTDB_URL', schemes: ['kurrentdb:', 'kurrentdb+discover:', 'esdb:', 'esdb+discover:'], example: 'kurrentdb://host:2113?tls=false' },
};

export type Role = 'source' | 'target';

/** One end of a migration, as the options name it. */
export interface Side {
  role: Role;
  settings: EventStoreSettings;
  /** What a person reads: engine and where (passwords hidden). */
  label: string;
  /** Equal for two sides that name the same store. */
  identity: string;
}

export const count = (n: number): string => n.toLocaleString('en');
export const flag = (role: Role, name: 'url' | 'data-dir'): string => (role === 'source' ? (name === 'url' ? '--from-url' : '--data-dir') : `--to-${name}`);

/** The engine and where it is, checked: a CliError says which option to fix. */
export function describeSide(role: Role, engine: string, where: { dataDir?: string; url?: string }, env: NodeJS.ProcessEnv): Side {
  const option = role === 'source' ? '--from' : '--to';
  if (!(MIGRATE_ENGINES as readonly string[]).includes(engine)) {
    throw new CliError(`${option} ${engine}: unknown engine; use one of ${MIGRATE_ENGINES.join(', ')}`);
  }
  if (engine === 'sqlite') {
    if (where.url) throw new CliError(`${flag(role, 'url')} is for a PostgreSQL or KurrentDB ${role}; a SQLite ${role} takes ${flag(role, 'data-dir')}`);
    if (!where.dataDir) throw new CliError(`${option} sqlite needs the data directory to write to: give ${flag(role, 'data-dir')} <dir>`);
    const dir = resolve(where.dataDir);
    const settings: EventStoreSettings = { engine: 'sqlite', dataDir: dir, ...(role === 'source' && { readsOnly: true }) };
    return { role, settings, label: `sqlite ${join(dir, 'events.db')}`, identity: `sqlite:${existsSync(dir) ? realpathSync(dir) : dir}` };
  }
  const kind = engine as Exclude<MigrateEngine, 'sqlite'>;
  const { env: variable, schemes, example } = URL_SCHEMES[kind];
  if (role === 'target' && where.dataDir) throw new CliError(`--to-data-dir is for a SQLite target; a ${kind} target takes --to-url`);
  const raw = where.url?.trim() || env[variable]?.trim();
  if (!raw) throw new CliError(`${option} ${kind} needs a connection string: give ${flag(role, 'url')} ${example} or set ${variable}`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`${flag(role, 'url')} is not a connection string; expected ${example}`);
  }
  if (!schemes.includes(url.protocol)) {
    throw new CliError(`${flag(role, 'url')} for ${kind} must start with ${schemes.map((s) => `${s}//`).join(' or ')}, not ${url.protocol}//`);
  }
  const shown = new URL(raw);
  if (shown.password) shown.password = '***';
  const identity = kind === 'postgres'
    ? `postgres://${url.hostname.toLowerCase()}:${url.port || '5432'}${decodeURIComponent(url.pathname) || '/'}`
    : `kurrentdb://${url.host.toLowerCase()}${url.pathname}`;
  const settings: EventStoreSettings = kind === 'postgres' ? { engine: 'postgres', url: raw } : { engine: 'kurrentdb', url: raw };
  return { role, settings, label: `${kind} ${shown.toString()}`, identity };
}

export async function openSide(side: Side): Promise<EventStore> {
  let events: EventStore | undefined;
  try {
    events = (await openEventStore(side.settings)).events;
    // KurrentDB connects lazily: ask once, so an unreachable server is reported here.
    await events.checkHealth();
    return events;
  } catch (error) {
    await events?.close().catch(() => undefined);
    throw new CliError(`Cannot open the ${side.role} (${side.label}): ${(error as Error)?.message ?? String(error)}`);
  }
}

/** The store's events in global order, a page at a time; with `head`, only up to that position. */
export async function* pagesOf(store: EventStore, head = Infinity): AsyncGenerator<RecordedEvent[]> {
  for (let cursor = 0; cursor < head; ) {
    const page = (await store.readAll({ fromPosition: cursor, maxCount: PAGE })).filter((e) => e.position <= head);
    if (page.length === 0) return;
    yield page;
    cursor = (page[page.length - 1] as RecordedEvent).position;
  }
}
