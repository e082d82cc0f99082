// npm run bench:pages — what the web pages cost to render on the server and weigh on the wire.
// Builds 1,000 deployments in process (60 days live, 28 of baseline, 20 tasks a day, a spread of
// verdicts), evaluates them once like the projector does, then times (median of 21 renders):
//   portfolio   GET /: rows, HTML, gzip — everything the handler does after the cookie check
//   deployment  GET /deployments/{id}: a fresh scorecard, the day series, charts, HTML, gzip
// against the JSON the API answers for the same 1,000 scorecards (JSON.stringify), measured in
// the same run. Prints the page weights (HTML + stylesheet, raw and gzipped). BENCH_DEPLOYMENTS
// overrides the count.
import { applyLifecycleEvent, applyTelemetryEvent, emptyProjection, scorecardOf, seededRandom, type DeploymentProjection } from '@baseliner/analytics';
import type { TelemetryEvent } from '@baseliner/contracts';
import { deploymentSeries, deploymentView, portfolioRows, portfolioView } from '@baseliner/web';
import { page } from '../../libs/web/src/views/layout';
import { PAGES_CSS } from '../../libs/web/src/views/pages.css';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';

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
console.log(`| portfolio, ${COUNT} deployments | ${portfolioMs.toFixed(1)} | ${(portfolioMs / json).toFixed(1)} | ≤ 300 ms |`);
console.log(`| portfolio without gzip | ${portfolioHtmlMs.toFixed(1)} | ${(portfolioHtmlMs / json).toFixed(1)} | |`);
console.log(`| one deployment page | ${deploymentMs.toFixed(1)} | ${(deploymentMs / json).toFixed(1)} | |`);
console.log('| page | HTML | gzipped | + stylesheet (gzipped) | total on the wire | target |');
console.log('|---|---:|---:|---:|---:|---|');
console.log(`| portfolio, ${COUNT} deployments | ${kb(Buffer.byteLength(portfolioHtml))} | ${kb(gzipSync(portfolioHtml).length)} | ${kb(cssGz)} (raw ${kb(css)}) | ${kb(gzipSync(portfolioHtml).length + cssGz)} | ≤ 300 KB |`);
console.log(`| one deployment page | – | ${kb(deploymentGz.length)} | ${kb(cssGz)} | ${kb(deploymentGz.length + cssGz)} | ≤ 300 KB |`);
