// npm run bench:overload — open-loop overload of the HTTP intake on loopback, with the health
// probes in their own process. Each round, on a fresh server and data dir:
//   1. capacity, closed loop (16 requests in flight, 5 s): the baseline the offered load is a multiple of;
//   2. an open loop of BENCH_OVERLOAD_RATE requests/s (default 150) × BENCH_OVERLOAD_BATCH events
//      (default 1,000) for BENCH_OVERLOAD_SECONDS (default 10), sent on schedule whatever the answers
//      (BENCH_OVERLOAD_FACTOR=3.5 instead: 3.5 × the capacity just measured, at most the rate);
//      meanwhile a separate process (overload-probe.js) times GET /healthz and GET /readyz every
//      250 ms each (5 s timeout) and the server's RSS is sampled every 100 ms;
//   3. SIGTERM, timed to exit.
// Prints each round and the medians over BENCH_OVERLOAD_ROUNDS rounds (default 3): probe p50/p99/max,
// requests answered / accepted / shed (503) / 429 (each refusal checked for Retry-After), peak RSS.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchEvents } from './bench-events';
import { startBuiltServer } from './bench-server';
import type { Probe } from './overload-probe';

const SECONDS = Number(process.env.BENCH_OVERLOAD_SECONDS ?? 10);
const RATE = Number(process.env.BENCH_OVERLOAD_RATE ?? 150);
/** Offered load as a multiple of the capacity measured in the same round (at most RATE); unset, RATE itself. */
const FACTOR = process.env.BENCH_OVERLOAD_FACTOR ? Number(process.env.BENCH_OVERLOAD_FACTOR) : undefined;
const BATCH = Number(process.env.BENCH_OVERLOAD_BATCH ?? 1_000);
const ROUNDS = Number(process.env.BENCH_OVERLOAD_ROUNDS ?? 3);
const PROBE_INTERVAL_MS = 250;
const PROBE_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 60_000;

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};
const median = (values: number[]) => quantile(values, 0.5);
const rssMiB = (pid: number) => {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
};

interface Outcome {
  /** When it was sent, ms after the open loop started. */
  at: number;
  status: number;
  ms: number;
  retryAfter: boolean;
  /** For status 0: why there was no answer. */
  error?: string;
}

interface RoundResult {
  capacity: number;
  rate: number;
  sent: number;
  outcomes: Outcome[];
  healthz: Probe[];
  readyz: Probe[];
  peakRss: number;
  acceptedEventsPerSecond: number;
  exitSeconds: number;
}

