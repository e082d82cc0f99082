import type { Criterion, TaskMode, TelemetryEvent } from '@baseliner/contracts';
import type { DeploymentEvent } from '@baseliner/domain';
import { differenceInDifferences } from './comparison-design';
import { applyLifecycleEvent, applyTelemetryEvent, emptyProjection, type DeploymentProjection } from './deployment-projection';
import { DAY_MS } from './local-time';
import { scorecardOf } from './scorecard';
import { alwaysValidMultiplier } from './statistics';
import { windowsOf } from './windows';

const GO_LIVE = Date.parse('2026-10-01T08:00:00.000Z');
const NOW = new Date(GO_LIVE + 35 * DAY_MS + 10 * 3_600_000); // day 35: a full 28-day window after 7 days of ramp-up
const TASKS_PER_DAY = 200;

interface SegmentTruth {
  errorsPerDay: number;
  /** Duration scale: each day's 200 tasks take scale · (250 … 349.5 s). */
  durationScale: number;
}

/**
 * Two segments, 200 tasks a day each, identical days (no day-to-day noise), so every figure can be
 * worked out by hand: `before` for the 28 baseline days, `after` from go-live on.
 */
function deployment(options: {
  criteria: Criterion[];
  segments?: string[];
  before: Record<string, SegmentTruth>;
  after: Record<string, SegmentTruth & { mode: TaskMode }>;
}): DeploymentProjection {
  const projection = emptyProjection('claims');
  const at = (offset: number) => new Date(GO_LIVE + offset * DAY_MS).toISOString();
  const lifecycle: DeploymentEvent[] = [
    {
      type: 'DeploymentRegistered',
      data: { id: 'claims', name: 'Claims', owner: { name: 'Ana Lima', email: 'ana@example.com' }, timezone: 'UTC', rampUpDays: 7, registeredAt: at(-60) },
    },
    { type: 'CriteriaDefined', data: { criteria: options.criteria, definedAt: at(-60) } },
    { type: 'WentLive', data: { at: at(0), recordedAt: at(0), ...(options.segments && { segments: options.segments }) } },
  ];
  let id = 0;
  const day = (offset: number, segment: string, truth: SegmentTruth, mode: TaskMode) => {
    for (let i = 0; i < TASKS_PER_DAY; i += 1) {
      id += 1;
      applyTelemetryEvent(projection, {
        specversion: '1.0',
        id: `e${id}`,
        source: 'test',
        type: 'task.completed',
        time: new Date(GO_LIVE + offset * DAY_MS + 3_600_000 + i * 1000).toISOString(),
        deployment: 'claims',
        data: {
          taskId: `t${id}`,
          mode,
          outcome: i < truth.errorsPerDay ? 'error' : 'success',
          durationSeconds: truth.durationScale * (250 + i / 2),
          segment,
        },
      } as TelemetryEvent);
    }
  };
  applyLifecycleEvent(projection, lifecycle[0] as DeploymentEvent);
  applyLifecycleEvent(projection, lifecycle[1] as DeploymentEvent);
  for (let offset = -28; offset < 0; offset += 1) for (const [segment, truth] of Object.entries(options.before)) day(offset, segment, truth, 'manual');
  applyLifecycleEvent(projection, lifecycle[2] as DeploymentEvent);
  for (let offset = 0; offset <= 35; offset += 1) for (const [segment, truth] of Object.entries(options.after)) day(offset, segment, truth, truth.mode);
  return projection;
}

const steady: SegmentTruth = { errorsPerDay: 20, durationScale: 1 };
// A busy season from go-live for both teams: errors ×1.3, durations ×1.2.
const seasonOnly = { errorsPerDay: 26, durationScale: 1.2 };
// team-a also has the AI: errors halved (13 of 200 under the season), time −45%.
const seasonAndAi = { errorsPerDay: 13, durationScale: 1.2 * 0.55 };

