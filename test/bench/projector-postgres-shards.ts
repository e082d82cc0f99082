// npm run bench:projector -- --store postgres --shards N: a portfolio (5,000 deployments, 10 M
// events by default) on one PostgreSQL store, projected by N sharded projector processes. Per
// process: full replay to first verdicts, resume from its snapshot, /metrics latency and the
// worst /healthz during a scrape, peak RSS. Then the union of the N processes' deployment series
// is compared with one unsharded projector's on the same database: the bench fails if they differ.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '@baseliner/event-store';
import { PostgresEventStore } from '@baseliner/event-store-postgres';
import { shardOf } from '@baseliner/projector';
import { startBuiltServer } from './bench-server';
import { BENCH_SECRETS, benchDatabase } from './postgres-bench-support';
import { peakRss, scrape } from './scrape';

const SMALL = process.env.BENCH_SIZE === 'small';
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
/** Longest wait for a process to reach its verdicts before the bench gives up. */
const READY_TIMEOUT_MS = (SMALL ? 5 : 60) * 60_000;

interface Projector {
  server: ChildProcess;
  url: string;
  dir: string;
  /** Seconds from spawn to verdicts on its share of the shards; peak RSS then. */
  readySeconds: number;
  readyPeakRss: number;
  /** What it logged once listening: lease changes (epoch ms) and the last snapshot load. */
  shardChanges: number[];
  lastLoad: { ms: number; checkpoint: number; shards: string } | undefined;
  /** Seconds from its last lease change (spawn if it had its final shard from the start) to verdicts. */
  settledToReadySeconds: number;
}

/** Follows the projector's JSON log lines (what it writes once listening) for lease changes and snapshot loads. */
function followLog(projector: Projector): void {
  let rest = '';
  projector.server.stdout?.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes('projector shards changed') && !line.includes('projection state loaded')) continue;
      try {
        const entry = JSON.parse(line) as { timestamp: number; message: { msg: string; ms?: number; checkpoint?: number; shards?: string } };
        if (entry.message.msg === 'projector shards changed') projector.shardChanges.push(entry.timestamp);
        else projector.lastLoad = { ms: entry.message.ms ?? 0, checkpoint: entry.message.checkpoint ?? 0, shards: entry.message.shards ?? '' };
      } catch {
        // not a log line of ours
      }
    }
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The value of an unlabelled gauge on a /metrics page. */
function gauge(metrics: string, name: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** The deployment-labelled sample lines of a /metrics page. */
function deploymentLines(metrics: string): string[] {
  return metrics.split('\n').filter((line) => line.startsWith('baseliner_') && line.includes('deployment="'));
}

/**
 * What must match between the sharded processes and one node: every series (name and labels),
 * and the value of the verdict and phase series. Other values (durations, ratios, ages) depend
 * on the moment of evaluation, which differs between the two runs.
 */
function comparable(line: string): string {
  const series = line.slice(0, line.lastIndexOf(' '));
  return line.startsWith('baseliner_deployment_verdict{') || line.startsWith('baseliner_deployment_phase{') ? line : series;
}

const deploymentOf = (line: string) => /deployment="([^"]*)"/.exec(line)?.[1] as string;

/**
 * Starts `count` projectors at once and waits until each is ready (first verdicts after its
 * catch-up) holding `share` shards: the lease hand-overs while they find their share are part
 * of the time, as they are in a real rollout.
 */
async function startProjectors(count: number, share: number, env: Record<string, string>, launched: Projector[]): Promise<Projector[]> {
  let failed = false;
  return Promise.all(
    Array.from({ length: count }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'baseliner-bench-shard-'));
      const spawned = performance.now();
      const spawnedAt = Date.now();
      const { server, url } = await startBuiltServer(dir, {
        app: 'projector',
        env: { BASELINER_EVENT_STORE: 'postgres', ...BENCH_SECRETS, BASELINER_LOG_LEVEL: 'log', BASELINER_LOG_FORMAT: 'json', ...env },
      });
      const projector: Projector = { server, url, dir, readySeconds: Number.NaN, readyPeakRss: 0, shardChanges: [], lastLoad: undefined, settledToReadySeconds: Number.NaN };
      launched.push(projector); // stopped by the caller whatever happens
      followLog(projector);
      let exited = false;
      server.once('exit', () => (exited = true));
      try {
        for (;;) {
          if (failed) throw new Error('another projector failed');
          if (exited) throw new Error(`projector ${url} exited before its first verdicts`);
          if (performance.now() - spawned > READY_TIMEOUT_MS) throw new Error(`projector ${url} not ready after ${READY_TIMEOUT_MS / 60_000} min`);
          const ready = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
          if (ready) {
            const held = gauge(await (await fetch(`${url}/metrics`)).text(), 'baseliner_projector_shards');
            if (held === share) {
              projector.readySeconds = (performance.now() - spawned) / 1000;
              projector.readyPeakRss = peakRss(server.pid as number);
              projector.settledToReadySeconds = (Date.now() - (projector.shardChanges.at(-1) ?? spawnedAt)) / 1000;
              return projector;
            }
          }
          await sleep(100);
        }
      } catch (error) {
        failed = true;
        throw error;
      }
    }),
  );
}

