// npm run bench:pages — what the web pages cost to render on the server and weigh on the wire.
// 1. In process: builds 1,000 deployments (60 days live, 28 of baseline, 20 tasks a day, a spread
//    of verdicts), evaluates them once like the projector does, then times (median of 21 renders):
//      portfolio   GET /: rows of all, HTML of the first page of 100, gzip — everything the
//                  handler does after the cookie check
//      deployment  GET /deployments/{id}: a fresh scorecard, the day series, charts, HTML, gzip
//    against the JSON the API answers for the same 1,000 scorecards (JSON.stringify), measured in
//    the same run. Prints the page weights (HTML + stylesheet, raw and gzipped). BENCH_DEPLOYMENTS
//    overrides the count.
// 2. Through the real server: writes 5,000 deployments (BENCH_PAGES_SERVER_DEPLOYMENTS) straight
//    into an SQLite store (no HTTP: lifecycle and ~150 tasks each, a spread of verdicts), starts
//    the built all-in-one server on it, waits for /readyz (replayed and evaluated), signs in, and
//    times GET / for page 1, a middle page, the last page, filtered and searched pages (median and
//    p95 of BENCH_PAGES_ROUNDS = 21 requests each, time to the last byte over loopback, gzip)
//    against the same run's small page: a signed-in GET /deployments/{unknown}, the 404 page,
//    which costs the session check and the layout and nothing else. BENCH_DATA_DIR keeps the
//    generated store for reruns; BENCH_PAGES_SERVER=0 skips this part.
import { applyLifecycleEvent, applyTelemetryEvent, emptyProjection, scorecardOf, seededRandom, type DeploymentProjection } from '@baseliner/analytics';
import type { TelemetryEvent } from '@baseliner/contracts';
import { deploymentSeries, deploymentView, portfolioRows, portfolioView } from '@baseliner/web';
import { page } from '../../libs/web/src/views/layout';
import { PAGES_CSS } from '../../libs/web/src/views/pages.css';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, Agent } from 'node:http';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { NewEvent } from '@baseliner/event-store';
import { SqliteEventStore } from '@baseliner/event-store-sqlite';
import { startBuiltServer } from './bench-server';
import { performance } from 'node:perf_hooks';
import { gunzipSync, gzipSync } from 'node:zlib';

const DAY = 86_400_000;
const COUNT = Number(process.env.BENCH_DEPLOYMENTS ?? 1000);
const NOW = Date.parse('2026-11-30T18:00:00Z');
const GO_LIVE = NOW - 60 * DAY;

