// The intake's raw limit on the embedded store, shared by bench:intake and bench:kafka.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '@baseliner/event-store';
import { SqliteEventStore } from '@baseliner/event-store-sqlite';
import { ActorPseudonymiser, IntakeService } from '@baseliner/intake';
import { benchEvents } from './bench-events';

const BATCH = 500;

/**
 * validate + pseudonymise + durable SQLite insert, in-process, the same concurrency, no HTTP or
 * JSON parsing; for `seconds`, or until `maxEvents` are sent (pass Infinity seconds for a count).
 */
export async function rawRound(round: number, seconds: number, concurrency: number, maxEvents = Infinity): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'baseliner-bench-raw-'));
  const store = new SqliteEventStore({ path: join(dir, 'events.db') });
  const rate = await intakeRound(store, `raw${round}`, seconds, concurrency, maxEvents);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

/** The intake service on a store for `seconds` (or `maxEvents`), `concurrency` batches in flight: accepted events/s. */
export async function intakeRound(store: EventStore, prefix: string, seconds: number, concurrency: number, maxEvents = Infinity): Promise<number> {
  const intake = new IntakeService({ store, pseudonymiser: new ActorPseudonymiser('k'.repeat(32)), phaseOf: () => 'live' });
  // A few batches made before the clock starts, given fresh ids for each use (cheap), so the
  // measurement is the intake's work, as on the HTTP side where bodies are made beforehand too.
  const pool = Array.from({ length: concurrency * 2 }, () => benchEvents('bench', 'pool', BATCH));
  let next = 0;
  let accepted = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline && next * BATCH < maxEvents) {
      const batch = pool[next % pool.length] as Record<string, unknown>[];
      batch.forEach((event, i) => (event.id = `${prefix}-${next}-${i}`));
      next += 1;
      const outcome = await intake.ingest('bench', batch, new Date());
      accepted += outcome.accepted;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return accepted / ((performance.now() - started) / 1000);
}

