import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scorecardOf } from '@baseliner/analytics';
import type { RecordedEvent } from '@baseliner/event-store';
import { applyRecordedEvent, emptyProjectionState, type ProjectionState } from './projection-state';
import { SnapshotStore } from './snapshot-store';

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

  it('resume from a pass written while events kept arriving equals a full replay, with nothing applied twice', () => {
    const events = log();
    const full = emptyProjectionState();
    for (const e of events) applyRecordedEvent(full, e);

    // The projector saves deployment "a" at position 150 and "b" at 260 in one pass that
    // started at 100, then stops; a restart resumes from 100.
    const live = emptyProjectionState();
    const store = new SnapshotStore(join(dir, 'projector.db'));
    for (const e of events.slice(0, 150)) applyRecordedEvent(live, e);
    const passStart = 100;
    store.saveDeployments([{ projection: live.deployments.a!, checkpoint: 150 }]);
    for (const e of events.slice(150, 260)) applyRecordedEvent(live, e);
    store.saveDeployments([{ projection: live.deployments.b!, checkpoint: 260 }], passStart);
    store.close();

    const reopened = new SnapshotStore(join(dir, 'projector.db'));
    const resumed = reopened.load()!;
    reopened.close();
    expect(resumed.checkpoint).toBe(100);
    expect(resumed.appliedThrough).toEqual({ a: 150, b: 260 });
    for (const e of events.slice(resumed.checkpoint)) applyRecordedEvent(resumed, e);
    expect(resumed.deployments.a!.events).toBe(full.deployments.a!.events);
    expect(resumed.deployments.b!.events).toBe(full.deployments.b!.events);
    expect(cards(resumed)).toEqual(cards(full));
  });

  it('keeps the snapshot file private to the owner (0600)', () => {
    const store = new SnapshotStore(join(dir, 'projector.db'));
    expect(statSync(join(dir, 'projector.db')).mode & 0o777).toBe(0o600);
    store.close();
  });

  it('ignores a store without a completed pass', () => {
    const store = new SnapshotStore(join(dir, 'projector.db'));
    const state = emptyProjectionState();
    for (const e of log().slice(0, 10)) applyRecordedEvent(state, e);
    store.saveDeployments([{ projection: state.deployments.a!, checkpoint: 10 }]);
    expect(store.load()).toBeUndefined();
    store.close();
  });
});