function deployment(seed: number): DeploymentProjection {
  const random = seededRandom(seed);
  const id = `deployment-${String(seed).padStart(4, '0')}`;
  const projection = emptyProjection(id);
  const at = new Date(GO_LIVE).toISOString();
  applyLifecycleEvent(projection, {
    type: 'DeploymentRegistered',
    data: { id, name: `Assistant number ${seed}`, owner: { name: 'Dana Reyes', email: 'dana@example.com' }, timezone: 'Europe/Berlin', rampUpDays: 7, registeredAt: at, eligibleUsers: 20 },
  });
  applyLifecycleEvent(projection, {
    type: 'CriteriaDefined',
    data: { criteria: [{ metric: 'task_duration_p50', relativeChange: -0.3 }, { metric: 'error_ratio', relativeChange: 0.05 }, { metric: 'adoption_ratio', atLeast: 0.5 }], definedAt: at },
  });
  applyLifecycleEvent(projection, { type: 'WentLive', data: { at, recordedAt: at } });
  // A spread of effects so the portfolio holds every verdict: faster or not, more errors or fewer.
  const speedUp = [0.5, 1, 0.8][seed % 3] as number;
  const errorsLive = [0.05, 0.1, 0.25][seed % 3] as number;
  for (let i = 0; i < 88 * 20; i += 1) {
    const time = NOW - 88 * DAY + Math.floor(random() * 88 * DAY) - DAY;
    const live = time >= GO_LIVE;
    applyTelemetryEvent(projection, {
      specversion: '1.0',
      id: `e${i}`,
      source: 'bench',
      type: 'task.completed',
      time: new Date(time).toISOString(),
      deployment: id,
      data: {
        taskId: `t${i}`,
        mode: live ? 'ai' : 'manual',
        outcome: random() < (live ? errorsLive : 0.1) ? 'error' : 'success',
        durationSeconds: 100 * Math.exp(random()) * (live ? speedUp : 1),
        costUsd: 0.02 + random() * 0.01,
        actor: `u${i % 20}`,
      },
    } as TelemetryEvent);
  }
  return projection;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
function timed(run: () => unknown, rounds = 21): number {
  const times: number[] = [];
  for (let i = 0; i < rounds; i += 1) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  return median(times);
}

const started = performance.now();
const projections = Array.from({ length: COUNT }, (_, i) => deployment(i + 1));
const now = new Date(NOW);
const portfolio = projections.map((projection) => ({ projection, scorecard: scorecardOf(projection, now) }));
console.log(`built and evaluated ${COUNT.toLocaleString()} deployments in ${((performance.now() - started) / 1000).toFixed(1)} s`);
const verdicts = new Map<string, number>();
for (const { scorecard } of portfolio) verdicts.set(scorecard?.verdict ?? '-', (verdicts.get(scorecard?.verdict ?? '-') ?? 0) + 1);
console.log(`verdicts: ${[...verdicts].map(([v, n]) => `${v} ${n}`).join(', ')}`);

const shards = { all: true, description: 'all 1' };
const renderPortfolio = () => gzipSync(page('Deployments', portfolioView(portfolioRows(portfolio, NOW), {}, NOW, shards), { kind: 'admin' }), { level: 6 });
const renderJson = () => JSON.stringify(portfolio.map((p) => p.scorecard));
const one = projections[0] as DeploymentProjection;
// The same path as GET /deployments/{id} after the cookie check (minus the small lifecycle read).
const renderDeployment = () => {
  const card = scorecardOf(one, now)!;
  const deploymentState = one.lifecycle as Extract<DeploymentProjection['lifecycle'], { status: 'registered' }>;
  const body = deploymentView({ deployment: deploymentState, projection: one, scorecard: card, ...deploymentSeries(one, deploymentState, card, now), history: [], now: NOW });
  return gzipSync(page(deploymentState.name, body, { kind: 'admin' }), { level: 6 });
};

const renderPortfolioHtml = () => page('Deployments', portfolioView(portfolioRows(portfolio, NOW), {}, NOW, shards), { kind: 'admin' });
const json = timed(renderJson);
const portfolioHtmlMs = timed(renderPortfolioHtml);
const portfolioMs = timed(renderPortfolio);
const deploymentMs = timed(renderDeployment);
const portfolioHtml = page('Deployments', portfolioView(portfolioRows(portfolio, NOW), {}, NOW, shards), { kind: 'admin' });
const deploymentGz = renderDeployment();
const css = Buffer.byteLength(PAGES_CSS);
const cssGz = gzipSync(PAGES_CSS).length;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
console.log('| render (server side) | median ms | × the JSON of the same scorecards | target |');
console.log('|---|---:|---:|---|');
console.log(`| JSON of ${COUNT} scorecards (baseline) | ${json.toFixed(1)} | 1.0 | |`);
console.log(`| portfolio page 1 of ${COUNT} deployments | ${portfolioMs.toFixed(1)} | ${(portfolioMs / json).toFixed(1)} | ≤ 300 ms |`);
console.log(`| portfolio without gzip | ${portfolioHtmlMs.toFixed(1)} | ${(portfolioHtmlMs / json).toFixed(1)} | |`);
console.log(`| one deployment page | ${deploymentMs.toFixed(1)} | ${(deploymentMs / json).toFixed(1)} | |`);
console.log('| page | HTML | gzipped | + stylesheet (gzipped) | total on the wire | target |');
console.log('|---|---:|---:|---:|---:|---|');
console.log(`| portfolio page 1 (100 of ${COUNT} deployments) | ${kb(Buffer.byteLength(portfolioHtml))} | ${kb(gzipSync(portfolioHtml).length)} | ${kb(cssGz)} (raw ${kb(css)}) | ${kb(gzipSync(portfolioHtml).length + cssGz)} | ≤ 300 KB |`);
console.log(`| one deployment page | – | ${kb(deploymentGz.length)} | ${kb(cssGz)} | ${kb(deploymentGz.length + cssGz)} | ≤ 300 KB |`);

// 2. The portfolio at 5,000 deployments, through the real server.
const SERVER_COUNT = Number(process.env.BENCH_PAGES_SERVER_DEPLOYMENTS ?? 5000);
const ROUNDS = Number(process.env.BENCH_PAGES_ROUNDS ?? 21);
const TASKS = 200;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)] as number;

