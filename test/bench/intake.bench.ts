// npm run bench:intake — HTTP intake throughput against the raw in-process limit, in one run.
// Run from the built output (dist/) so both sides execute the same compiled code.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { startBuiltServer } from './bench-server';
import { rawRound } from './intake-raw';
import { postgresIntakeBench } from './intake-postgres';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const BATCH = 500;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): { child: ReturnType<typeof spawn>; stdout: Promise<string> } {
  const child = spawn(process.execPath, [command, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  const stdout = new Promise<string>((resolveOut, reject) => {
    child.once('exit', (code) => (code === 0 || code === null ? resolveOut(out) : reject(new Error(`${command} exited ${code}`))));
  });
  return { child, stdout };
}

async function httpRound(round: number): Promise<{ rate: number; p50Ms: number; p99Ms: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'baseliner-bench-http-'));
  const { server, url } = await startBuiltServer(dataDir);
  const token = readFileSync(join(dataDir, 'secrets', 'admin-token'), 'utf8').trim();
  const admin = (path: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then((r) => r.json() as Promise<Record<string, string>>);
  await admin('/v1/deployments', {
    id: 'bench',
    name: 'Benchmark',
    owner: { name: 'Dana Reyes', email: 'dana.reyes@example.com' },
    criteria: [{ metric: 'task_duration_p50', relativeChange: -0.3 }],
  });
  const { key } = await admin('/v1/deployments/bench/keys');
  const client = run(join(__dirname, 'intake-client.js'), [url, key as string, String(SECONDS), String(CONCURRENCY), `http${round}`]);
  const result = JSON.parse((await client.stdout).trim()) as { accepted: number; seconds: number; p50Ms: number; p99Ms: number };
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
  return { rate: result.accepted / result.seconds, p50Ms: result.p50Ms, p99Ms: result.p99Ms };
}

async function main(): Promise<void> {
  console.log(`intake benchmark: ${ROUNDS} rounds × ${SECONDS} s, ${BATCH}-event batches, ${CONCURRENCY} requests in flight`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  const raw: number[] = [];
  const http: { rate: number; p50Ms: number; p99Ms: number }[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    // Interleaved so both see the same machine noise.
    raw.push(await rawRound(round, SECONDS, CONCURRENCY));
    http.push(await httpRound(round));
    console.log(`round ${round + 1}: raw ${Math.round(raw[round] as number)} events/s, http ${Math.round((http[round] as { rate: number }).rate)} events/s`);
  }
  const rawMedian = median(raw);
  const httpMedian = median(http.map((h) => h.rate));
  const summary = {
    date: new Date().toISOString(),
    cpus: cpus().length,
    node: process.version,
    seconds: SECONDS,
    rounds: ROUNDS,
    concurrency: CONCURRENCY,
    batch: BATCH,
    rawEventsPerSecond: Math.round(rawMedian),
    httpEventsPerSecond: Math.round(httpMedian),
    httpToRawRatio: Number((httpMedian / rawMedian).toFixed(3)),
    httpRequestP50Ms: Number(median(http.map((h) => h.p50Ms)).toFixed(1)),
    httpRequestP99Ms: Number(median(http.map((h) => h.p99Ms)).toFixed(1)),
  };
  console.log(`\nmedian raw limit : ${summary.rawEventsPerSecond} events/s`);
  console.log(`median over HTTP : ${summary.httpEventsPerSecond} events/s (request p50 ${summary.httpRequestP50Ms} ms, p99 ${summary.httpRequestP99Ms} ms)`);
  console.log(`HTTP / raw       : ${(summary.httpToRawRatio * 100).toFixed(0)}%`);
  mkdirSync('reports', { recursive: true });
  writeFileSync('reports/bench-intake.json', `${JSON.stringify(summary, null, 2)}\n`);
}

/** `--store postgres` measures the intake on PostgreSQL instead of the embedded store. */
const store = process.argv.includes('--store') ? process.argv[process.argv.indexOf('--store') + 1] : 'sqlite';
if (store !== 'sqlite' && store !== 'postgres') {
  console.error(`--store ${store}: the intake benchmark runs on sqlite (default) or postgres`);
  process.exit(2);
}
(store === 'postgres' ? postgresIntakeBench() : main()).catch((error) => {
  console.error(error);
  process.exit(1);
});