describe('difference-in-differences over segments', () => {
  it('nets out what changed for the comparison segment over the same days (worked by hand)', () => {
    const projection = deployment({
      criteria: [{ metric: 'error_ratio', relativeChange: 0 }],
      segments: ['team-a'],
      before: { 'team-a': steady, 'team-b': steady },
      after: { 'team-a': { ...seasonAndAi, mode: 'ai' }, 'team-b': { ...seasonOnly, mode: 'manual' } },
    });
    const net = differenceInDifferences(projection, projection.lifecycle as never, windowsOf(projection.lifecycle as never, NOW));
    expect(net?.summary).toMatchObject({
      design: 'difference_in_differences',
      liveSegments: ['team-a'],
      comparisonSegments: ['team-b'],
      pairedDays: 28,
      netMetrics: ['task_duration_p50', 'task_duration_p90', 'error_ratio'],
    });
    // Errors: (6.5% / 13%) / (10% / 10%) = 0.5. Identical days: no day-to-day variance, so the
    // variance is the four binomial ones on the log scale, 1/errors − 1/tasks each:
    // after 364 of 5,600 and 728 of 5,600; before 560 of 5,600 twice.
    const z = alwaysValidMultiplier(28);
    const variance = 1 / 364 - 1 / 5600 + (1 / 728 - 1 / 5600) + 2 * (1 / 560 - 1 / 5600);
    const errors = net?.at('error_ratio', z)?.change;
    expect(errors?.estimate).toBeCloseTo(-0.5, 12);
    expect(errors?.lower).toBeCloseTo(Math.exp(Math.log(0.5) - z * Math.sqrt(variance)) - 1, 10);
    expect(errors?.upper).toBeCloseTo(Math.exp(Math.log(0.5) + z * Math.sqrt(variance)) - 1, 10);
    // Medians: 0.55 of the comparison's change, within the sketch's 1% accuracy.
    expect(net?.at('task_duration_p50', z)?.change?.estimate).toBeCloseTo(-0.45, 1);
    expect(net?.summary.comparisonChanges?.error_ratio).toBeCloseTo(0.3, 12);
    expect(net?.summary.comparisonChanges?.task_duration_p50).toBeCloseTo(0.2, 1);
  });

  it('does not credit a season to the AI: before/after fails the deployment, the comparison does not', () => {
    const setup = {
      criteria: [{ metric: 'error_ratio', relativeChange: 0 } as Criterion, { metric: 'task_duration_p50', relativeChange: 0 } as Criterion],
      before: { 'team-a': steady, 'team-b': steady },
      after: { 'team-a': { ...seasonOnly, mode: 'ai' as const }, 'team-b': { ...seasonOnly, mode: 'manual' as const } },
    };
    const beforeAfter = scorecardOf(deployment(setup), NOW)!;
    expect(beforeAfter.comparison.design).toBe('before_after');
    expect(beforeAfter.verdict).toBe('failing');

    const staggered = scorecardOf(deployment({ ...setup, segments: ['team-a'] }), NOW)!;
    expect(staggered.comparison.design).toBe('difference_in_differences');
    expect(staggered.metrics.error_ratio.change?.estimate).toBeCloseTo(0, 12);
    expect(staggered.criteria.map((c) => c.status)).toEqual(['inconclusive', 'inconclusive']);
    expect(staggered.verdict).toBe('inconclusive');
    // The live segment's own windows are shown beside the net change.
    expect(staggered.metrics.error_ratio.baseline?.estimate).toBeCloseTo(0.1, 12);
    expect(staggered.metrics.error_ratio.current?.estimate).toBeCloseTo(0.13, 12);
  });

  it('finds a real effect under the season and calls it works', () => {
    const card = scorecardOf(
      deployment({
        criteria: [
          { metric: 'error_ratio', relativeChange: 0 },
          { metric: 'task_duration_p50', relativeChange: -0.3 },
        ],
        segments: ['team-a'],
        before: { 'team-a': steady, 'team-b': steady },
        after: { 'team-a': { ...seasonAndAi, mode: 'ai' }, 'team-b': { ...seasonOnly, mode: 'manual' } },
      }),
      NOW,
    )!;
    expect(card.comparison.design).toBe('difference_in_differences');
    expect(card.criteria.map((c) => c.status)).toEqual(['met', 'met']);
    expect(card.verdict).toBe('works');
  });

  it('falls back to before/after when every segment is live or the comparison has too little work', () => {
    const allLive = deployment({
      criteria: [{ metric: 'error_ratio', relativeChange: 0 }],
      segments: ['team-a', 'team-b'],
      before: { 'team-a': steady, 'team-b': steady },
      after: { 'team-a': { ...seasonOnly, mode: 'ai' }, 'team-b': { ...seasonOnly, mode: 'ai' } },
    });
    expect(scorecardOf(allLive, NOW)?.comparison.design).toBe('before_after');
    const noComparisonBaseline = deployment({
      criteria: [{ metric: 'error_ratio', relativeChange: 0 }],
      segments: ['team-a'],
      before: { 'team-a': steady },
      after: { 'team-a': { ...seasonOnly, mode: 'ai' }, 'team-b': { ...seasonOnly, mode: 'manual' } },
    });
    expect(scorecardOf(noComparisonBaseline, NOW)?.comparison.design).toBe('before_after');
  });
});