/** One deployment's history as the control API and the intake store it; a spread of verdicts. */
function history(k: number, at: number): { id: string; lifecycle: NewEvent[]; telemetry: NewEvent[] } {
  const id = `pf-${String(k).padStart(4, '0')}`;
  const registered = new Date(at - 50 * DAY).toISOString();
  const goLive = at - 21 * DAY;
  const lifecycle: NewEvent[] = [
    { id: randomUUID(), type: 'DeploymentRegistered', data: { id, name: `${['Invoice', 'Claims', 'Support', 'Contract', 'Dispatch'][k % 5]} assistant ${k}`, owner: { name: ['Dana Reyes', 'Sam Okafor', 'Lea Brandt'][k % 3], email: 'owner@example.com' }, timezone: 'Europe/Berlin', rampUpDays: 3, registeredAt: registered, eligibleUsers: 20 } },
    // Half judge time alone (so some clearly work), half time and errors.
    { id: randomUUID(), type: 'CriteriaDefined', data: { criteria: [{ metric: 'task_duration_p50', relativeChange: -0.3 }, ...(k % 2 === 1 ? [{ metric: 'error_ratio', relativeChange: 0.05 }] : [])], definedAt: registered } },
  ];
  // One in 20 not live yet (pending); one in 13 with too few tasks; the rest faster or not, more errors or fewer.
  if (k % 20 !== 19) lifecycle.push({ id: randomUUID(), type: 'WentLive', data: { at: new Date(goLive).toISOString(), recordedAt: new Date(goLive).toISOString() } });
  const random = seededRandom(k + 1);
  const speedUp = [0.5, 1, 0.8][k % 3] as number;
  const errorsLive = [0.05, 0.1, 0.3][Math.floor(k / 3) % 3] as number;
  const telemetry: NewEvent[] = [];
  for (let i = 0; i < (k % 13 === 0 ? 20 : TASKS); i += 1) {
    const time = at - 49 * DAY + Math.floor(random() * 49 * DAY) - 3_600_000;
    const live = k % 20 !== 19 && time >= goLive;
    const event = {
      specversion: '1.0',
      id: `${id}-${i}`,
      source: 'bench',
      type: 'task.completed',
      time: new Date(time).toISOString(),
      deployment: id,
      data: { taskId: `t${i}`, mode: live ? 'ai' : 'manual', outcome: random() < (live ? errorsLive : 0.1) ? 'error' : 'success', durationSeconds: 100 * Math.exp(random()) * (live ? speedUp : 1), actor: `p_${String(i % 20).padStart(22, 'x')}` },
    };
    telemetry.push({ id: randomUUID(), type: event.type, data: event });
  }
  return { id, lifecycle, telemetry };
}

