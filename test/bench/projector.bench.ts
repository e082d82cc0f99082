// npm run bench:projector — replay throughput, resume time, /metrics latency and event-loop stall,
// peak memory, for many deployments and a large history. BENCH_SIZE=small is the CI smoke run.
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent } from '@baseliner/event-store';
import { SqliteEventStore, SqliteSnapshotStore } from '@baseliner/event-store-sqlite';
import { applyRecordedEvent, emptyProjectionState, ProjectionSnapshots } from '@baseliner/projector';
import { emptySketch, scorecardOf, type DeploymentProjection } from '@baseliner/analytics';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startBuiltServer } from './bench-server';
import { postgresProjectorBench } from './projector-postgres';
import { peakRss, scrape } from './scrape';

const SMALL = process.env.BENCH_SIZE === 'small';
// `--store postgres --shards N` (test/bench/projector-postgres.ts) proves a larger portfolio by default.
const SHARDED = process.argv.includes('--shards');
const DEPLOYMENTS = Number(process.env.BENCH_DEPLOYMENTS ?? (SHARDED ? (SMALL ? 200 : 5000) : SMALL ? 50 : 1000));
const EVENTS = Number(process.env.BENCH_EVENTS ?? (SMALL ? 100_000 : 10_000_000));
const DAY = 86_400_000;
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

const now = Date.now();
const goLive = now - 60 * DAY;

function lifecycle(id: string): NewEvent[] {
  const at = new Date(goLive).toISOString();
  return [
    { id: randomUUID(), type: 'DeploymentRegistered', data: { id, name: `Deployment ${id}`, owner: { name: 'Dana Reyes', email: 'dana@example.com' }, timezone: 'Europe/Berlin', rampUpDays: 7, registeredAt: at, eligibleUsers: 40 } },
    { id: randomUUID(), type: 'CriteriaDefined', data: { criteria: [{ metric: 'task_duration_p50', relativeChange: -0.3 }, { metric: 'error_ratio', relativeChange: 0 }, { metric: 'adoption_ratio', atLeast: 0.5 }], definedAt: at } },
    { id: randomUUID(), type: 'WentLive', data: { at, recordedAt: at } },
  ];
}

/** Telemetry as the intake stores it: pseudonymised CloudEvents spread over 90 days of event time. */
function telemetry(id: string, start: number, count: number): NewEvent[] {
  const events: NewEvent[] = [];
  for (let i = start; i < start + count; i += 1) {
    const time = new Date(now - 90 * DAY + ((i * 7919) % (90 * DAY / 1000)) * 1000).toISOString();
    const beforeGoLive = Date.parse(time) < goLive;
    const base = { specversion: '1.0', id: `${id}-${i}`, source: 'bench', time, deployment: id };
    const actor = `p_${(i % 40).toString().padStart(22, 'x')}`;
    const data =
      i % 10 === 0
        ? { ...base, type: 'ai.used', data: { actor } }
        : { ...base, type: 'task.completed', data: { taskId: `t${i}`, mode: beforeGoLive || i % 4 === 0 ? 'manual' : 'ai', outcome: i % 13 === 0 ? 'error' : 'success', durationSeconds: 30 + ((i * 31) % 900), actor } };
    events.push({ id: randomUUID(), type: data.type, data });
  }
  return events;
}

async function generate(path: string): Promise<number> {
  return generateInto(new SqliteEventStore({ path }));
}