async function round(allBodies: Buffer[], warm: Buffer[]): Promise<RoundResult> {
  let bodies = allBodies;
  const dataDir = mkdtempSync(join(tmpdir(), 'baseliner-overload-'));
  const { server, url } = await startBuiltServer(dataDir);
  const pid = server.pid as number;
  try {
    const admin = readFileSync(join(dataDir, 'secrets', 'admin-token'), 'utf8').trim();
    const call = (path: string, body?: unknown) =>
      fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) }).then((r) => r.json());
    await call('/v1/deployments', { id: 'bench', name: 'bench', owner: { name: 'Dana Reyes', email: 'dana.reyes@example.com' } });
    const key = ((await call('/v1/deployments/bench/keys')) as { key: string }).key;
    const post = (body: Buffer, signal?: AbortSignal) =>
      fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/cloudevents-batch+json' }, body, signal });

    // Capacity, closed loop (16 in flight), 5 s. Refusals (at capacity) are not counted.
    let next = 0;
    let accepted = 0;
    const capacityStart = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (performance.now() - capacityStart < 5_000 && next < warm.length) {
          const reply = await post(warm[next++] as Buffer);
          await reply.arrayBuffer();
          if (reply.status === 202) accepted += 1;
        }
      }),
    );
    const capacity = accepted / ((performance.now() - capacityStart) / 1000);
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // let the projector catch up

    const outcomes: Outcome[] = [];
    let peakRss = rssMiB(pid);
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMiB(pid))), 100);
    const prober = spawn(process.execPath, [join(__dirname, 'overload-probe.js'), url, String(PROBE_INTERVAL_MS), String(PROBE_TIMEOUT_MS)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let probeOutput = '';
    prober.stdout?.on('data', (c: Buffer) => (probeOutput += c.toString()));
    const proberDone = new Promise((resolve) => prober.once('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 500)); // a few quiet probes first

    // Open loop: a request every 1/rate s, whatever the answers.
    const rate = FACTOR === undefined ? RATE : Math.min(RATE, FACTOR * capacity);
    bodies = bodies.slice(0, Math.ceil(rate * SECONDS));
    const inFlight: Promise<void>[] = [];
    let acceptedEvents = 0;
    let lastAnswer = 0;
    const started = performance.now();
    for (let i = 0; i < bodies.length; i += 1) {
      const wait = started + (i * 1000) / rate - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const sent = performance.now();
      inFlight.push(
        post(bodies[i] as Buffer, AbortSignal.timeout(REQUEST_TIMEOUT_MS))
          .then(async (reply) => {
            const text = await reply.text();
            if (reply.status === 202 || reply.status === 207) acceptedEvents += (JSON.parse(text) as { accepted: number }).accepted;
            lastAnswer = performance.now();
            outcomes.push({ at: sent - started, status: reply.status, ms: lastAnswer - sent, retryAfter: reply.headers.has('retry-after') });
          })
          .catch((error: Error & { cause?: Error & { code?: string } }) => {
            const error_ = error.name === 'TimeoutError' ? 'timeout' : (error.cause?.code ?? error.cause?.message ?? error.message);
            outcomes.push({ at: sent - started, status: 0, ms: performance.now() - sent, retryAfter: false, error: error_ });
          }),
      );
    }
    await Promise.all(inFlight);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // the acknowledgement tail settles
    prober.stdin?.end();
    await proberDone;
    clearInterval(sampler);
    const probes = JSON.parse(probeOutput || '{"healthz":[],"readyz":[]}') as { healthz: Probe[]; readyz: Probe[] };

    const exitStart = performance.now();
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
    return {
      capacity,
      rate,
      sent: bodies.length,
      outcomes,
      healthz: probes.healthz,
      readyz: probes.readyz,
      peakRss,
      acceptedEventsPerSecond: acceptedEvents / ((lastAnswer - started) / 1000),
      exitSeconds: (performance.now() - exitStart) / 1000,
    };
  } finally {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** BENCH_OVERLOAD_TIMELINE=1: per second of sending, what became of the requests sent then, and the probes' worst. */
function printTimeline(r: RoundResult): void {
  const seconds = Math.ceil(Math.max(...r.outcomes.map((o) => o.at)) / 1000);
  for (let s = 0; s < seconds; s += 1) {
    const sent = r.outcomes.filter((o) => o.at >= s * 1000 && o.at < (s + 1) * 1000);
    const tally = new Map<string, number>();
    for (const o of sent) tally.set(o.status === 0 ? (o.error ?? 'error') : String(o.status), (tally.get(o.status === 0 ? (o.error ?? 'error') : String(o.status)) ?? 0) + 1);
    const slowest = Math.max(...sent.map((o) => o.ms));
    console.log(`  sent in second ${s}: ${[...tally].map(([k, n]) => `${n}× ${k}`).join(', ')}; slowest answer ${(slowest / 1000).toFixed(1)} s`);
  }
  const worst = (probes: Probe[]) => [...probes].sort((a, b) => b.ms - a.ms).slice(0, 5).map((p) => `${p.ms.toFixed(0)} ms at ${(p.at / 1000).toFixed(1)} s`).join(', ');
  console.log(`  slowest /healthz: ${worst(r.healthz)}; slowest /readyz: ${worst(r.readyz)}`);
}

function summarise(r: RoundResult) {
  const count = (predicate: (o: Outcome) => boolean) => r.outcomes.filter(predicate).length;
  const ms = (probes: Probe[]) => probes.map((p) => p.ms);
  return {
    capacity: r.capacity,
    rate: r.rate,
    factor: r.rate / r.capacity,
    sent: r.sent,
    answered: count((o) => o.status !== 0),
    accepted: count((o) => o.status === 202 || o.status === 207),
    shed: count((o) => o.status === 503),
    limited: count((o) => o.status === 429),
    other: count((o) => ![0, 202, 207, 503, 429].includes(o.status)),
    refusedWithoutRetryAfter: count((o) => (o.status === 503 || o.status === 429) && !o.retryAfter),
    errors: [...r.outcomes.reduce((m, o) => (o.error ? m.set(o.error, (m.get(o.error) ?? 0) + 1) : m), new Map<string, number>())]
      .map(([error, n]) => `${n} ${error}`)
      .join(', '),
    acceptedP50: quantile(r.outcomes.filter((o) => o.status === 202).map((o) => o.ms), 0.5),
    slowestAnswer: Math.max(...r.outcomes.map((o) => o.ms)),
    acceptedEventsPerSecond: r.acceptedEventsPerSecond,
    healthzP50: quantile(ms(r.healthz), 0.5),
    healthzP99: quantile(ms(r.healthz), 0.99),
    healthzMax: Math.max(...ms(r.healthz)),
    healthzFailed: r.healthz.filter((p) => p.status !== 200).length,
    healthzCount: r.healthz.length,
    readyzP50: quantile(ms(r.readyz), 0.5),
    readyzP99: quantile(ms(r.readyz), 0.99),
    readyzMax: Math.max(...ms(r.readyz)),
    readyzFailed: r.readyz.filter((p) => p.status !== 200).length,
    readyzCount: r.readyz.length,
    peakRss: r.peakRss,
    exitSeconds: r.exitSeconds,
  };
}

async function main(): Promise<void> {
  const offered = FACTOR === undefined ? `${RATE} requests/s` : `${FACTOR} × capacity (at most ${RATE} requests/s)`;
  console.log(`overload: ${ROUNDS} rounds; open loop ${offered} × ${BATCH} events for ${SECONDS} s; /healthz and /readyz probed every ${PROBE_INTERVAL_MS} ms from another process, each on a new connection`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
  // Bodies as buffers (off this process's heap), made before any timing; the same every round (fresh store each).
  const warm = Array.from({ length: 800 }, (_, i) => Buffer.from(JSON.stringify(benchEvents('bench', 'w', BATCH, i * BATCH))));
  const bodies = Array.from({ length: Math.ceil(RATE * SECONDS) }, (_, i) => Buffer.from(JSON.stringify(benchEvents('bench', 'o', BATCH, i * BATCH))));
  const rounds: ReturnType<typeof summarise>[] = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    const result = await round(bodies, warm);
    if (process.env.BENCH_OVERLOAD_TIMELINE) printTimeline(result);
    const s = summarise(result);
    rounds.push(s);
    console.log(
      `round ${i + 1}: capacity ${s.capacity.toFixed(0)} req/s; offered ${s.rate.toFixed(0)} req/s (${s.factor.toFixed(1)}×); ` +
        `answered ${s.answered}/${s.sent} (202 ${s.accepted}, 503 ${s.shed}, 429 ${s.limited}, other ${s.other}, no Retry-After ${s.refusedWithoutRetryAfter}${s.errors ? `; unanswered: ${s.errors}` : ''}); ` +
        `accepted ${(s.acceptedEventsPerSecond / 1000).toFixed(1)}k events/s; ` +
        `/healthz p50 ${s.healthzP50.toFixed(0)} p99 ${s.healthzP99.toFixed(0)} max ${s.healthzMax.toFixed(0)} ms (${s.healthzFailed}/${s.healthzCount} failed); ` +
        `/readyz p50 ${s.readyzP50.toFixed(0)} p99 ${s.readyzP99.toFixed(0)} max ${s.readyzMax.toFixed(0)} ms (${s.readyzFailed}/${s.readyzCount} failed); ` +
        `peak RSS ${s.peakRss.toFixed(0)} MiB; exit ${s.exitSeconds.toFixed(2)} s`,
    );
  }
  const m = (pick: (s: (typeof rounds)[number]) => number, digits = 0) => median(rounds.map(pick)).toFixed(digits);
  const all = (pick: (s: (typeof rounds)[number]) => number, digits = 0) => rounds.map((s) => pick(s).toFixed(digits)).join(' · ');
  console.log(`\nmedians of ${ROUNDS} rounds (each round's value after the colon)`);
  console.log('| measure | median: rounds | target |');
  console.log('|---|---|---|');
  console.log(`| capacity, closed loop | ${m((s) => s.capacity)} req/s: ${all((s) => s.capacity)} | – |`);
  console.log(`| offered load | ${m((s) => s.rate)} req/s = ${m((s) => s.factor, 1)}× capacity: ${rounds.map((s) => `${s.rate.toFixed(0)} (${s.factor.toFixed(1)}×)`).join(' · ')} | 3–4× |`);
  console.log(`| answered / sent | ${m((s) => s.answered)} / ${rounds[0]?.sent}: ${all((s) => s.answered)} | every one |`);
  console.log(`| 202 / 503 / 429 / other | ${m((s) => s.accepted)} / ${m((s) => s.shed)} / ${m((s) => s.limited)} / ${m((s) => s.other)}: ${rounds.map((s) => `${s.accepted}/${s.shed}/${s.limited}/${s.other}`).join(' · ')} | refusals with Retry-After |`);
  console.log(`| refusals without Retry-After | ${all((s) => s.refusedWithoutRetryAfter)} | 0 |`);
  console.log(`| accepted events/s under overload | ${m((s) => s.acceptedEventsPerSecond)}: ${all((s) => s.acceptedEventsPerSecond)} | – |`);
  console.log(`| accepted answer p50 | ${m((s) => s.acceptedP50)} ms: ${all((s) => s.acceptedP50)} | – |`);
  console.log(`| slowest answer | ${m((s) => s.slowestAnswer)} ms: ${all((s) => s.slowestAnswer)} | ≤ 60 s |`);
  console.log(`| /healthz p50 / p99 / max | ${m((s) => s.healthzP50)} / ${m((s) => s.healthzP99)} / ${m((s) => s.healthzMax)} ms: ${rounds.map((s) => `${s.healthzP50.toFixed(0)}/${s.healthzP99.toFixed(0)}/${s.healthzMax.toFixed(0)}`).join(' · ')} | p99 ≤ 1 s |`);
  console.log(`| /readyz p50 / p99 / max | ${m((s) => s.readyzP50)} / ${m((s) => s.readyzP99)} / ${m((s) => s.readyzMax)} ms: ${rounds.map((s) => `${s.readyzP50.toFixed(0)}/${s.readyzP99.toFixed(0)}/${s.readyzMax.toFixed(0)}`).join(' · ')} | p99 ≤ 1 s |`);
  console.log(`| probes failed or timed out (5 s) | ${all((s) => s.healthzFailed + s.readyzFailed)} of ~${rounds[0] ? rounds[0].healthzCount + rounds[0].readyzCount : 0} | 0 |`);
  console.log(`| server peak RSS | ${m((s) => s.peakRss)} MiB: ${all((s) => s.peakRss)} | ≤ 600 MB |`);
  console.log(`| exit after SIGTERM | ${m((s) => s.exitSeconds, 2)} s: ${all((s) => s.exitSeconds, 2)} | ≤ 10 s |`);
}

void main();
