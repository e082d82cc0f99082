import { applyLifecycleEvent, applyTelemetryEvent, emptyProjection, HOURLY_DAYS, localDay, type DeploymentProjection } from '@baseliner/analytics';
import type { TelemetryEvent } from '@baseliner/contracts';
import { dailySeries, durationDistribution, segmentGroupSeries, segmentShareSeries, weekdayHourGrid } from './deployment-series';

const DAY = 86_400_000;
// 2026-11-02 is a Monday.
const MONDAY = Date.parse('2026-11-02T00:00:00Z');
const day0 = MONDAY / DAY;

function projection(timezone = 'UTC'): DeploymentProjection {
  const p = emptyProjection('d');
  applyLifecycleEvent(p, {
    type: 'DeploymentRegistered',
    data: { id: 'd', name: 'd', owner: { name: 'Dana Reyes', email: 'd@example.com' }, timezone, rampUpDays: 0, registeredAt: new Date(MONDAY).toISOString() },
  });
  return p;
}

let n = 0;
function event(p: DeploymentProjection, at: number, type: string, data: Record<string, unknown> = {}) {
  applyTelemetryEvent(p, { specversion: '1.0', id: `e${(n += 1)}`, source: 's', type, time: new Date(at).toISOString(), deployment: 'd', data } as TelemetryEvent);
}

function task(p: DeploymentProjection, at: number, data: { mode: 'ai' | 'assisted' | 'manual'; outcome?: string; durationSeconds?: number; costUsd?: number; actor?: string; segment?: string }) {
  applyTelemetryEvent(p, {
    specversion: '1.0',
    id: `e${(n += 1)}`,
    source: 's',
    type: 'task.completed',
    time: new Date(at).toISOString(),
    deployment: 'd',
    data: { taskId: `t${n}`, outcome: 'success', durationSeconds: 60, ...data },
  } as TelemetryEvent);
}

describe('dailySeries', () => {
  it('gives each day its error ratio over every mode, cost per reporting task and AI share', () => {
    const p = projection();
    // Day 0: 3 manual (1 error, 1 rework), 1 ai. Costs 0.10 and 0.30 on two tasks only.
    task(p, MONDAY + 1_000, { mode: 'manual', outcome: 'error', costUsd: 0.1 });
    task(p, MONDAY + 2_000, { mode: 'manual', outcome: 'rework', costUsd: 0.3 });
    task(p, MONDAY + 3_000, { mode: 'manual' });
    task(p, MONDAY + 4_000, { mode: 'ai' });
    // Day 2: one assisted task. Day 1: nothing.
    task(p, MONDAY + 2 * DAY + 5_000, { mode: 'assisted' });
    const [d0, d1, d2] = dailySeries(p, day0, day0 + 2);
    expect(d0).toMatchObject({ date: '2026-11-02', manualTasks: 3, aiTasks: 1, errorRatio: 0.5, aiShare: 0.25 });
    expect(d0?.costPerTask).toBeCloseTo(0.2, 10);
    expect(d1).toMatchObject({ date: '2026-11-03', manualTasks: 0, aiTasks: 0, errorRatio: null, costPerTask: null, aiShare: null });
    expect(d2).toMatchObject({ aiTasks: 1, errorRatio: 0, aiShare: 1 });
  });

  it('gives each day its median and 90th-percentile duration, downstream errors and escalations per task, overrides per AI task', () => {
    const p = projection();
    // Ten tasks of 10, 20, … 100 s: 4 ai, 6 manual.
    for (let i = 1; i <= 10; i += 1) task(p, MONDAY + i * 1_000, { mode: i <= 4 ? 'ai' : 'manual', durationSeconds: 10 * i });
    event(p, MONDAY + 20_000, 'error.downstream', { stage: 'settlement' });
    event(p, MONDAY + 21_000, 'error.downstream', { stage: 'settlement' });
    event(p, MONDAY + 22_000, 'escalation.raised', { to: 'builder' });
    event(p, MONDAY + 23_000, 'escalation.raised', { to: 'operator' });
    event(p, MONDAY + 24_000, 'escalation.raised', { to: 'operator' });
    event(p, MONDAY + 25_000, 'ai.overridden', { actor: 'u1' });
    const [d0, d1] = dailySeries(p, day0, day0 + 1);
    expect(d0?.p50).toBeCloseTo(50, -0.5);
    expect(d0?.p90).toBeCloseTo(90, -0.5);
    expect(d0).toMatchObject({ downstreamErrors: 2, downstreamErrorRatio: 0.2, escalations: 3, builderEscalations: 1, overrides: 1, overrideRatio: 0.25 });
    expect(d0?.escalationRatio).toBeCloseTo(0.3, 10);
    expect(d0?.builderEscalationRatio).toBeCloseTo(0.1, 10);
    // A day without tasks has no ratios to draw.
    expect(d1).toMatchObject({ p50: null, p90: null, downstreamErrorRatio: null, escalationRatio: null, overrideRatio: null });
  });

  it('counts an actor as active on the seven days from each AI day, once however many AI days overlap', () => {
    const p = projection();
    // u1: AI on days 0 and 3 → active days 0..9. u2: AI on day 10 → active 10..16. u3: manual only.
    task(p, MONDAY + 10_000, { mode: 'ai', actor: 'u1' });
    task(p, MONDAY + 3 * DAY, { mode: 'ai', actor: 'u1' });
    task(p, MONDAY + 10 * DAY, { mode: 'assisted', actor: 'u2' });
    task(p, MONDAY + 5 * DAY, { mode: 'manual', actor: 'u3' });
    const active = dailySeries(p, day0, day0 + 17).map((d) => d.activeUsers7d);
    expect(active).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    // A span starting mid-way sees the runs clipped, not shifted.
    expect(dailySeries(p, day0 + 8, day0 + 11).map((d) => d.activeUsers7d)).toEqual([1, 1, 1, 1]);
    task(p, MONDAY + 9 * DAY, { mode: 'ai', actor: 'u2' });
    expect(dailySeries(p, day0 + 8, day0 + 11).map((d) => d.activeUsers7d)).toEqual([1, 2, 1, 1]); // u1 active 0–9, u2 now 9–16
  });
});

