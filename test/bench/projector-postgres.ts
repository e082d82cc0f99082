// npm run bench:projector -- --store postgres: replay from PostgreSQL, in one run with the same
// history replayed from SQLite as the baseline. With --shards N: N sharded projector processes
// on one PostgreSQL store, checked against one unsharded projector.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '@baseliner/event-store';
import { PostgresEventStore } from '@baseliner/event-store-postgres';
import { SqliteEventStore } from '@baseliner/event-store-sqlite';
import { applyRecordedEvent, emptyProjectionState } from '@baseliner/projector';
import { startBuiltServer } from './bench-server';
import { BENCH_SECRETS, benchDatabase } from './postgres-bench-support';
import { shardedProjectorBench } from './projector-postgres-shards';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** The projection loop alone over the whole log: events/s. */
async function replay(store: EventStore): Promise<number> {
  const head = await store.headPosition();
  const state = emptyProjectionState();
  let count = 0;
  const started = performance.now();
  const subscription = store.subscribeToAll({ fromPosition: 0 });
  for await (const event of subscription) {
    applyRecordedEvent(state, event);
    count += 1;
    if (event.position >= head) break;
  }
  subscription.close();
  return count / ((performance.now() - started) / 1000);
}

/** The projector app from an empty snapshot to its first verdicts on /metrics, boot included. */
async function serviceReplay(url: string, deployments: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'baseliner-bench-pg-projector-'));
  const started = performance.now();
  const { server, url: base } = await startBuiltServer(dir, { app: 'projector', env: { BASELINER_EVENT_STORE: 'postgres', BASELINER_POSTGRES_URL: url, ...BENCH_SECRETS } });
  let metrics = '';
  while (!metrics.includes(`baseliner_deployment_verdict{deployment="dep-${deployments - 1}"`)) {
    metrics = await (await fetch(`${base}/metrics`)).text();
    if (!metrics.includes('baseliner_deployment_verdict')) await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (performance.now() - started) / 1000;
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  return seconds;
}

export async function postgresProjectorBench(options: { events: number; deployments: number; generateInto(store: EventStore): Promise<number> }): Promise<void> {
  const shardsFlag = process.argv.indexOf('--shards');
  if (shardsFlag >= 0) return shardedProjectorBench({ ...options, processes: Number(process.argv[shardsFlag + 1]) });
  console.log(`projector benchmark on PostgreSQL: ${options.deployments} deployments, ${options.events.toLocaleString()} events, ${ROUNDS} replays each`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  const db = await benchDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'baseliner-bench-projector-'));
  try {
    const pgSeconds = await options.generateInto(await PostgresEventStore.connect({ url: db.url }));
    console.log(`generated into PostgreSQL in ${pgSeconds.toFixed(1)} s (${Math.round(options.events / pgSeconds).toLocaleString()} events/s)`);
    const sqliteSeconds = await options.generateInto(new SqliteEventStore({ path: join(dir, 'events.db') }));
    console.log(`generated into SQLite in ${sqliteSeconds.toFixed(1)} s`);
    const fromPostgres: number[] = [];
    const fromSqlite: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      // Interleaved, so both see the same machine noise.
      const pg = await PostgresEventStore.connect({ url: db.url });
      fromPostgres.push(await replay(pg));
      await pg.close();
      const sqlite = new SqliteEventStore({ path: join(dir, 'events.db'), exclusiveWriter: false });
      fromSqlite.push(await replay(sqlite));
      await sqlite.close();
      console.log(`round ${round + 1}: projection loop from PostgreSQL ${Math.round(fromPostgres[round] as number).toLocaleString()} events/s, from SQLite ${Math.round(fromSqlite[round] as number).toLocaleString()}`);
    }
    const service = await serviceReplay(db.url, options.deployments);
    const summary = {
      date: new Date().toISOString(), store: 'postgres', cpus: cpus().length, node: process.version, deployments: options.deployments, events: options.events, rounds: ROUNDS,
      generationEventsPerSecond: Math.round(options.events / pgSeconds),
      replayFromPostgresEventsPerSecond: Math.round(median(fromPostgres)),
      replayFromSqliteEventsPerSecond: Math.round(median(fromSqlite)),
      postgresToSqliteReplayRatio: Number((median(fromPostgres) / median(fromSqlite)).toFixed(3)),
      serviceFullReplaySeconds: Number(service.toFixed(1)),
      serviceFullReplayEventsPerSecond: Math.round(options.events / service),
    };
    console.log(`\nmedian projection loop from PostgreSQL: ${summary.replayFromPostgresEventsPerSecond.toLocaleString()} events/s (${(summary.postgresToSqliteReplayRatio * 100).toFixed(0)}% of SQLite's ${summary.replayFromSqliteEventsPerSecond.toLocaleString()})`);
    console.log(`projector app, boot to first verdicts from PostgreSQL: ${summary.serviceFullReplaySeconds} s (${summary.serviceFullReplayEventsPerSecond.toLocaleString()} events/s all included)`);
    mkdirSync('reports', { recursive: true });
    writeFileSync('reports/bench-projector-postgres.json', `${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
}
