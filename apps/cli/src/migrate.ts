import { createHash, type Hash } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { scorecardOf } from '@baseliner/analytics';
import type { AppendResult, EventStore, NewEvent, RecordedEvent } from '@baseliner/event-store';
import { openEventStore, type EventStoreSettings } from '@baseliner/platform';
import { applyRecordedEvent, emptyProjectionState, type ProjectionState } from '@baseliner/projector';
import { CliError } from './api';

/** The engines `baseliner migrate` copies between (the in-memory store holds nothing to migrate). */
export const MIGRATE_ENGINES = ['sqlite', 'postgres', 'kurrentdb'] as const;
export type MigrateEngine = (typeof MIGRATE_ENGINES)[number];

export interface MigrateOptions {
  from: string;
  to: string;
  /** Data directory of a SQLite source. */
  dataDir: string;
  /** Data directory of a SQLite target. */
  toDataDir?: string;
  fromUrl?: string;
  toUrl?: string;
}

export interface MigrateIo {
  /** Results, one line each (stdout). */
  out(line: string): void;
  /** Warnings (stderr). */
  warn(line: string): void;
  /** Draw a progress bar (stdout is a terminal) instead of a plain line every few seconds. */
  tty: boolean;
  env: NodeJS.ProcessEnv;
  /** The `now` both scorecards are computed at. */
  now?: () => Date;
}

export interface MigrateSummary {
  read: number;
  appended: number;
  duplicates: number;
  seconds: number;
  deployments: number;
}

const PAGE = 5000;
const PLAIN_PROGRESS_EVERY_MS = 5000;
const URL_SCHEMES: Record<Exclude<MigrateEngine, 'sqlite'>, { env: string; schemes: string[]; example: string }> = {
  postgres: { env: 'BASELINER_POSTGRES_URL', schemes: ['postgres:', 'postgresql:'], example: 'postgres://user@host:5432/baseliner' },
  kurrentdb: { env: 'BASELINER_KURRENTDB_URL', schemes: ['kurrentdb:', 'kurrentdb+discover:', 'esdb:', 'esdb+discover:'], example: 'kurrentdb://host:2113?tls=false' },
};

type Role = 'source' | 'target';

interface Side {
  role: Role;
  settings: EventStoreSettings;
  /** What a person reads: engine and where (passwords hidden). */
  label: string;
  /** Equal for two sides that name the same store. */
  identity: string;
}

const count = (n: number): string => n.toLocaleString('en');
const flag = (role: Role, name: 'url' | 'data-dir'): string => (role === 'source' ? (name === 'url' ? '--from-url' : '--data-dir') : `--to-${name}`);

/**
 * `baseliner migrate`: copies the whole history from one engine to another in global order,
 * keeping every event's stream, revision, id, type, data and metadata, then proves the copy by
 * replaying both stores to the same scorecards. Safe to run again: ids are unique per stream, so
 * what is already there comes back as duplicates and is not stored twice.
 */
export async function migrate(options: MigrateOptions, io: MigrateIo): Promise<MigrateSummary> {
  const sourceSide = describeSide('source', options.from, { dataDir: options.dataDir, url: options.fromUrl }, io.env);
  const targetSide = describeSide('target', options.to, { dataDir: options.toDataDir, url: options.toUrl }, io.env);
  if (sourceSide.identity === targetSide.identity) {
    throw new CliError(`The source and the target are the same store (${sourceSide.label}): point --to-url or --to-data-dir at the new, empty store`);
  }
  if (sourceSide.settings.engine === 'sqlite' && !existsSync(join(sourceSide.settings.dataDir, 'events.db'))) {
    throw new CliError(`No event store at ${join(sourceSide.settings.dataDir, 'events.db')}: point --data-dir (or BASELINER_DATA_DIR) at the data directory of the server you migrate from`);
  }

  const source = await open(sourceSide);
  let target: EventStore | undefined;
  try {
    target = await open(targetSide);
    return await run(source, target, sourceSide, targetSide, io);
  } finally {
    await Promise.allSettled([source.close(), target?.close()]);
  }
}