async function stop(projectors: Projector[], removeDirs: boolean): Promise<void> {
  await Promise.all(
    projectors.map(async (p) => {
      if (p.server.exitCode === null && p.server.signalCode === null) {
        const exited = new Promise((r) => p.server.once('exit', r));
        p.server.kill('SIGTERM'); // saves its snapshot, then releases its leases
        await exited;
      }
      if (removeDirs) rmSync(p.dir, { recursive: true, force: true });
    }),
  );
}

export async function shardedProjectorBench(options: { events: number; deployments: number; processes: number; generateInto(store: EventStore): Promise<number> }): Promise<void> {
  const n = options.processes;
  if (!Number.isInteger(n) || n < 2 || n > 64) {
    console.error(`--shards ${n}: the number of projector processes (and shards), 2 to 64`);
    process.exitCode = 2;
    return;
  }
  console.log(`sharded projector benchmark on PostgreSQL: ${options.deployments.toLocaleString()} deployments, ${options.events.toLocaleString()} events, ${n} projector processes × 1 shard of ${n}`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  const db = await benchDatabase();
  const env = { BASELINER_POSTGRES_URL: db.url, BASELINER_PROJECTOR_SHARDS: String(n) };
  const started: Projector[] = [];
  try {
    const generationSeconds = await options.generateInto(await PostgresEventStore.connect({ url: db.url }));
    console.log(`generated into PostgreSQL in ${generationSeconds.toFixed(1)} s (${Math.round(options.events / generationSeconds).toLocaleString()} events/s)`);
    const perShard = Array.from({ length: n }, (_, shard) => Array.from({ length: options.deployments }, (_, i) => `dep-${i}`).filter((id) => shardOf(id, n) === shard).length);
    console.log(`deployments per shard: ${perShard.join(' · ')}`);

    // 1. Full replay: every process reads the whole log and keeps its shard's deployments.
    const replaying = await startProjectors(n, 1, env, started);
    for (const [i, p] of replaying.entries()) {
      console.log(
        `  process ${i + 1}: full replay to first verdicts ${p.readySeconds.toFixed(1)} s (${Math.round(options.events / p.readySeconds).toLocaleString()} events/s read), peak RSS ${mib(p.readyPeakRss)} MiB; ` +
          `${p.shardChanges.length} lease changes once listening, ${p.settledToReadySeconds.toFixed(1)} s from the last to verdicts`,
      );
    }
    await stop(replaying, true);

    // 2. Resume: each restarts from the snapshot rows of the shard it gets (which may not be the one it had).
    const resumed = await startProjectors(n, 1, env, started);
    const perProcess: Record<string, unknown>[] = [];
    const shardedLines: string[] = [];
    for (const [i, p] of resumed.entries()) {
      const scrapes = await scrape(p.url, SMALL ? 10 : 40);
      const lines = deploymentLines(await (await fetch(`${p.url}/metrics`)).text());
      shardedLines.push(...lines);
      const deployments = new Set(lines.map(deploymentOf));
      const shards = [...new Set([...deployments].map((id) => shardOf(id, n)))].sort((a, b) => a - b);
      const replayed = replaying[i] as Projector;
      const row = {
        shards,
        deployments: deployments.size,
        series: lines.length,
        fullReplaySeconds: Number(replayed.readySeconds.toFixed(1)),
        fullReplayPeakRssMiB: mib(replayed.readyPeakRss),
        fullReplayLeaseChanges: replayed.shardChanges.length,
        fullReplayFromLastLeaseChangeSeconds: Number(replayed.settledToReadySeconds.toFixed(1)),
        resumeSeconds: Number(p.readySeconds.toFixed(2)),
        resumeLeaseChanges: p.shardChanges.length,
        resumeFromLastLeaseChangeSeconds: Number(p.settledToReadySeconds.toFixed(2)),
        resumeSnapshotLoadMs: p.lastLoad?.ms ?? null,
        resumeFromPosition: p.lastLoad?.checkpoint ?? null,
        resumedPeakRssMiB: mib(peakRss(p.server.pid as number)),
        metricsP50Ms: Number(scrapes.p50.toFixed(1)),
        metricsP99Ms: Number(scrapes.p99.toFixed(1)),
        scrapeStallMaxMs: Number(scrapes.stallMax.toFixed(1)),
      };
      perProcess.push(row);
      console.log(
        `  process ${i + 1}: shard ${shards.join(',')} (${deployments.size.toLocaleString()} deployments, ${lines.length.toLocaleString()} series); resume ${row.resumeSeconds} s ` +
          `(${row.resumeLeaseChanges} lease changes once listening, ${row.resumeFromLastLeaseChangeSeconds} s from the last to verdicts${p.lastLoad ? `, snapshot of ${p.lastLoad.shards} loaded in ${p.lastLoad.ms} ms, resuming at ${p.lastLoad.checkpoint.toLocaleString()}` : ''}), ` +
          `resumed peak RSS ${row.resumedPeakRssMiB} MiB (after ${SMALL ? 10 : 40} scrapes); /metrics p50 ${row.metricsP50Ms} ms, p99 ${row.metricsP99Ms} ms; worst /healthz during a scrape ${row.scrapeStallMaxMs} ms`,
      );
    }
    await stop(resumed, true);

    // 3. One unsharded projector on the same database: a full replay of its own (no snapshot pass of one shard exists).
    const [single] = await startProjectors(1, 1, { ...env, BASELINER_PROJECTOR_SHARDS: '1' }, started);
    const singleLines = deploymentLines(await (await fetch(`${(single as Projector).url}/metrics`)).text());
    const singleRss = peakRss((single as Projector).server.pid as number);
    await stop([single as Projector], true);
    console.log(`one unsharded projector: full replay to first verdicts ${(single as Projector).readySeconds.toFixed(1)} s, peak RSS ${mib(singleRss)} MiB, ${singleLines.length.toLocaleString()} series`);

    const union = shardedLines.map(comparable);
    const whole = new Set(singleLines.map(comparable));
    const unionSet = new Set(union);
    const duplicated = union.length - unionSet.size;
    const missing = [...whole].filter((l) => !unionSet.has(l));
    const extra = [...unionSet].filter((l) => !whole.has(l));
    const verdictsOf = (lines: string[]) => lines.filter((l) => l.startsWith('baseliner_deployment_verdict{') && l.endsWith(' 1')).length;
    const deploymentsCovered = new Set(shardedLines.map(deploymentOf)).size;
    const equal = duplicated === 0 && missing.length === 0 && extra.length === 0 && deploymentsCovered === options.deployments;
    console.log(
      `union of the ${n} processes vs one node: ${unionSet.size.toLocaleString()} vs ${whole.size.toLocaleString()} series, ${deploymentsCovered.toLocaleString()} deployments, ` +
        `current verdicts ${verdictsOf(shardedLines)} vs ${verdictsOf(singleLines)}; on two processes: ${duplicated}, missing: ${missing.length}, extra: ${extra.length} — ${equal ? 'EQUAL' : 'DIFFERENT'}`,
    );
    for (const line of [...missing.slice(0, 5).map((l) => `  only on one node: ${l}`), ...extra.slice(0, 5).map((l) => `  only in the union: ${l}`)]) console.log(line);

    const summary = {
      date: new Date().toISOString(), store: 'postgres', size: SMALL ? 'small' : 'full', cpus: cpus().length, node: process.version,
      deployments: options.deployments, events: options.events, processes: n, shards: n, deploymentsPerShard: perShard,
      generationSeconds: Number(generationSeconds.toFixed(1)),
      perProcess,
      singleNode: { fullReplaySeconds: Number((single as Projector).readySeconds.toFixed(1)), peakRssMiB: mib(singleRss), series: singleLines.length },
      unionEqualsSingleNode: equal,
      comparison: { seriesUnion: unionSet.size, seriesSingleNode: whole.size, onTwoProcesses: duplicated, missing: missing.length, extra: extra.length, deploymentsCovered },
    };
    mkdirSync('reports', { recursive: true });
    writeFileSync('reports/bench-projector-postgres-shards.json', `${JSON.stringify(summary, null, 2)}\n`);
    if (!equal) {
      console.error('the union of the sharded projectors differs from one node');
      process.exitCode = 1;
    }
  } finally {
    await stop(started, true);
    await db.drop();
  }
}
