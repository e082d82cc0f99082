import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore, NewEvent, RecordedEvent } from '@baseliner/event-store';
import { PostgresEventStore } from '@baseliner/event-store-postgres';
import { SqliteEventStore } from '@baseliner/event-store-sqlite';
import { describeWithPostgres, freshDatabase } from '../support/postgres';
import { exited, spawnTs } from '../support/run-ts';

const DAY = 86_400_000;
const NOW = Math.floor(Date.now() / DAY) * DAY + 12 * 3_600_000;
const DEPLOYMENTS = ['triage', 'drafting', 'lookup'];
const TASKS = 360;

async function cli(args: string[], env: Record<string, string> = {}) {
  const child = spawnTs('apps/cli/src/main.ts', ['migrate', ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  return { code: await exited(child), stdout, stderr };
}

/**
 * A small real history, in the shapes of snapshot-store.int.spec.ts's log(): each deployment's
 * lifecycle first, then manual tasks before go-live and AI tasks after, appended in small batches
 * that interleave the deployments' telemetry streams.
 */
async function seed(store: EventStore): Promise<number> {
  let events = 0;
  for (const id of DEPLOYMENTS) {
    const lifecycle: NewEvent[] = [
      { id: `${id}-r`, type: 'DeploymentRegistered', data: { id, name: id, owner: { name: 'Dana Reyes', email: 'd@e.com' }, timezone: 'UTC', rampUpDays: 0, registeredAt: new Date(NOW - 60 * DAY).toISOString() } },
      { id: `${id}-c`, type: 'CriteriaDefined', data: { criteria: [{ metric: 'error_ratio', atMost: 0.2 }, { metric: 'task_duration_p50', relativeChange: -0.3 }], definedAt: '' } },
      { id: `${id}-g`, type: 'WentLive', data: { at: new Date(NOW - 20 * DAY).toISOString(), recordedAt: '' } },
    ];
    events += (await store.append(`deployment-${id}`, lifecycle, { expectedRevision: 'no_stream' })).appendedIds.length;
  }
  let batch: NewEvent[] = [];
  for (let i = 0; i < TASKS; i += 1) {
    const deployment = DEPLOYMENTS[i % DEPLOYMENTS.length] as string;
    const live = i % 2 === 0;
    const time = new Date(NOW - (live ? i % 19 : 21 + (i % 19)) * DAY - 3_600_000).toISOString();
    const taskId = `${deployment}-t${i}`;
    batch.push({
      id: taskId,
      type: 'task.completed',
      data: { specversion: '1.0', id: taskId, source: 's', type: 'task.completed', time, deployment, data: { taskId, mode: live ? 'ai' : 'manual', outcome: i % 7 === 0 ? 'error' : 'success', durationSeconds: live ? 200 + (i % 50) : 600 + (i % 80), actor: `p${i % 9}` } },
    });
    // Flush a batch to one stream every few tasks: runs of 1–4 events, streams interleaved.
    const next = DEPLOYMENTS[(i + 1) % DEPLOYMENTS.length];
    if (i % 5 === 4 || next !== deployment) {
      const byStream = batch.filter((e) => (e.data as { deployment: string }).deployment === deployment);
      events += (await store.append(`telemetry-${deployment}`, byStream)).appendedIds.length;
      batch = batch.filter((e) => !byStream.includes(e));
    }
  }
  return events;
}

const stackTrace = /^\s+at /m;

describeWithPostgres('baseliner migrate (SQLite to PostgreSQL)', () => {
  let dir: string;
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let total: number;
  let sourceTelemetry: Pick<RecordedEvent, 'revision' | 'id' | 'type' | 'data'>[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'baseliner-migrate-'));
    const source = new SqliteEventStore({ path: join(dir, 'events.db') });
    try {
      total = await seed(source);
      // Read now: the SQLite store fetches an event's id lazily, from the open file.
      sourceTelemetry = (await source.readStream('telemetry-triage')).map(({ revision, id, type, data }) => ({ revision, id, type, data }));
    } finally {
      await source.close();
    }
    database = await freshDatabase();
  }, 30_000);

  afterAll(async () => {
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies the history, proves it by equal scorecards, keeps revisions, and copies nothing twice when run again', async () => {
    expect(total).toBe(DEPLOYMENTS.length * 3 + TASKS);
    const args = ['--from', 'sqlite', '--to', 'postgres', '--data-dir', dir, '--to-url', database.url];

    const first = await cli(args);
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain('target: empty');
    expect(first.stdout).toContain(`copied ${total} events in 6 streams: ${total} new, 0 already there`);
    expect(first.stdout).toMatch(/events\/s/);
    expect(first.stdout).toContain(`verified: 3 deployments, ${total} events, scorecards identical`);
    expect(first.stderr).toMatch(/warning: events are copied up to position \d+.*run the same command again/);

    const target = await PostgresEventStore.connect({ url: database.url });
    try {
      expect(await target.readAll({ maxCount: 10_000 })).toHaveLength(total);
      const telemetry = await target.readStream('telemetry-triage');
      expect(telemetry.map((e) => [e.revision, e.id, e.type])).toEqual(sourceTelemetry.map((e) => [e.revision, e.id, e.type]));
      expect(telemetry.map((e) => e.revision)).toEqual(telemetry.map((_, i) => i));
      expect(telemetry[5]?.data).toEqual(sourceTelemetry[5]?.data);
      expect((await target.readStream('deployment-drafting')).map((e) => [e.revision, e.type])).toEqual([
        [0, 'DeploymentRegistered'],
        [1, 'CriteriaDefined'],
        [2, 'WentLive'],
      ]);

      const again = await cli(args);
      expect(again).toMatchObject({ code: 0 });
      expect(again.stdout).toContain(`target: already holds ${total} events in 6 streams`);
      expect(again.stdout).toContain(`copied ${total} events in 6 streams: 0 new, ${total} already there (duplicates)`);
      expect(again.stdout).toContain(`verified: 3 deployments, ${total} events, scorecards identical`);
      expect(await target.headPosition()).toBe(total);

      // A target holding history of its own is refused before anything is copied.
      await target.append('deployment-elsewhere', [{ id: 'x-r', type: 'DeploymentRegistered', data: { id: 'elsewhere' } }]);
      const refused = await cli(args);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/already holds events that are not a copy of the source's: stream deployment-elsewhere .*Nothing was copied/);
      expect(refused.stderr).not.toMatch(stackTrace);
      expect(await target.headPosition()).toBe(total + 1);
    } finally {
      await target.close();
    }
  }, 60_000);

  it('says what is wrong, without a stack trace, for a missing URL, an unreachable database and the same store twice', async () => {
    const [missing, unreachable, same] = await Promise.all([
      cli(['--from', 'sqlite', '--to', 'postgres', '--data-dir', dir], { BASELINER_POSTGRES_URL: '' }),
      cli(['--from', 'sqlite', '--to', 'postgres', '--data-dir', dir, '--to-url', 'postgres://postgres@127.0.0.1:1/nothing']),
      cli(['--from', 'sqlite', '--to', 'sqlite', '--data-dir', dir, '--to-data-dir', dir]),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--to postgres needs a connection string: give --to-url');
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/Cannot open the target \(postgres postgres:\/\/postgres@127\.0\.0\.1:1\/nothing\): PostgreSQL is not reachable/);
    expect(same.code).toBe(1);
    expect(same.stderr).toContain('The source and the target are the same store');
    for (const run of [missing, unreachable, same]) {
      expect(run.stdout).not.toContain('verified');
      expect(run.stderr).not.toMatch(stackTrace);
    }
  }, 30_000);
});