async function generateStore(path: string, count: number): Promise<number> {
  const started = performance.now();
  const store = new SqliteEventStore({ path });
  const at = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const { id, lifecycle, telemetry } = history(next++, at);
      await store.append(`deployment-${id}`, lifecycle, { expectedRevision: 'no_stream' });
      await store.append(`telemetry-${id}`, telemetry);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  await store.close();
  return (performance.now() - started) / 1000;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
/** One GET over a kept-alive loopback connection, gzip accepted as a browser does: ms to the last byte, bytes on the wire, the body. */
function get(url: string, cookie: string): Promise<{ ms: number; status: number; bytes: number; body: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = httpRequest(url, { agent, headers: { cookie, 'accept-encoding': 'gzip' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const ms = performance.now() - started;
        const wire = Buffer.concat(chunks);
        const body = res.headers['content-encoding'] === 'gzip' ? gunzipSync(wire).toString() : wire.toString();
        resolve({ ms, status: res.statusCode ?? 0, bytes: wire.length, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function serverPortfolio(): Promise<void> {
  const keep = process.env.BENCH_DATA_DIR;
  const dataDir = keep ?? mkdtempSync(join(tmpdir(), 'baseliner-bench-pages-'));
  mkdirSync(dataDir, { recursive: true });
  const storePath = join(dataDir, 'events.db');
  let server: Awaited<ReturnType<typeof startBuiltServer>>['server'] | undefined;
  try {
    if (!existsSync(storePath)) {
      const seconds = await generateStore(storePath, SERVER_COUNT);
      console.log(`\nwrote ${SERVER_COUNT.toLocaleString()} deployments (lifecycle and up to ${TASKS} tasks each) into ${storePath} in ${seconds.toFixed(1)} s`);
    } else console.log(`\nreusing the store in ${storePath} (BENCH_DATA_DIR)`);
    const booted = performance.now();
    const started = await startBuiltServer(dataDir);
    server = started.server;
    const { url } = started;
    while ((await fetch(`${url}/readyz`)).status !== 200) await new Promise((r) => setTimeout(r, 250));
    console.log(`server ready (/readyz: replayed, first evaluation) in ${((performance.now() - booted) / 1000).toFixed(1)} s`);
    const token = readFileSync(join(dataDir, 'secrets', 'admin-token'), 'utf8').trim();
    const signIn = await fetch(`${url}/sign-in`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token, next: '/' }).toString() });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
    if (signIn.status !== 303 || !cookie) throw new Error(`sign-in answered ${signIn.status}`);

    // Only the deployments not live are pending once every one has a scorecard: /readyz can come
    // first (an evaluation begun during the replay is the one it waits for), so wait for that too.
    const notLive = Array.from({ length: SERVER_COUNT }, (_, k) => k).filter((k) => k % 20 === 19).length;
    const pendingOf = (body: string) => Number(/v-pending">pending<\/span> ([\d,]+)/.exec(body)?.[1]?.replace(/,/g, '') ?? 0);
    let first = await get(`${url}/`, cookie);
    for (const until = performance.now() + 300_000; pendingOf(first.body) > notLive && performance.now() < until; first = await get(`${url}/`, cookie)) {
      await new Promise((r) => setTimeout(r, 1000));
    }
    console.log(`every deployment evaluated (pending: ${pendingOf(first.body)}, the ${notLive} not live) ${((performance.now() - booted) / 1000).toFixed(1)} s after start`);
    const total = Number(/of ([\d,]+) deployments, worst first/.exec(first.body)?.[1]?.replace(/,/g, '') ?? NaN);
    const summary = [...first.body.matchAll(/<span class="badge v-(\w+)">[^<]+<\/span> ([\d,]+)<\/div>/g)].map((m) => `${m[1]} ${m[2]}`);
    console.log(`portfolio: ${total.toLocaleString()} deployments; ${summary.join(', ')}`);
    if (total !== SERVER_COUNT) throw new Error(`the portfolio shows ${total} deployments, not ${SERVER_COUNT}`);
    const pages = Math.ceil(total / 100);
    const cases: { label: string; path: string; status: number }[] = [
      { label: 'small page (baseline): signed-in 404, GET /deployments/{unknown}', path: '/deployments/no-such-deployment', status: 404 },
      { label: 'portfolio page 1', path: '/', status: 200 },
      { label: `middle page (${Math.ceil(pages / 2)} of ${pages})`, path: `/?page=${Math.ceil(pages / 2)}`, status: 200 },
      { label: `last page (${pages})`, path: `/?page=${pages}`, status: 200 },
      { label: 'filtered: verdict works, phase live, page 2', path: '/?verdict=works&phase=live&page=2', status: 200 },
      { label: 'searched: q=claims, page 3', path: '/?q=claims&page=3', status: 200 },
      { label: 'past the end: page 9999 (the last page, with a note)', path: '/?page=9999', status: 200 },
    ];
    const times = cases.map(() => [] as number[]);
    const bytes = cases.map(() => 0);
    const rows = cases.map(() => 0);
    // Rounds interleave the cases, so the projector's evaluation every 5 s falls on all alike; 3 warm-up rounds.
    for (let round = -3; round < ROUNDS; round += 1) {
      for (const [i, c] of cases.entries()) {
        const answer = await get(`${url}${c.path}`, cookie);
        if (answer.status !== c.status) throw new Error(`${c.path} answered ${answer.status}`);
        if (round < 0) continue;
        times[i]?.push(answer.ms);
        bytes[i] = answer.bytes;
        rows[i] = (answer.body.match(/<tr><td><a href="\/deployments\//g) ?? []).length;
      }
    }
    const baseline = median(times[0] as number[]);
    console.log(`machine: load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} during the run`);
    console.log(`| GET, ${total.toLocaleString()} deployments | rows | gzipped | median ms | p95 ms | × the small page | target |`);
    console.log('|---|---:|---:|---:|---:|---:|---|');
    const results = cases.map((c, i) => {
      const m = median(times[i] as number[]);
      const p = p95(times[i] as number[]);
      console.log(`| ${c.label} | ${rows[i]} | ${kb(bytes[i] as number)} | ${m.toFixed(1)} | ${p.toFixed(1)} | ${(m / baseline).toFixed(1)} | ${i === 0 ? '' : '≤ 300 ms'} |`);
      return { label: c.label, path: c.path, rows: rows[i], gzipBytes: bytes[i], medianMs: Number(m.toFixed(1)), p95Ms: Number(p.toFixed(1)) };
    });
    mkdirSync('reports', { recursive: true });
    writeFileSync('reports/bench-pages.json', `${JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, node: process.version, deployments: total, rounds: ROUNDS, loadavg: loadavg(), results }, null, 2)}\n`);
  } finally {
    agent.destroy();
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server?.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    if (!keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.env.BENCH_PAGES_SERVER !== '0') {
  serverPortfolio().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
