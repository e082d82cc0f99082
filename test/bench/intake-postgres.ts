// npm run bench:intake -- --store postgres: the HTTP intake on PostgreSQL against a raw multi-row
// INSERT loop on the same server, and one intake process against two, in one run.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { PostgresEventStore } from '@baseliner/event-store-postgres';
import { telemetryEventId } from '@baseliner/intake';
import { benchEvents } from './bench-events';
import { startBuiltServer } from './bench-server';
import { intakeRound } from './intake-raw';
import { BENCH_SECRETS, benchDatabase } from './postgres-bench-support';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const BATCH = 500;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** Busy share of all cores between two readings of /proc/stat: whether the machine, not the design, is the bound. */
function cpuTimes(): { busy: number; total: number } {
  const [, ...fields] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] as string).trim().split(/\s+/);
  const values = fields.map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const total = values.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}
const busyShare = (from: { busy: number; total: number }, to: { busy: number; total: number }) => (to.busy - from.busy) / Math.max(1, to.total - from.total);

/**
 * The floor every design pays: 500-row INSERT … SELECT FROM unnest into a table shaped and
 * indexed like the event table, autocommit (one fsync per batch), four connections — no
 * validation, no sequencer, no dedupe lookups. On one connection it is what a single ordered
 * writer could reach at best; on four, what PostgreSQL takes from writers in parallel.
 */
async function rawInsertRound(url: string, round: number, connections: number): Promise<number> {
  const pool = new Pool({ connectionString: url, max: connections });
  await pool.query(`CREATE TABLE raw_events (position bigserial PRIMARY KEY, stream_id text NOT NULL, category text NOT NULL, revision integer NOT NULL,
    event_id text NOT NULL, type text NOT NULL, data text NOT NULL, metadata text, recorded_at bigint NOT NULL);
    CREATE UNIQUE INDEX ON raw_events (stream_id, event_id); CREATE INDEX ON raw_events (category, position);`);
  const bodies = Array.from({ length: 8 }, (_, b) => benchEvents('bench', `raw${round}-${b}`, BATCH).map((e) => JSON.stringify(e)));
  let next = 0;
  let inserted = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const n = next++;
      const data = bodies[n % bodies.length] as string[];
      await pool.query(
        `INSERT INTO raw_events (stream_id, category, revision, event_id, type, data, metadata, recorded_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::integer[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[])`,
        [
          data.map(() => `telemetry-bench-${n % 4}`),
          data.map(() => 'telemetry'),
          data.map((_, i) => n * BATCH + i),
          data.map((_, i) => telemetryEventId('bench', 'raw', `${round}-${n}-${i}`)),
          data.map(() => 'task.completed'),
          data,
          data.map(() => null),
          data.map(() => Date.now()),
        ],
      );
      inserted += data.length;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const rate = inserted / ((performance.now() - started) / 1000);
  await pool.end();
  return rate;
}

/** The intake service in-process on the PostgreSQL store: validation, pseudonymisation, dedupe, ordered append. */
async function inProcessRound(url: string, round: number): Promise<number> {
  const store = await PostgresEventStore.connect({ url });
  const rate = await intakeRound(store, `inproc${round}`, SECONDS, CONCURRENCY);
  await store.close();
  return rate;
}

function runClient(url: string, key: string, concurrency: number, prefix: string): Promise<{ accepted: number; seconds: number; p50Ms: number; p99Ms: number }> {
  const child = spawn(process.execPath, [join(__dirname, 'intake-client.js'), url, key, String(SECONDS), String(concurrency), prefix], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim())) : reject(new Error(`load client exited ${code}`)))));
}

