// npm run bench:overload — open-loop overload of the HTTP intake on loopback. Measures the
// server's capacity closed-loop first (the baseline, same run), then sends requests at a fixed
// multiple of it whatever the answers, and records: every request answered or refused and how
// fast, /healthz latency every 100 ms, the server's peak RSS, and its exit time after SIGTERM.
// Bounded: BENCH_OVERLOAD_SECONDS (default 20) at BENCH_OVERLOAD_FACTOR × capacity (default 4).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchEvents } from './bench-events';
import { startBuiltServer } from './bench-server';

/** Probes `<url>/healthz` every 100 ms until SIGTERM, then prints the latencies (ms) as JSON. */
const PROBER = `
  const url = process.argv[1];
  const latencies = [];
  let running = true;
  process.on('SIGTERM', () => (running = false));
  (async () => {
    while (running) {
      const sent = performance.now();
      try { await (await fetch(url + '/healthz', { signal: AbortSignal.timeout(30000) })).arrayBuffer(); latencies.push(performance.now() - sent); }
      catch { latencies.push(30000); }
      await new Promise((r) => setTimeout(r, 100));
    }
    process.stdout.write(JSON.stringify(latencies));
  })();
`;

const SECONDS = Number(process.env.BENCH_OVERLOAD_SECONDS ?? 20);
const FACTOR = Number(process.env.BENCH_OVERLOAD_FACTOR ?? 4);
const BATCH = 500;

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};
const rssMiB = (pid: number) => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
};

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'baseliner-overload-'));
  const { server, url } = await startBuiltServer(dataDir);
  const pid = server.pid as number;
  try {
    const admin = readFileSync(join(dataDir, 'secrets', 'admin-token'), 'utf8').trim();
    const call = (path: string, body?: unknown) =>
      fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) }).then((r) => r.json());
    await call('/v1/deployments', { id: 'bench', name: 'bench', owner: { name: 'Dana Reyes', email: 'dana.reyes@example.com' } });
    const key = ((await call('/v1/deployments/bench/keys')) as { key: string }).key;
    const post = (body: string, signal?: AbortSignal) =>
      fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/cloudevents-batch+json' }, body, signal });

    // Capacity, closed loop (16 in flight), 5 s.
    const warm = Array.from({ length: 2_000 }, (_, i) => JSON.stringify(benchEvents('bench', 'w', BATCH, i * BATCH)));
    let done = 0;
    const capacityStart = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (performance.now() - capacityStart < 5_000 && done < warm.length) {
          const reply = await post(warm[done++] as string);
          await reply.arrayBuffer();
        }
      }),
    );
    const capacity = done / ((performance.now() - capacityStart) / 1000);
    const rate = capacity * FACTOR;
    const bodies = Array.from({ length: Math.ceil(rate * SECONDS) }, (_, i) => JSON.stringify(benchEvents('bench', 'o', BATCH, i * BATCH)));
    console.log(`capacity ${capacity.toFixed(0)} requests/s of ${BATCH} events (${((capacity * BATCH) / 1000).toFixed(1)}k events/s); sending ${rate.toFixed(0)}/s (${FACTOR}×) for ${SECONDS} s`);

    // Open loop: a request every 1/rate s, whatever the answers; each may take at most 30 s.
    const outcomes: { status: number; ms: number }[] = [];
    const health: number[] = [];
    let peakRss = rssMiB(pid);
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMiB(pid))), 250);
    // /healthz is probed from its own process, so the load generator's busy event loop does not
    // count as the server's latency.
    const prober = spawn(
      process.execPath,
      ['-e', PROBER, url],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let probeOutput = '';
    prober.stdout?.on('data', (c: Buffer) => (probeOutput += c.toString()));
    const proberDone = new Promise((resolve) => prober.once('exit', resolve));
    const inFlight: Promise<void>[] = [];
    const started = performance.now();
    for (let i = 0; i < bodies.length; i += 1) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const sent = performance.now();
      inFlight.push(
        post(bodies[i] as string, AbortSignal.timeout(30_000))
          .then(async (reply) => {
            await reply.arrayBuffer();
            outcomes.push({ status: reply.status, ms: performance.now() - sent });
          })
          .catch(() => void outcomes.push({ status: 0, ms: performance.now() - sent })),
      );
    }
    await Promise.all(inFlight);
    prober.kill('SIGTERM');
    await proberDone;
    health.push(...(JSON.parse(probeOutput || '[]') as number[]));
    clearInterval(sampler);

    const exitStart = performance.now();
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
    const exitSeconds = (performance.now() - exitStart) / 1000;

    const count = (predicate: (status: number) => boolean) => outcomes.filter((o) => predicate(o.status)).length;
    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
    console.log('| measure | measured | target |');
    console.log('|---|---:|---|');
    console.log(`| requests sent / answered | ${bodies.length} / ${outcomes.length - count((s) => s === 0)} | every one answered or refused |`);
    console.log(`| 202 accepted / 503 shed / 429 / other | ${count((s) => s === 202)} / ${count((s) => s === 503)} / ${count((s) => s === 429)} / ${count((s) => ![202, 503, 429].includes(s))} | – |`);
    console.log(`| slowest answer | ${(Math.max(...outcomes.map((o) => o.ms)) / 1000).toFixed(2)} s | ≤ 30 s |`);
    console.log(`| accepted answer p50 / p99 | ${quantile(outcomes.filter((o) => o.status === 202).map((o) => o.ms), 0.5).toFixed(0)} / ${quantile(outcomes.filter((o) => o.status === 202).map((o) => o.ms), 0.99).toFixed(0)} ms | – |`);
    console.log(`| /healthz p50 / p99 / max | ${quantile(health, 0.5).toFixed(0)} / ${quantile(health, 0.99).toFixed(0)} / ${Math.max(...health).toFixed(0)} ms | p99 ≤ 1 s |`);
    console.log(`| server peak RSS | ${peakRss.toFixed(0)} MiB | ≤ 600 MB |`);
    console.log(`| exit after SIGTERM | ${exitSeconds.toFixed(2)} s | ≤ 10 s |`);
  } finally {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main();
