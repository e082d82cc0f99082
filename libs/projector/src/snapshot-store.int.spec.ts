import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scorecardOf } from '@baseliner/analytics';
import type { RecordedEvent } from '@baseliner/event-store';
import { applyRecordedEvent, emptyProjectionState, type ProjectionState } from './projection-state';
import { SqliteSnapshotStore } from '@baseliner/event-store-sqlite';
import { ShardSet } from './shards';
import { ProjectionSnapshots } from './snapshot-store';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-21T12:00:00Z');

/** A log of two deployments interleaved: lifecycle first, then tasks. */
function log(): RecordedEvent[] {
  const events: Omit<RecordedEvent, 'position'>[] = [];
  for (const id of ['a', 'b']) {
    events.push(
      { streamId: `deployment-${id}`, revision: 0, id: `${id}-r`, type: 'DeploymentRegistered', data: { id, name: id, owner: { name: 'Dana Reyes', email: 'd@e.com' }, timezone: 'UTC', rampUpDays: 0, registeredAt: '2026-09-01T00:00:00Z' }, metadata: {}, recordedAt: new Date(NOW) },
      { streamId: `deployment-${id}`, revision: 1, id: `${id}-c`, type: 'CriteriaDefined', data: { criteria: [{ metric: 'error_ratio', atMost: 0.2 }], definedAt: '' }, metadata: {}, recordedAt: new Date(NOW) },
      { streamId: `deployment-${id}`, revision: 2, id: `${id}-g`, type: 'WentLive', data: { at: new Date(NOW - 20 * DAY).toISOString(), recordedAt: '' }, metadata: {}, recordedAt: new Date(NOW) },
    );
  }
  for (let i = 0; i < 400; i += 1) {
    const id = i % 3 === 0 ? 'a' : 'b';
    const time = new Date(NOW - (i % 15) * DAY - 3_600_000).toISOString();
    events.push({ streamId: `telemetry-${id}`, revision: i, id: `t${i}`, type: 'task.completed', data: { specversion: '1.0', id: `t${i}`, source: 's', type: 'task.completed', time, deployment: id, data: { taskId: `t${i}`, mode: 'ai', outcome: i % 7 === 0 ? 'error' : 'success', durationSeconds: 10 + i, actor: `p${i % 9}` } }, metadata: {}, recordedAt: new Date(NOW) });
  }
  return events.map((e, i) => ({ ...e, position: i + 1 }));
}

const cards = (state: ProjectionState) => Object.values(state.deployments).map((p) => scorecardOf(p, new Date(NOW)));

describe('incremental snapshots', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'baseliner-snapshots-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('resume from a pass written while events kept arriving equals a full replay, with nothing applied twice', async () => {
    const events = log();
    const full = emptyProjectionState();
    for (const e of events) applyRecordedEvent(full, e);

    // The projector saves deployment "a" at position 150 and "b" at 260 in one pass that
    // started at 100, then stops; a restart resumes from 100.
    const live = emptyProjectionState();
    const file = new SqliteSnapshotStore(join(dir, 'projector.db'));
    const store = new ProjectionSnapshots(file);
    for (const e of events.slice(0, 150)) applyRecordedEvent(live, e);
    const passStart = 100;
    await store.saveDeployments([{ projection: live.deployments.a!, checkpoint: 150 }]);
    for (const e of events.slice(150, 260)) applyRecordedEvent(live, e);
    await store.saveDeployments([{ projection: live.deployments.b!, checkpoint: 260 }], passStart);
    await file.close();

    const reopened = new SqliteSnapshotStore(join(dir, 'projector.db'));
    const resumed = (await new ProjectionSnapshots(reopened).load())!;
    await reopened.close();
    expect(resumed.checkpoint).toBe(100);
    expect(resumed.appliedThrough).toEqual({ a: 150, b: 260 });
    for (const e of events.slice(resumed.checkpoint)) applyRecordedEvent(resumed, e);
    expect(resumed.deployments.a!.events).toBe(full.deployments.a!.events);
    expect(resumed.deployments.b!.events).toBe(full.deployments.b!.events);
    expect(cards(resumed)).toEqual(cards(full));
  });

  it('keeps the snapshot file private to the owner (0600)', async () => {
    const store = new SqliteSnapshotStore(join(dir, 'projector.db'));
    expect(statSync(join(dir, 'projector.db')).mode & 0o777).toBe(0o600);
    await store.close();
  });

  it('ignores a store without a completed pass', async () => {
    const file = new SqliteSnapshotStore(join(dir, 'projector.db'));
    const store = new ProjectionSnapshots(file);
    const state = emptyProjectionState();
    for (const e of log().slice(0, 10)) applyRecordedEvent(state, e);
    await store.saveDeployments([{ projection: state.deployments.a!, checkpoint: 10 }]);
    expect(await store.load()).toBeUndefined();
    await file.close();
  });

  it('splits deployments by shard: two projectors of one shard each add up to one that holds both, and a survivor resumes the other shard from its snapshot', async () => {
    const events = log();
    const full = emptyProjectionState();
    for (const e of events) applyRecordedEvent(full, e);
    // Three shards, "a" in shard 2 and "b" in shard 0: one projector holds {0}, the other {1, 2}.
    const [shard0, shard1] = [new ShardSet(3, [0]), new ShardSet(3, [1, 2])];
    // The two deployments must land in different shards for this test to mean anything.
    expect(shard0.owns('a')).not.toBe(shard0.owns('b'));

    const file = new SqliteSnapshotStore(join(dir, 'projector.db'));
    const store = new ProjectionSnapshots(file);
    const [first, second] = [emptyProjectionState(shard0), emptyProjectionState(shard1)];
    for (const e of events.slice(0, 200)) {
      applyRecordedEvent(first, e);
      applyRecordedEvent(second, e);
    }
    expect(Object.keys(first.deployments).length + Object.keys(second.deployments).length).toBe(2);
    // The second projector saves its shard at 200, then dies; the first takes both shards over.
    await store.saveDeployments(Object.values(second.deployments).map((projection) => ({ projection, checkpoint: 200 })), 200, shard1);
    for (const e of events.slice(200)) applyRecordedEvent(first, e);
    await store.saveDeployments(Object.values(first.deployments).map((projection) => ({ projection, checkpoint: events.length })), events.length, shard0);
    const survivor = (await store.load(ShardSet.all(3)))!;
    expect(survivor.checkpoint).toBe(200);
    for (const e of events.slice(survivor.checkpoint)) applyRecordedEvent(survivor, e);
    expect(cards(survivor)).toEqual(cards(full));
    await file.close();
  });
});