/** `intakes` intake processes on one database, each driven by its own load client; events/s in total. */
async function httpRound(url: string, intakes: number, round: number): Promise<{ rate: number; p50Ms: number; p99Ms: number; cpuBusy: number }> {
  const env = { BASELINER_EVENT_STORE: 'postgres', BASELINER_POSTGRES_URL: url, BASELINER_INGEST_RATE_LIMIT: '0', ...BENCH_SECRETS };
  const dirs = Array.from({ length: intakes }, () => mkdtempSync(join(tmpdir(), 'baseliner-bench-pg-')));
  const servers = await Promise.all(dirs.map((dir) => startBuiltServer(dir, { app: 'intake', env })));
  const adminPost = async (path: string, body?: unknown) =>
    (await fetch(`${servers[0]?.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BENCH_SECRETS.BASELINER_ADMIN_TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then((r) => r.json())) as Record<string, string>;
  await adminPost('/v1/deployments', { id: 'bench', name: 'Benchmark', owner: { name: 'Dana Reyes', email: 'dana.reyes@example.com' }, criteria: [{ metric: 'task_duration_p50', relativeChange: -0.3 }] });
  const { key } = await adminPost('/v1/deployments/bench/keys');
  // Every intake must know the key (it learns it from the log) before the clock starts.
  for (const server of servers) {
    for (let tries = 0; tries < 100; tries += 1) {
      const probe = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '[]' });
      if (probe.status !== 401) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const cpuBefore = cpuTimes();
  const results = await Promise.all(servers.map((server, i) => runClient(server.url, key as string, CONCURRENCY, `http${intakes}-${round}-${i}`)));
  const cpuBusy = busyShare(cpuBefore, cpuTimes());
  for (const server of servers) server.server.kill('SIGTERM');
  await Promise.all(servers.map((s) => new Promise((r) => s.server.once('exit', r))));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  const seconds = Math.max(...results.map((r) => r.seconds));
  return { rate: results.reduce((sum, r) => sum + r.accepted, 0) / seconds, p50Ms: median(results.map((r) => r.p50Ms)), p99Ms: Math.max(...results.map((r) => r.p99Ms)), cpuBusy };
}

export async function postgresIntakeBench(): Promise<void> {
  console.log(`intake benchmark on PostgreSQL: ${ROUNDS} rounds × ${SECONDS} s per measure, ${BATCH}-event batches, ${CONCURRENCY} requests in flight per load client`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  type Http = { rate: number; p50Ms: number; p99Ms: number; cpuBusy: number };
  const rows: { raw1: number; raw4: number; inProcess: number; one: Http; two: Http }[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    // Each measure on a fresh database, interleaved within the round so all see the same noise.
    const measure = async <T>(work: (url: string) => Promise<T>): Promise<T> => {
      const db = await benchDatabase();
      try {
        return await work(db.url);
      } finally {
        await db.drop();
      }
    };
    const raw1 = await measure((url) => rawInsertRound(url, round, 1));
    const raw4 = await measure((url) => rawInsertRound(url, round, 4));
    const inProcess = await measure((url) => inProcessRound(url, round));
    const one = await measure((url) => httpRound(url, 1, round));
    const two = await measure((url) => httpRound(url, 2, round));
    rows.push({ raw1, raw4, inProcess, one, two });
    console.log(
      `round ${round + 1}: raw INSERT ${Math.round(raw1)} rows/s (1 connection), ${Math.round(raw4)} (4); intake in-process ${Math.round(inProcess)}; ` +
        `HTTP 1 intake ${Math.round(one.rate)} (CPU ${(one.cpuBusy * 100).toFixed(0)}% busy), 2 intakes ${Math.round(two.rate)} events/s (CPU ${(two.cpuBusy * 100).toFixed(0)}%)`,
    );
  }
  const raw1 = median(rows.map((r) => r.raw1));
  const raw = median(rows.map((r) => r.raw4));
  const inProcess = median(rows.map((r) => r.inProcess));
  const one = median(rows.map((r) => r.one.rate));
  const two = median(rows.map((r) => r.two.rate));
  const summary = {
    date: new Date().toISOString(), store: 'postgres', cpus: cpus().length, node: process.version, seconds: SECONDS, rounds: ROUNDS, concurrency: CONCURRENCY, batch: BATCH,
    rawInsertOneConnectionRowsPerSecond: Math.round(raw1),
    rawInsertFourConnectionsRowsPerSecond: Math.round(raw),
    intakeInProcessEventsPerSecond: Math.round(inProcess),
    httpOneIntakeEventsPerSecond: Math.round(one),
    httpTwoIntakesEventsPerSecond: Math.round(two),
    httpToRawInsertOneConnectionRatio: Number((one / raw1).toFixed(3)),
    httpToRawInsertFourConnectionsRatio: Number((one / raw).toFixed(3)),
    cpuBusyOneIntake: Number(median(rows.map((r) => r.one.cpuBusy)).toFixed(2)),
    cpuBusyTwoIntakes: Number(median(rows.map((r) => r.two.cpuBusy)).toFixed(2)),
    twoToOneIntakeRatio: Number((two / one).toFixed(3)),
    httpRequestP50Ms: Number(median(rows.map((r) => r.one.p50Ms)).toFixed(1)),
    httpRequestP99Ms: Number(median(rows.map((r) => r.one.p99Ms)).toFixed(1)),
  };
  console.log(`\nmedian raw multi-row INSERT : ${summary.rawInsertOneConnectionRowsPerSecond} rows/s on 1 connection, ${summary.rawInsertFourConnectionsRowsPerSecond} on 4`);
  console.log(`median intake in-process   : ${summary.intakeInProcessEventsPerSecond} events/s`);
  console.log(`median HTTP, 1 intake      : ${summary.httpOneIntakeEventsPerSecond} events/s (request p50 ${summary.httpRequestP50Ms} ms, p99 ${summary.httpRequestP99Ms} ms)`);
  console.log(`median HTTP, 2 intakes     : ${summary.httpTwoIntakesEventsPerSecond} events/s`);
  console.log(`HTTP (1 intake) / raw      : ${(summary.httpToRawInsertOneConnectionRatio * 100).toFixed(0)}% of 1 connection, ${(summary.httpToRawInsertFourConnectionsRatio * 100).toFixed(0)}% of 4`);
  console.log(`2 intakes / 1 intake       : ${summary.twoToOneIntakeRatio.toFixed(2)}× (machine CPU busy ${(summary.cpuBusyOneIntake * 100).toFixed(0)}% with 1, ${(summary.cpuBusyTwoIntakes * 100).toFixed(0)}% with 2)`);
  mkdirSync('reports', { recursive: true });
  writeFileSync('reports/bench-intake-postgres.json', `${JSON.stringify(summary, null, 2)}\n`);
}
