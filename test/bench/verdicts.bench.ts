// npm run bench:verdicts — what the held verdict costs the projector. Builds deployments in
// process (60 days live, 28 days of baseline, 20 tasks a day), then times, per deployment:
//   cold   the first scorecard: every past day of the verdict track is evaluated (after a full replay)
//   warm   the scorecard again: past days come from the cache (the projector's 5 s re-evaluation)
//   today  after one new event today (the common case while live)
//   backfill after one event 30 days ago (recomputes the days it can affect)
// against one evaluation at `now` with no track at all (`windowComparisons`, every metric at one
// multiplier), measured in the same run. Medians of 5 rounds. BENCH_DEPLOYMENTS overrides the count (default 1,000).
import { applyLifecycleEvent, applyTelemetryEvent, emptyProjection, scorecardOf, seededRandom, windowComparisons, Z95, type DeploymentProjection } from '@baseliner/analytics';
import type { TelemetryEvent } from '@baseliner/contracts';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';

const DAY = 86_400_000;
const COUNT = Number(process.env.BENCH_DEPLOYMENTS ?? 1000);
const NOW = Date.parse('2026-11-30T18:00:00Z');
const GO_LIVE = NOW - 60 * DAY;

function task(at: number, i: number, random: () => number): TelemetryEvent {
  return {
    specversion: '1.0',
    id: `e${i}`,
    source: 'bench',
    type: 'task.completed',
    time: new Date(at).toISOString(),
    deployment: 'bench',
    data: { taskId: `t${i}`, mode: at < GO_LIVE ? 'manual' : 'ai', outcome: random() < 0.1 ? 'error' : 'success', durationSeconds: 100 * Math.exp(random()), actor: `u${i % 20}` },
  } as TelemetryEvent;
}

function deployment(seed: number): DeploymentProjection {
  const random = seededRandom(seed);
  const projection = emptyProjection(`d${seed}`);
  const at = new Date(GO_LIVE).toISOString();
  applyLifecycleEvent(projection, { type: 'DeploymentRegistered', data: { id: `d${seed}`, name: 'd', owner: { name: 'Dana Reyes', email: 'dana@example.com' }, timezone: 'Europe/Berlin', rampUpDays: 7, registeredAt: at, eligibleUsers: 20 } });
  applyLifecycleEvent(projection, {
    type: 'CriteriaDefined',
    data: { criteria: [{ metric: 'task_duration_p50', relativeChange: -0.3 }, { metric: 'error_ratio', relativeChange: 0.05 }, { metric: 'adoption_ratio', atLeast: 0.5 }], definedAt: at },
  });
  applyLifecycleEvent(projection, { type: 'WentLive', data: { at, recordedAt: at } });
  for (let i = 0; i < 88 * 20; i += 1) applyTelemetryEvent(projection, task(NOW - 88 * DAY + Math.floor(random() * 88 * DAY) - DAY, i, random));
  return projection;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const perDeployment = (run: () => void) => {
  const started = performance.now();
  run();
  return (performance.now() - started) / COUNT;
};

const now = new Date(NOW);
const rounds: Record<'baseline' | 'cold' | 'warm' | 'today' | 'backfill', number[]> = { baseline: [], cold: [], warm: [], today: [], backfill: [] };
const readAllDays = (projections: DeploymentProjection[]) => projections.forEach((p) => windowComparisons(p, now, Z95));
const built = performance.now();
for (let round = 0; round < 5; round += 1) {
  const projections = Array.from({ length: COUNT }, (_, i) => deployment(i + 1 + round * COUNT));
  if (round === 0) console.log(`built ${COUNT.toLocaleString()} deployments × ${88 * 20} tasks in ${((performance.now() - built) / 1000).toFixed(1)} s`);
  // The baseline runs on warm sketch caches (read once before), like the projector's steady state.
  readAllDays(projections);
  rounds.baseline.push(perDeployment(() => readAllDays(projections)));
  rounds.cold.push(perDeployment(() => projections.forEach((p) => scorecardOf(p, now))));
  rounds.warm.push(perDeployment(() => projections.forEach((p) => scorecardOf(p, now))));
  const random = seededRandom(round);
  projections.forEach((p, i) => applyTelemetryEvent(p, task(NOW - 3_600_000, 10_000_000 + i, random)));
  rounds.today.push(perDeployment(() => projections.forEach((p) => scorecardOf(p, now))));
  projections.forEach((p, i) => applyTelemetryEvent(p, task(NOW - 30 * DAY, 20_000_000 + i, random)));
  rounds.backfill.push(perDeployment(() => projections.forEach((p) => scorecardOf(p, now))));
}

const base = median(rounds.baseline);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
console.log('| evaluation | ms per deployment (median of 5) | × one evaluation without the track | for 1,000 deployments |');
console.log('|---|---:|---:|---:|');
for (const [name, values] of Object.entries(rounds)) {
  const ms = median(values);
  console.log(`| ${name} | ${ms.toFixed(3)} | ${(ms / base).toFixed(1)} | ${((ms * 1000) / 1000).toFixed(2)} s |`);
}