describe('durationDistribution', () => {
  it('gives shares per log bin for the manual baseline and the whole current window', () => {
    const p = projection();
    // Baseline (days 0–1): manual 10 s ×3 and 1000 s ×1; an AI task there is not baseline work.
    for (let i = 0; i < 3; i += 1) task(p, MONDAY + i * 1_000, { mode: 'manual', durationSeconds: 10 });
    task(p, MONDAY + DAY, { mode: 'manual', durationSeconds: 1000 });
    task(p, MONDAY + DAY + 1, { mode: 'ai', durationSeconds: 500 });
    // Current (days 5–6): ai 10 s ×1, 100 s ×1.
    task(p, MONDAY + 5 * DAY, { mode: 'ai', durationSeconds: 10 });
    task(p, MONDAY + 6 * DAY, { mode: 'ai', durationSeconds: 100 });
    const d = durationDistribution(p, { fromDay: day0, toDay: day0 + 1 }, { fromDay: day0 + 5, toDay: day0 + 6 }, 2);
    // Two bins spanning 10 s … 1000 s (log): (10, 100] and (100, 1000].
    expect(d.edges).toHaveLength(3);
    expect(d.edges[1]).toBeCloseTo(100, -1);
    expect(d.baselineTasks).toBe(4);
    expect(d.currentTasks).toBe(2);
    expect(d.baseline).toEqual([0.75, 0.25]);
    expect(d.current[0]! + d.current[1]!).toBeCloseTo(1, 10);
    expect(d.current[0]).toBeGreaterThanOrEqual(0.5);
  });

  it('takes fewer bins for few tasks, and a readable range when all durations are alike', () => {
    const p = projection();
    for (let i = 0; i < 20; i += 1) task(p, MONDAY + i * 1_000, { mode: 'manual', durationSeconds: 300 });
    for (let i = 0; i < 20; i += 1) task(p, MONDAY + 5 * DAY + i * 1_000, { mode: 'ai', durationSeconds: 300 });
    const d = durationDistribution(p, { fromDay: day0, toDay: day0 }, { fromDay: day0 + 5, toDay: day0 + 5 });
    expect(d.edges).toHaveLength(9); // 8 bins for 20 tasks, not 24
    expect(d.edges[8]! / d.edges[0]!).toBeGreaterThanOrEqual(3.99);
    expect(d.baseline.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
  });

  it('is empty when neither window has tasks', () => {
    expect(durationDistribution(projection(), { fromDay: day0, toDay: day0 }, undefined)).toMatchObject({ edges: [], baselineTasks: 0, currentTasks: 0 });
  });
});

describe('weekdayHourGrid', () => {
  it("puts tasks and errors in the deployment's local weekday and hour", () => {
    // New York is UTC−5 in November: Tuesday 2026-11-03 02:30 UTC is Monday 21:30 there.
    const p = projection('America/New_York');
    task(p, Date.parse('2026-11-03T02:30:00Z'), { mode: 'ai', outcome: 'error' });
    task(p, Date.parse('2026-11-03T02:45:00Z'), { mode: 'ai' });
    task(p, Date.parse('2026-11-03T15:00:00Z'), { mode: 'manual', outcome: 'rework' });
    const today = localDay(Date.parse('2026-11-04T12:00:00Z'), 'America/New_York');
    const grid = weekdayHourGrid(p, today);
    expect(grid.tasks[0]?.[21]).toBe(2);
    expect(grid.errors[0]?.[21]).toBe(1);
    expect(grid.tasks[1]?.[10]).toBe(1);
    expect(grid.errors[1]?.[10]).toBe(1);
    const total = grid.tasks.flat().reduce((a, b) => a + b, 0);
    expect(total).toBe(3);
  });

  it('keeps hours only for the last eight weeks of days, so memory stays per day', () => {
    const p = projection();
    task(p, MONDAY + 3_600_000, { mode: 'ai' });
    expect([p.days[day0]?.hourly?.[1], p.days[day0]?.hourly?.reduce((a, b) => a + b, 0)]).toEqual([1, 1]);
    // A task HOURLY_DAYS later drops the old day's hours; its counts stay.
    task(p, MONDAY + HOURLY_DAYS * DAY, { mode: 'ai' });
    expect(p.days[day0]?.hourly).toBeUndefined();
    expect(p.days[day0]?.modes.ai?.tasks).toBe(1);
    // A backfilled task older than the kept span is counted but not by hour.
    task(p, MONDAY + 3_600_000, { mode: 'ai' });
    expect(p.days[day0]?.hourly).toBeUndefined();
    expect(p.days[day0]?.modes.ai?.tasks).toBe(2);
  });
});

describe('segmentGroupSeries and segmentShareSeries', () => {
  it('pools the named segments per day, and gives a segment its share of the tasks naming one', () => {
    const p = projection();
    task(p, MONDAY + 1_000, { mode: 'ai', segment: 'berlin', durationSeconds: 100 });
    task(p, MONDAY + 2_000, { mode: 'ai', segment: 'berlin', durationSeconds: 300, outcome: 'error' });
    task(p, MONDAY + 3_000, { mode: 'manual', segment: 'lisbon', durationSeconds: 600, costUsd: 2 });
    task(p, MONDAY + 4_000, { mode: 'manual', durationSeconds: 50 }); // names no segment
    const [live] = segmentGroupSeries(p, ['berlin'], day0, day0);
    expect(live).toMatchObject({ day: day0, tasks: 2, errorRatio: 0.5, costPerTask: null });
    expect(live?.p50).toBeCloseTo(100, -0.5);
    const [comparison, empty] = segmentGroupSeries(p, ['lisbon'], day0, day0 + 1);
    expect(comparison).toMatchObject({ tasks: 1, errorRatio: 0, costPerTask: 2 });
    expect(empty).toMatchObject({ tasks: 0, errorRatio: null, p50: null });
    expect(segmentShareSeries(p, 'lisbon', day0, day0 + 1).map((d) => d.share)).toEqual([1 / 3, null]);
  });
});
