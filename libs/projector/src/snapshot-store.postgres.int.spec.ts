import { scorecardOf } from '@baseliner/analytics';
import { shardOf, type RecordedEvent, type SnapshotRow, type SnapshotShardFilter, type SnapshotStore } from '@baseliner/event-store';
import { PostgresEventStore } from '@baseliner/event-store-postgres';
import { describeWithPostgres, dropSchema, freshSchemaName, POSTGRES_URL } from '../../../test/support/postgres';
import { applyRecordedEvent, emptyProjectionState, type ProjectionState } from './projection-state';
import { ShardSet } from './shards';
import { ProjectionSnapshots } from './snapshot-store';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-21T12:00:00Z');
const IDS = Array.from({ length: 40 }, (_, i) => `dep-${i}`);

/** A log of 40 deployments: lifecycle first, then tasks spread over them. */
function log(): RecordedEvent[] {
  const events: Omit<RecordedEvent, 'position'>[] = [];
  for (const id of IDS) {
    events.push(
      { streamId: `deployment-${id}`, revision: 0, id: `${id}-r`, type: 'DeploymentRegistered', data: { id, name: id, owner: { name: 'Dana Reyes', email: 'd@e.com' }, timezone: 'UTC', rampUpDays: 0, registeredAt: '2026-09-01T00:00:00Z' }, metadata: {}, recordedAt: new Date(NOW) },
      { streamId: `deployment-${id}`, revision: 1, id: `${id}-c`, type: 'CriteriaDefined', data: { criteria: [{ metric: 'error_ratio', atMost: 0.2 }], definedAt: '' }, metadata: {}, recordedAt: new Date(NOW) },
      { streamId: `deployment-${id}`, revision: 2, id: `${id}-g`, type: 'WentLive', data: { at: new Date(NOW - 20 * DAY).toISOString(), recordedAt: '' }, metadata: {}, recordedAt: new Date(NOW) },
    );
  }
  for (let i = 0; i < 1200; i += 1) {
    const id = IDS[i % IDS.length] as string;
    const time = new Date(NOW - (i % 15) * DAY - 3_600_000).toISOString();
    events.push({ streamId: `telemetry-${id}`, revision: i, id: `t${i}`, type: 'task.completed', data: { specversion: '1.0', id: `t${i}`, source: 's', type: 'task.completed', time, deployment: id, data: { taskId: `t${i}`, mode: 'ai', outcome: i % 7 === 0 ? 'error' : 'success', durationSeconds: 10 + (i % 50), actor: `p${i % 9}` } }, metadata: {}, recordedAt: new Date(NOW) });
  }
  return events.map((e, i) => ({ ...e, position: i + 1 }));
}

const cards = (state: ProjectionState) =>
  Object.values(state.deployments)
    .map((p) => scorecardOf(p, new Date(NOW)))
    .filter((card) => card !== undefined)
    .sort((a, b) => a.deploymentId.localeCompare(b.deploymentId));

/** The real PostgreSQL snapshot store, keeping what each load returned (the rows that came from the database). */
class RecordingStore implements SnapshotStore {
  readonly loads: { shards: SnapshotShardFilter | undefined; rows: SnapshotRow[] }[] = [];
  constructor(private readonly inner: SnapshotStore) {}
  async load(shards?: SnapshotShardFilter) {
    const loaded = await this.inner.load(shards);
    this.loads.push({ shards, rows: loaded.rows });
    return loaded;
  }
  save(rows: SnapshotRow[], meta?: Record<string, number>) {
    return this.inner.save(rows, meta);
  }
  close() {
    return this.inner.close();
  }
}

describeWithPostgres('projection snapshots on PostgreSQL, sharded', () => {
  let schema: string;
  let events: PostgresEventStore;
  beforeEach(async () => {
    schema = freshSchemaName();
    events = await PostgresEventStore.connect({ url: POSTGRES_URL, schema });
  });
  afterEach(async () => {
    await events.close();
    await dropSchema(schema);
  });

  it('a projector holding shards {1,3} of 4 receives only the rows of those shards from the database, and resumes to what a full replay gives', async () => {
    const history = log();
    const full = emptyProjectionState();
    for (const e of history) applyRecordedEvent(full, e);
    // Every shard of 4 holds some of the 40 deployments, or the test would prove nothing.
    const byShard = [0, 1, 2, 3].map((shard) => IDS.filter((id) => shardOf(id, 4) === shard));
    for (const ids of byShard) expect(ids.length).toBeGreaterThan(0);

    // Two projectors, {0,2} and {1,3}, each replay and save their shards.
    const writer = new ProjectionSnapshots(events.snapshotStore());
    for (const shards of [new ShardSet(4, [0, 2]), new ShardSet(4, [1, 3])]) {
      const state = emptyProjectionState(shards);
      for (const e of history) applyRecordedEvent(state, e);
      await writer.saveDeployments(Object.values(state.deployments).map((projection) => ({ projection, checkpoint: history.length })), history.length, shards);
    }
    const all = await events.snapshotStore().load();
    expect(all.rows.map((r) => r.key).sort()).toEqual([...IDS].sort());

    const recording = new RecordingStore(events.snapshotStore());
    const mine = new ShardSet(4, [1, 3]);
    const resumed = (await new ProjectionSnapshots(recording).load(mine))!;
    expect(recording.loads).toHaveLength(1);
    const received = (recording.loads[0] as { rows: SnapshotRow[] }).rows.map((row) => row.key).sort();
    expect(received).toEqual([...(byShard[1] as string[]), ...(byShard[3] as string[])].sort());
    for (const key of received) expect([1, 3]).toContain(shardOf(key, 4));

    expect(resumed.checkpoint).toBe(history.length);
    const expected = emptyProjectionState(mine);
    for (const e of history) applyRecordedEvent(expected, e);
    expect(cards(resumed)).toEqual(cards(expected));
    expect(cards(resumed)).toEqual(cards(full).filter((card) => mine.owns(card.deploymentId)));
  });
});