function describeSide(role: Role, engine: string, where: { dataDir?: string; url?: string }, env: NodeJS.ProcessEnv): Side {
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

async function open(side: Side): Promise<EventStore> {
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

async function run(source: EventStore, target: EventStore, sourceSide: Side, targetSide: Side, io: MigrateIo): Promise<MigrateSummary> {
  const head = await source.headPosition();
  if (head === 0) throw new CliError(`The source (${sourceSide.label}) holds no events: nothing to copy. Check ${flag('source', sourceSide.settings.engine === 'sqlite' ? 'data-dir' : 'url')}`);
  io.out(`migrating ${sourceSide.label} → ${targetSide.label}`);
  io.warn(
    `warning: events are copied up to position ${count(head)}, the source's head now; events that arrive while this runs are not copied. ` +
      'Stop the intake first, or run the same command again afterwards to copy the rest.',
  );

  const present = await checkTargetIsPrefix(source, target, targetSide);
  io.out(present.events === 0 ? 'target: empty' : `target: already holds ${count(present.events)} events in ${count(present.streams)} streams, each the start of the source's stream: copying the rest`);

  const copied = await copy(source, target, head, io);
  io.out(
    `copied ${count(copied.read)} events in ${count(copied.replay.streams.size)} streams: ${count(copied.appended)} new, ${count(copied.duplicates)} already there (duplicates) ` +
      `in ${copied.seconds.toFixed(1)} s, ${count(Math.round(copied.read / Math.max(copied.seconds, 0.001)))} events/s`,
  );

  const targetReplay = new Replay();
  for (let cursor = 0; ; ) {
    const page = await target.readAll({ fromPosition: cursor, maxCount: PAGE });
    if (page.length === 0) break;
    for (const event of page) targetReplay.add(event);
    cursor = (page[page.length - 1] as RecordedEvent).position;
  }
  const now = io.now?.() ?? new Date();
  const deployments = compare(copied.replay, targetReplay, now);
  io.out(`verified: ${count(deployments)} deployments, ${count(copied.replay.events)} events, scorecards identical`);
  return { read: copied.read, appended: copied.appended, duplicates: copied.duplicates, seconds: copied.seconds, deployments };
}

/**
 * The target may only hold what an earlier run of this command copied: for every stream it
 * holds, its events must be the source's first events of that stream, id for id.
 */
async function checkTargetIsPrefix(source: EventStore, target: EventStore, targetSide: Side): Promise<{ events: number; streams: number }> {
  const streams = new Set<string>();
  let events = 0;
  for (let cursor = 0; ; ) {
    const page = await target.readAll({ fromPosition: cursor, maxCount: PAGE });
    if (page.length === 0) break;
    const byStream = new Map<string, RecordedEvent[]>();
    for (const event of page) {
      const list = byStream.get(event.streamId);
      if (list) list.push(event);
      else byStream.set(event.streamId, [event]);
    }
    for (const [streamId, theirs] of byStream) {
      const first = (theirs[0] as RecordedEvent).revision;
      const last = (theirs[theirs.length - 1] as RecordedEvent).revision;
      const ours = new Map((await source.readStream(streamId, { fromRevision: first, maxCount: last - first + 1 })).map((e) => [e.revision, e.id]));
      for (const event of theirs) {
        const expected = ours.get(event.revision);
        if (expected === event.id) continue;
        const found = expected === undefined
          ? `the source has no event at that revision${first === 0 && ours.size === 0 ? ' (no such stream)' : ''}`
          : `the source's event there is ${expected}`;
        throw new CliError(
          `The target (${targetSide.label}) already holds events that are not a copy of the source's: stream ${streamId} has event ${event.id} at revision ${event.revision}, ` +
            `but ${found}. Nothing was copied. Migrate into an empty store (a new database, or drop the target's baseliner schema), or point --to-url/--to-data-dir elsewhere`,
        );
      }
      streams.add(streamId);
    }
    events += page.length;
    cursor = (page[page.length - 1] as RecordedEvent).position;
  }
  return { events, streams: streams.size };
}

/** Consecutive events of one stream: one append each. */
function runsOf(events: RecordedEvent[]): RecordedEvent[][] {
  const runs: RecordedEvent[][] = [];
  let current: RecordedEvent[] | undefined;
  for (const event of events) {
    if (current && (current[0] as RecordedEvent).streamId === event.streamId) current.push(event);
    else runs.push((current = [event]));
  }
  return runs;
}

function asNewEvent(event: RecordedEvent): NewEvent {
  const metadata = event.metadata;
  return { id: event.id, type: event.type, data: event.data, ...(metadata && Object.keys(metadata).length > 0 && { metadata }) };
}

async function copy(source: EventStore, target: EventStore, head: number, io: MigrateIo) {
  // SQLite and PostgreSQL commit appends in the order they were made (one group-commit queue), so
  // a page's appends can be in flight together; KurrentDB runs streams side by side: one at a time.
  const pipelined = target.engine === 'sqlite' || target.engine === 'postgres';
  const replay = new Replay();
  const progress = new CopyProgress(head, io);
  let interrupted = false;
  const onInterrupt = () => (interrupted = true);
  process.once('SIGINT', onInterrupt);
  let read = 0;
  let appended = 0;
  let duplicates = 0;
  let lastStored = 0;
  const started = Date.now();
  try {
    for (let cursor = 0; cursor < head; ) {
      const page = (await source.readAll({ fromPosition: cursor, maxCount: PAGE })).filter((e) => e.position <= head);
      if (page.length === 0) break;
      const runs = runsOf(page);
      const outcomes = pipelined
        ? await Promise.allSettled(runs.map((r) => target.append((r[0] as RecordedEvent).streamId, r.map(asNewEvent), { expectedRevision: 'any' })))
        : await sequentially(runs, (r) => target.append((r[0] as RecordedEvent).streamId, r.map(asNewEvent), { expectedRevision: 'any' }));
      const failed = outcomes.findIndex((o) => o.status === 'rejected');
      if (failed !== -1) {
        const reason = ((outcomes[failed] as PromiseRejectedResult).reason as Error)?.message;
        const storedAfter = outcomes.slice(failed + 1).some((o) => o.status === 'fulfilled' && o.value.appendedIds.length > 0);
        throw new CliError(
          `Copying stream ${(runs[failed]?.[0] as RecordedEvent).streamId} failed: ${reason}. ` +
            (storedAfter
              ? 'Later events were stored after it, so the target no longer follows the source’s order: empty the target and run migrate again'
              : `${count(appended)} events were copied this run; run the same command again to resume`),
        );
      }
      outcomes.forEach((outcome, i) => {
        const result = (outcome as PromiseFulfilledResult<AppendResult>).value;
        const last = (runs[i] as RecordedEvent[])[(runs[i] as RecordedEvent[]).length - 1] as RecordedEvent;
        appended += result.appendedIds.length;
        duplicates += result.duplicateIds.length;
        if (result.appendedIds.length === 0) return;
        // Stored: it must have landed at the source's revisions, after everything stored before.
        if (result.nextExpectedRevision !== last.revision || result.position <= lastStored) {
          throw new CliError(
            `Stream ${last.streamId} in the target is at revision ${result.nextExpectedRevision} after copying the source's revision ${last.revision}: ` +
              'something else writes to the target. Stop it, empty the target and run migrate again',
          );
        }
        lastStored = result.position;
      });
      for (const event of page) replay.add(event);
      read += page.length;
      cursor = (page[page.length - 1] as RecordedEvent).position;
      progress.update(cursor, read, started);
      if (interrupted) {
        progress.stop();
        throw new CliError(`Interrupted after ${count(read)} events (position ${count(cursor)} of ${count(head)}); run the same command again to resume`);
      }
    }
  } finally {
    progress.stop();
    process.removeListener('SIGINT', onInterrupt);
  }
  return { read, appended, duplicates, seconds: (Date.now() - started) / 1000, replay };
}

async function sequentially<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const outcomes: PromiseSettledResult<R>[] = [];
  for (const item of items) {
    try {
      outcomes.push({ status: 'fulfilled', value: await work(item) });
    } catch (reason) {
      outcomes.push({ status: 'rejected', reason });
      break;
    }
  }
  return outcomes;
}

/** A bar on a terminal; otherwise a plain line every few seconds (logs, CI). */
class CopyProgress {
  private readonly bar: SingleBar | undefined;
  private lastLine = Date.now();
  private stopped = false;

  constructor(
    private readonly head: number,
    private readonly io: MigrateIo,
  ) {
    if (io.tty) {
      this.bar = new SingleBar(
        { stream: process.stdout, format: 'copying |{bar}| {percentage}% | {events} events | {rate} events/s | ETA {eta_formatted}', hideCursor: true },
        Presets.shades_classic,
      );
      this.bar.start(head, 0, { events: '0', rate: '0' });
    }
  }

  update(position: number, events: number, started: number): void {
    const rate = count(Math.round(events / Math.max((Date.now() - started) / 1000, 0.001)));
    if (this.bar) return this.bar.update(Math.min(position, this.head), { events: count(events), rate });
    if (Date.now() - this.lastLine < PLAIN_PROGRESS_EVERY_MS) return;
    this.lastLine = Date.now();
    this.io.out(`copying: ${count(events)} events so far (${Math.floor((position / this.head) * 100)}% of the log), ${rate} events/s`);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.bar?.stop();
  }
}

/** One store's history folded: projections, and per stream the count and a digest of its ids in order. */
class Replay {
  readonly state: ProjectionState = emptyProjectionState();
  readonly streams = new Map<string, { events: number; ids: Hash }>();
  events = 0;

  add(event: RecordedEvent): void {
    applyRecordedEvent(this.state, event);
    let stream = this.streams.get(event.streamId);
    if (!stream) this.streams.set(event.streamId, (stream = { events: 0, ids: createHash('sha256') }));
    stream.events += 1;
    stream.ids.update(`${event.id}\n`);
    this.events += 1;
  }
}

/** Per stream the same events, per deployment the same scorecard; returns how many deployments. */
function compare(source: Replay, target: Replay, now: Date): number {
  const digests = (replay: Replay) => new Map([...replay.streams].map(([id, s]) => [id, { events: s.events, ids: s.ids.digest('hex') }]));
  const [ours, theirs] = [digests(source), digests(target)];
  for (const streamId of [...new Set([...ours.keys(), ...theirs.keys()])].sort()) {
    const [a, b] = [ours.get(streamId), theirs.get(streamId)];
    if (a?.events !== b?.events) {
      throw new CliError(`Verification failed: stream ${streamId} has ${count(a?.events ?? 0)} events in the source but ${count(b?.events ?? 0)} in the target`);
    }
    if (a?.ids !== b?.ids) throw new CliError(`Verification failed: stream ${streamId} holds other event ids, or in another order, in the target`);
  }
  const ids = [...new Set([...Object.keys(source.state.deployments), ...Object.keys(target.state.deployments)])].sort();
  for (const id of ids) {
    const card = (state: ProjectionState) => {
      const projection = state.deployments[id];
      return projection ? (JSON.parse(JSON.stringify(scorecardOf(projection, now) ?? null)) as unknown) : undefined;
    };
    const [a, b] = [card(source.state), card(target.state)];
    if (!isDeepStrictEqual(a, b)) {
      const where = firstDifference(a, b, '');
      throw new CliError(`Verification failed: deployment ${id} has a different scorecard in the target${where ? ` (first at ${where})` : ''}`);
    }
  }
  return ids.length;
}

function firstDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const key of keys) {
      const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
      if (found) return found;
    }
  }
  const shown = (value: unknown) => {
    const text = JSON.stringify(value) ?? 'nothing';
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  };
  return `${path || '.'}: ${shown(a)} in the source, ${shown(b)} in the target`;
}
