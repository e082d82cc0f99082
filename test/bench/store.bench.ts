// npm run bench:store — the embedded store alone, as it grows: appends of 500 events (ids shaped
// like the intake's: UUID-shaped digests, so in random order), 16 in flight, through the writer
// thread, into a fresh SQLite file. Prints the rate per 10% of the run, so a store that slows as
// it grows shows it, and the append latency (p50, p99, max), where the id tables' moves would
// show as stalls. BENCH_EVENTS (default 2,000,000) overrides the count.
import { SqliteEventStore } from '@baseliner/event-store-sqlite';
import { telemetryEventId, telemetryStream } from '@baseliner/intake';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2_000_000);
const BATCH = 500;
const IN_FLIGHT = 16;
const STEPS = 10;

// The intake's stored shape for a task.completed event (pseudonymised actor, envelope fields kept).
const DATA = {
  specversion: '1.0',
  source: 'bench/doc-svc',
  time: '2026-11-30T12:00:00.000Z',
  deployment: 'bench',
  data: { taskId: 'task-123456', mode: 'ai', outcome: 'success', durationSeconds: 321, actor: 'p'.repeat(43), costUsd: 0.02, segment: 'contracts' },
};

async function main(): Promise<void> {
  console.log(`Embedded store benchmark: ${EVENTS.toLocaleString('en-US')} events, ${BATCH}-event appends, ${IN_FLIGHT} in flight`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
  const dir = mkdtempSync(join(tmpdir(), 'baseliner-bench-store-'));
  const store = new SqliteEventStore({ path: join(dir, 'events.db') });
  const latencies: number[] = [];
  const stepRates: number[] = [];
  const stepSize = EVENTS / STEPS;
  let nextBatch = 0;
  let stored = 0;
  const started = performance.now();
  let stepStarted = started;
  const worker = async () => {
    while (nextBatch * BATCH < EVENTS) {
      const batch = nextBatch++;
      const events = Array.from({ length: BATCH }, (_, i) => ({ id: telemetryEventId('bench', DATA.source, `${batch}-${i}`), type: 'task.completed', data: DATA }));
      const sent = performance.now();
      await store.append(telemetryStream('bench'), events);
      latencies.push(performance.now() - sent);
      stored += BATCH;
      if (stored % stepSize === 0) {
        const now = performance.now();
        stepRates.push(Math.round(stepSize / ((now - stepStarted) / 1000)));
        stepStarted = now;
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  rmSync(dir, { recursive: true, force: true });

  latencies.sort((a, b) => a - b);
  const quantile = (q: number) => Math.round(latencies[Math.floor(q * (latencies.length - 1))] as number);
  const summary = {
    events: EVENTS,
    eventsPerSecond: Math.round(EVENTS / seconds),
    eventsPerSecondByTenth: stepRates,
    appendMs: { p50: quantile(0.5), p99: quantile(0.99), max: quantile(1) },
  };
  console.log(`rate             : ${summary.eventsPerSecond.toLocaleString('en-US')} events/s`);
  console.log(`rate by tenth    : ${stepRates.map((r) => r.toLocaleString('en-US')).join(' · ')} events/s`);
  console.log(`append latency   : p50 ${summary.appendMs.p50} ms, p99 ${summary.appendMs.p99} ms, max ${summary.appendMs.max} ms`);
  mkdirSync('reports', { recursive: true });
  writeFileSync('reports/bench-store.json', `${JSON.stringify(summary, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
