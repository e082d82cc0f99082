import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EventStore } from '@baseliner/event-store';
import { CliError } from './api';
import { checkTargetIsPrefix, copy } from './migrate-copy';
import { count, describeSide, flag, openSide, type Side } from './migrate-stores';
import { compare, replayOf } from './migrate-verify';

export { MIGRATE_ENGINES, type MigrateEngine } from './migrate-stores';

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

/**
 * `baseliner migrate`: copies the whole history from one engine to another in global order,
 * keeping every event's stream, revision, id, type, data and metadata, then proves the copy by
 * replaying both stores to the same scorecards. Safe to run again: ids are unique per stream, so
 * what is already there comes back as duplicates and is not stored twice.
 * The steps: the two stores (`migrate-stores.ts`), the copy (`migrate-copy.ts`), the proof (`migrate-verify.ts`).
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

  const source = await openSide(sourceSide);
  let target: EventStore | undefined;
  try {
    target = await openSide(targetSide);
    return await run(source, target, sourceSide, targetSide, io);
  } finally {
    await Promise.allSettled([source.close(), target?.close()]);
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

  const targetReplay = await replayOf(target);
  const now = io.now?.() ?? new Date();
  const deployments = compare(copied.replay, targetReplay, now);
  io.out(`verified: ${count(deployments)} deployments, ${count(copied.replay.events)} events, scorecards identical`);
  return { read: copied.read, appended: copied.appended, duplicates: copied.duplicates, seconds: copied.seconds, deployments };
}