/** Writes the benchmark history into a store (and closes it); seconds taken. */
async function generateInto(store: EventStore): Promise<number> {
  const started = performance.now();
  const ids = Array.from({ length: DEPLOYMENTS }, (_, i) => `dep-${i}`);
  await Promise.all(ids.map((id) => store.append(`deployment-${id}`, lifecycle(id), { expectedRevision: 'no_stream' })));
  const perDeployment = Math.floor(EVENTS / DEPLOYMENTS);
  const batch = 1000;
  let written = 0;
  // Batch k of every deployment before batch k+1 of any: interleaved as live traffic would be.
  const jobs: (() => Promise<unknown>)[] = [];
  for (let s = 0; s < perDeployment; s += batch) {
    for (const id of ids) jobs.push(() => store.append(`telemetry-${id}`, telemetry(id, s, Math.min(batch, perDeployment - s))));
  }
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      await (jobs[next++] as () => Promise<unknown>)();
      written += batch;
      if (written % 1_000_000 < batch) process.stdout.write(`  generated ${written.toLocaleString()} events\n`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  await store.close();
  return (performance.now() - started) / 1000;
}

async function replay(path: string, snapshotPath: string) {
  const store = new SqliteEventStore({ path });
  const head = await store.headPosition();
  const state = emptyProjectionState();
  const started = performance.now();
  const subscription = store.subscribeToAll({ fromPosition: 0 });
  for await (const event of subscription) {
    applyRecordedEvent(state, event);
    if (event.position >= head) break;
  }
  subscription.close();
  const seconds = (performance.now() - started) / 1000;
  // Cold: each deployment's first scorecard walks its whole verdict track; steady: the next one
  // computes only today (what the service does every few seconds).
  const evaluateStarted = performance.now();
  for (const projection of Object.values(state.deployments)) scorecardOf(projection, new Date());
  const evaluateMs = performance.now() - evaluateStarted;
  const steadyStarted = performance.now();
  for (const projection of Object.values(state.deployments)) scorecardOf(projection, new Date());
  const steadyEvaluateMs = performance.now() - steadyStarted;
  const snapshotStarted = performance.now();
  const snapshotFile = new SqliteSnapshotStore(snapshotPath);
  const bytes = await new ProjectionSnapshots(snapshotFile).saveDeployments(
    Object.values(state.deployments).map((projection) => ({ projection, checkpoint: state.checkpoint })),
    state.checkpoint,
  );
  await snapshotFile.close();
  const snapshotMs = performance.now() - snapshotStarted;
  await store.close();
  const memory = memoryBreakdown(Object.values(state.deployments));
  return { events: head, seconds, rate: head / seconds, evaluateMs, steadyEvaluateMs, snapshotMs, snapshotBytes: bytes, memory };
}

/** Heap and typed-array bytes in use after a full collection (`--expose-gc` is switched on here). */
function liveBytes(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/**
 * Where a projection's memory goes, per deployment: each part is dropped in turn and the live
 * bytes measured again (destroys the projections; run last).
 */
function memoryBreakdown(projections: DeploymentProjection[]): Record<string, number> {
  const perDeployment = (bytes: number) => Math.round(bytes / projections.length);
  const parts: [string, (p: DeploymentProjection) => void][] = [
    ['verdictTrack', (p) => delete p.verdictTrack],
    ['hourly', (p) => Object.values(p.days).forEach((day) => delete day.hourly)],
    ['durationSketches', (p) => Object.values(p.days).forEach((day) => Object.values(day.modes).forEach((m) => (m.durations = emptySketch())))],
    ['segmentDays', (p) => delete p.segmentDays],
    ['actors', (p) => (p.actors = {})],
    ['dayCounts', (p) => (p.days = {})],
  ];
  const breakdown: Record<string, number> = {};
  let before = liveBytes();
  const total = before;
  for (const [name, drop] of parts) {
    projections.forEach(drop);
    const after = liveBytes();
    breakdown[name] = perDeployment(before - after);
    before = after;
  }
  breakdown.allParts = perDeployment(total - before);
  return breakdown;
}

async function serve(dataDir: string) {
  const started = performance.now();
  const { server, url } = await startBuiltServer(dataDir);
  // Resumed: the log as it stood at start is projected (/readyz) and verdicts for every deployment
  // are on /metrics (the first evaluation follows catch-up).
  let metrics = '';
  while (!metrics.includes(`baseliner_deployment_verdict{deployment="dep-${DEPLOYMENTS - 1}"`)) {
    if ((await fetch(`${url}/readyz`)).status === 200) metrics = await (await fetch(`${url}/metrics`)).text();
    if (!metrics.includes('baseliner_deployment_verdict')) await new Promise((r) => setTimeout(r, 50));
  }
  const resumeSeconds = (performance.now() - started) / 1000;
  return { server, url, resumeSeconds, series: metrics.split('\n').filter((l) => l.startsWith('baseliner_')).length };
}

async function main(): Promise<void> {
  console.log(`projector benchmark: ${DEPLOYMENTS} deployments, ${EVENTS.toLocaleString()} events`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  // BENCH_DATA_DIR keeps a generated history between runs (generation is the slow part).
  const keep = process.env.BENCH_DATA_DIR;
  const dataDir = keep ?? mkdtempSync(join(tmpdir(), 'baseliner-bench-projector-'));
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'events.db');
  const snapshotPath = join(dataDir, 'projector.db');
  try {
    let generationSeconds = Number.NaN;
    if (!existsSync(path)) {
      generationSeconds = await generate(path);
      console.log(`generated in ${generationSeconds.toFixed(1)} s; store ${mib(statSync(path).size)} MiB`);
    } else {
      console.log(`reusing ${path} (${mib(statSync(path).size)} MiB)`);
    }
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${snapshotPath}${suffix}`, { force: true });

    // 1. Full replay in the service itself, from an empty projection: throughput and peak memory.
    const fromScratch = await serve(dataDir);
    const replaySeconds = fromScratch.resumeSeconds;
    const replayRss = peakRss(fromScratch.server.pid as number);
    fromScratch.server.kill('SIGTERM'); // saves the snapshot on the way out
    await new Promise((r) => fromScratch.server.once('exit', r));
    console.log(`service full replay to first verdicts: ${replaySeconds.toFixed(1)} s (${Math.round(EVENTS / replaySeconds).toLocaleString()} events/s incl. boot and first evaluation), peak RSS ${mib(replayRss)} MiB`);

    // 2. Replay throughput of the projection loop alone, in-process.
    const replayed = await replay(path, join(dataDir, 'bench-snapshot.db'));
    console.log(`per deployment, bytes: ${Object.entries(replayed.memory).map(([part, bytes]) => `${part} ${bytes.toLocaleString()}`).join(', ')}`);
    console.log(`projection loop: ${Math.round(replayed.rate).toLocaleString()} events/s (${replayed.seconds.toFixed(1)} s); evaluate all ${replayed.evaluateMs.toFixed(0)} ms with the verdict tracks, ${replayed.steadyEvaluateMs.toFixed(0)} ms again (steady); snapshot of all deployments ${replayed.snapshotMs.toFixed(0)} ms in total (written ${10} at a time by the service), ${mib(replayed.snapshotBytes)} MiB`);

    // 3. Restart from the snapshot the service saved, then scrape.
    const served = await serve(dataDir);
    console.log(`resume after restart (boot + snapshot + first verdicts on /metrics): ${served.resumeSeconds.toFixed(2)} s; ${served.series} series`);
    const scrapes = await scrape(served.url, SMALL ? 10 : 40);
    console.log(`/metrics: p50 ${scrapes.p50.toFixed(1)} ms, p99 ${scrapes.p99.toFixed(1)} ms; worst /healthz during a scrape ${scrapes.stallMax.toFixed(1)} ms (median ${scrapes.stallP50.toFixed(1)} ms)`);
    const serverRss = peakRss(served.server.pid as number);
    console.log(`resumed service peak RSS ${mib(serverRss)} MiB`);
    served.server.kill('SIGTERM');
    await new Promise((r) => served.server.once('exit', r));

    const summary = {
      date: new Date().toISOString(), cpus: cpus().length, node: process.version, deployments: DEPLOYMENTS, events: EVENTS,
      generationSeconds: Number(generationSeconds.toFixed(1)),
      replayEventsPerSecond: Math.round(replayed.rate),
      serviceFullReplaySeconds: Number(replaySeconds.toFixed(1)), serviceFullReplayPeakRssMiB: mib(replayRss),
      evaluateAllMs: Math.round(replayed.evaluateMs), steadyEvaluateAllMs: Math.round(replayed.steadyEvaluateMs), bytesPerDeployment: replayed.memory, snapshotMs: Math.round(replayed.snapshotMs), snapshotMiB: mib(replayed.snapshotBytes),
      resumeSeconds: Number(served.resumeSeconds.toFixed(2)), seriesTotal: served.series,
      metricsP50Ms: Number(scrapes.p50.toFixed(1)), metricsP99Ms: Number(scrapes.p99.toFixed(1)), scrapeStallMaxMs: Number(scrapes.stallMax.toFixed(1)),
      resumedPeakRssMiB: mib(serverRss),
    };
    mkdirSync('reports', { recursive: true });
    writeFileSync(`reports/bench-projector${SMALL ? '-small' : ''}.json`, `${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    if (!keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** `--store postgres` measures the projector reading from PostgreSQL instead of the embedded store. */
const store = process.argv.includes('--store') ? process.argv[process.argv.indexOf('--store') + 1] : 'sqlite';
if (store !== 'sqlite' && store !== 'postgres') {
  console.error(`--store ${store}: the projector benchmark runs on sqlite (default) or postgres`);
  process.exit(2);
}
(store === 'postgres' ? postgresProjectorBench({ events: EVENTS, deployments: DEPLOYMENTS, generateInto }) : main()).catch((error) => {
  console.error(error);
  process.exit(1);
});
