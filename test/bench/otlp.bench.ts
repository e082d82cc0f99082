// npm run bench:otlp — the OTLP/HTTP intake (protobuf log exports to POST /otlp/v1/logs) against
// the HTTP intake (CloudEvents batches to POST /v1/events), in one run, rounds interleaved.
// Run from the built output (dist/) so both sides execute the same compiled code.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { startBuiltServer } from './bench-server';
import { encodeOtlpExports, exportsFor, writeExports } from './otlp-client';
import { median } from './scrape';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const BATCH = 500;
const TARGET = 0.7;

type Transport = 'http' | 'otlp';
interface Round {
  rate: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU the server used while the client posted, in cores: the whole process and its main thread. */
  serverCores: number;
  serverMainCores: number;
  /** The same CPU over the events stored in that time, in µs an event: steadier than the rate on a shared machine. */
  serverMicrosPerEvent: number;
  serverMainMicrosPerEvent: number;
  /** Load average (1 min) when the client finished. */
  load1: number;
}

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();

function run(command: string, args: string[]): { child: ChildProcess; stdout: Promise<string> } {
  const child = spawn(process.execPath, [command, ...args], { env: process.env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  const stdout = new Promise<string>((resolveOut, reject) => {
    child.once('exit', (code) => (code === 0 || code === null ? resolveOut(out) : reject(new Error(`${command} exited ${code}`))));
  });
  return { child, stdout };
}

/** CPU seconds (user + system) of a process or one of its threads, from /proc. */
function cpuSeconds(pid: number, tid?: number): number {
  const path = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
  // Fields after the command name (which may contain spaces): utime and stime are the 12th and 13th.
  const fields = readFileSync(path, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
}

/** Events counted by the server (`baseliner_events_received_total`), by result. */
async function receivedByResult(url: string): Promise<Map<string, number> | undefined> {
  const response = await fetch(`${url}/metrics`);
  if (response.status !== 200) return undefined; // BASELINER_METRICS_TOKEN set: not checked
  const counts = new Map<string, number>();
  for (const match of (await response.text()).matchAll(/^baseliner_events_received_total\{[^}]*result="(\w+)"[^}]*\} (\d+)/gm)) {
    counts.set(match[1] as string, (counts.get(match[1] as string) ?? 0) + Number(match[2]));
  }
  return counts;
}

/** One measure on a fresh server and data dir: a deployment, a key, then the client for SECONDS. */
async function round(transport: Transport, index: number, exportsFile: string): Promise<Round> {
  const dataDir = mkdtempSync(join(tmpdir(), `baseliner-bench-${transport}-`));
  const { server, url } = await startBuiltServer(dataDir);
  try {
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
    const pid = server.pid as number;
    const client = run(join(__dirname, transport === 'http' ? 'intake-client.js' : 'otlp-client.js'), [
      url,
      key as string,
      String(SECONDS),
      String(CONCURRENCY),
      `${transport}${index}`,
      ...(transport === 'otlp' ? [exportsFile] : []),
    ]);
    // The server's CPU is read from the first events stored on (the client reads or makes its
    // bodies first) to the client's end, and set against the events stored in that time.
    let cpuAtStart: { all: number; main: number; at: number; events: number } | undefined;
    const startWatch = (async () => {
      const baseline = sum(await receivedByResult(url));
      while (client.child.exitCode === null) {
        const events = sum(await receivedByResult(url));
        if (events > baseline) {
          cpuAtStart = { all: cpuSeconds(pid), main: cpuSeconds(pid, pid), at: performance.now(), events };
          return;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const result = JSON.parse((await client.stdout).trim()) as { accepted: number; seconds: number; p50Ms: number; p99Ms: number; exhausted?: boolean };
    await startWatch;
    const cpuAtEnd = { all: cpuSeconds(pid), main: cpuSeconds(pid, pid), at: performance.now() };
    const load1 = Number(loadavg().split(' ')[0]);
    const counted = await receivedByResult(url);
    const span = cpuAtStart ? (cpuAtEnd.at - cpuAtStart.at) / 1000 : NaN;
    const eventsInWindow = cpuAtStart ? sum(counted) - cpuAtStart.events : NaN;
    const cpu = cpuAtStart ? { all: cpuAtEnd.all - cpuAtStart.all, main: cpuAtEnd.main - cpuAtStart.main } : { all: NaN, main: NaN };
    if (counted && ((counted.get('accepted') ?? 0) !== result.accepted || (counted.get('duplicate') ?? 0) > 0 || (counted.get('rejected') ?? 0) > 0)) {
      throw new Error(`${transport}: the client counted ${result.accepted} accepted, the server ${JSON.stringify(Object.fromEntries(counted))}`);
    }
    if (result.exhausted) console.log(`  (${transport} round ${index + 1}: the client used every prepared body before the ${SECONDS} s were up)`);
    return {
      rate: result.accepted / result.seconds,
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      serverCores: cpu.all / span,
      serverMainCores: cpu.main / span,
      serverMicrosPerEvent: (cpu.all / eventsInWindow) * 1e6,
      serverMainMicrosPerEvent: (cpu.main / eventsInWindow) * 1e6,
      load1,
    };
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => (server.exitCode === null ? server.once('exit', r) : r(undefined)));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function sum(counts: Map<string, number> | undefined): number {
  let total = 0;
  for (const n of counts?.values() ?? []) total += n;
  return total;
}

const fmt = (r: Round) =>
  `${Math.round(r.rate)} events/s (p50 ${r.p50Ms.toFixed(0)} ms, p99 ${r.p99Ms.toFixed(0)} ms; server ${r.serverCores.toFixed(2)} cores, main thread ${r.serverMainCores.toFixed(2)}: ${r.serverMicrosPerEvent.toFixed(0)} µs / ${r.serverMainMicrosPerEvent.toFixed(0)} µs an event; load ${r.load1.toFixed(2)})`;

async function main(): Promise<void> {
  const loadBefore = loadavg();
  console.log(`OTLP intake benchmark: ${ROUNDS} rounds × ${SECONDS} s, ${BATCH}-record exports (protobuf) against ${BATCH}-event batches (JSON), ${CONCURRENCY} requests in flight`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  console.log(`load average before: ${loadBefore}`);
  // The protobuf exports are encoded once, before any round, by the OpenTelemetry SDK (~15-25 µs a record here),
  // so the clients only read them: rounds follow one another closely.
  const workDir = mkdtempSync(join(tmpdir(), 'baseliner-bench-otlp-exports-'));
  const exportsFile = join(workDir, 'exports.bin');
  const encodeStarted = performance.now();
  const encoded = encodeOtlpExports('otlp', exportsFor(SECONDS), BATCH);
  const encodeSeconds = (performance.now() - encodeStarted) / 1000;
  const bytesPerExport = encoded.reduce((sum, bytes) => sum + bytes.byteLength, 0) / encoded.length;
  writeExports(exportsFile, encoded);
  encoded.length = 0;
  console.log(`${exportsFor(SECONDS)} exports of ${BATCH} log records encoded with ProtobufLogsSerializer in ${encodeSeconds.toFixed(1)} s: ${(bytesPerExport / 1024).toFixed(0)} KiB an export`);
  const results: Record<Transport, Round[]> = { http: [], otlp: [] };
  for (let index = 0; index < ROUNDS; index += 1) {
    // Interleaved, in alternating order, so both see the same machine noise and neither always goes first.
    const order: Transport[] = index % 2 === 0 ? ['http', 'otlp'] : ['otlp', 'http'];
    for (const transport of order) results[transport].push(await round(transport, index, exportsFile));
    const http = results.http[index] as Round;
    const otlp = results.otlp[index] as Round;
    console.log(`round ${index + 1} (${order.join(' then ')}):`);
    console.log(`  http ${fmt(http)}`);
    console.log(`  otlp ${fmt(otlp)}`);
  }
  rmSync(workDir, { recursive: true, force: true });
  const loadAfter = loadavg();
  const med = (transport: Transport, field: keyof Round) => median(results[transport].map((r) => r[field] as number));
  const httpRate = med('http', 'rate');
  const otlpRate = med('otlp', 'rate');
  const ratio = otlpRate / httpRate;
  const summary = {
    date: new Date().toISOString(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    node: process.version,
    seconds: SECONDS,
    rounds: ROUNDS,
    concurrency: CONCURRENCY,
    batch: BATCH,
    otlpBytesPerExport: Math.round(bytesPerExport),
    otlpEncodeSeconds: Number(encodeSeconds.toFixed(1)),
    loadBefore,
    loadAfter,
    httpEventsPerSecond: Math.round(httpRate),
    otlpEventsPerSecond: Math.round(otlpRate),
    otlpToHttpRatio: Number(ratio.toFixed(3)),
    target: TARGET,
    targetMet: ratio >= TARGET,
    httpRequestP50Ms: Number(med('http', 'p50Ms').toFixed(1)),
    httpRequestP99Ms: Number(med('http', 'p99Ms').toFixed(1)),
    otlpRequestP50Ms: Number(med('otlp', 'p50Ms').toFixed(1)),
    otlpRequestP99Ms: Number(med('otlp', 'p99Ms').toFixed(1)),
    httpServerCores: Number(med('http', 'serverCores').toFixed(2)),
    otlpServerCores: Number(med('otlp', 'serverCores').toFixed(2)),
    httpServerMainThreadCores: Number(med('http', 'serverMainCores').toFixed(2)),
    otlpServerMainThreadCores: Number(med('otlp', 'serverMainCores').toFixed(2)),
    httpServerCpuMicrosPerEvent: Math.round(med('http', 'serverMicrosPerEvent')),
    otlpServerCpuMicrosPerEvent: Math.round(med('otlp', 'serverMicrosPerEvent')),
    httpMainThreadMicrosPerEvent: Math.round(med('http', 'serverMainMicrosPerEvent')),
    otlpMainThreadMicrosPerEvent: Math.round(med('otlp', 'serverMainMicrosPerEvent')),
    perRound: results,
  };
  console.log(`\nmedian HTTP intake (POST /v1/events, JSON)       : ${summary.httpEventsPerSecond} events/s (request p50 ${summary.httpRequestP50Ms} ms, p99 ${summary.httpRequestP99Ms} ms)`);
  console.log(`median OTLP intake (POST /otlp/v1/logs, protobuf): ${summary.otlpEventsPerSecond} events/s (request p50 ${summary.otlpRequestP50Ms} ms, p99 ${summary.otlpRequestP99Ms} ms)`);
  console.log(
    `server CPU (medians): http ${summary.httpServerCores} cores, ${summary.httpServerCpuMicrosPerEvent} µs an event (main thread ${summary.httpMainThreadMicrosPerEvent} µs); ` +
      `otlp ${summary.otlpServerCores} cores, ${summary.otlpServerCpuMicrosPerEvent} µs an event (main thread ${summary.otlpMainThreadMicrosPerEvent} µs)`,
  );
  console.log(`OTLP / HTTP: ${(ratio * 100).toFixed(0)}% — target ≥ ${TARGET * 100}%: ${summary.targetMet ? 'met' : 'NOT met'}`);
  // What the ratio would be were the server alone on its cores and CPU-bound: steadier when the machine is shared.
  console.log(`OTLP / HTTP by server CPU an event: ${((summary.httpServerCpuMicrosPerEvent / summary.otlpServerCpuMicrosPerEvent) * 100).toFixed(0)}% (main thread ${((summary.httpMainThreadMicrosPerEvent / summary.otlpMainThreadMicrosPerEvent) * 100).toFixed(0)}%)`);
  console.log(`load average after: ${loadAfter}`);
  mkdirSync('reports', { recursive: true });
  writeFileSync('reports/bench-otlp.json', `${JSON.stringify(summary, null, 2)}\n`);
  const profileDir = /--cpu-prof-dir=(\S+)/.exec(process.env.BENCH_SERVER_NODE_ARGS ?? '')?.[1];
  if (profileDir) console.log(`server profiles: ${readdirSync(profileDir).join(', ')} in ${profileDir}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
