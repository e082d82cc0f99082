import { seededRandom as rng } from './seeded-random';
import type { Criterion, TaskMode, TaskOutcome, TelemetryEvent } from '@baseliner/contracts';
import type { DeploymentEvent } from '@baseliner/domain';
import { applyLifecycleEvent, applyTelemetryEvent, emptyProjection, type DeploymentProjection } from './deployment-projection';
import { DAY_MS } from './local-time';
import { clusteredProportion } from './clustered-estimates';
import { evaluateCriteria, type EvaluationInputs } from './criteria-evaluation';
import { holdVerdict, scorecardOf, type HeldVerdict } from './scorecard';
import { alwaysValidMultiplier } from './statistics';
import type { WindowStatistics } from './window-metrics';

const NOW = new Date('2026-11-21T18:00:00Z');
const GO_LIVE = '2026-10-01T08:00:00.000Z';
const day = (offsetFromGoLive: number, hour = 10) => Date.parse(GO_LIVE) + offsetFromGoLive * DAY_MS + (hour - 8) * 3_600_000;

/** A deployment's story, told as events: lifecycle first, then telemetry by event time. */
class Story {
  readonly projection: DeploymentProjection;
  private readonly random: () => number;
  private n = 0;

  constructor(criteria: Criterion[], extra: { eligibleUsers?: number; live?: boolean; seed?: number } = {}) {
    this.random = rng(extra.seed ?? 1);
    this.projection = emptyProjection('story');
    const lifecycle: DeploymentEvent[] = [
      {
        type: 'DeploymentRegistered',
        data: {
          id: 'story',
          name: 'Story',
          owner: { name: 'Dana Reyes', email: 'dana@example.com' },
          timezone: 'UTC',
          rampUpDays: 7,
          registeredAt: '2026-08-01T00:00:00.000Z',
          ...(extra.eligibleUsers !== undefined && { eligibleUsers: extra.eligibleUsers }),
        },
      },
      { type: 'CriteriaDefined', data: { criteria, definedAt: '2026-08-01T00:00:00.000Z' } },
    ];
    if (extra.live !== false) lifecycle.push({ type: 'WentLive', data: { at: GO_LIVE, recordedAt: GO_LIVE } });
    for (const event of lifecycle) applyLifecycleEvent(this.projection, event);
  }

  lifecycle(event: DeploymentEvent): this {
    applyLifecycleEvent(this.projection, event);
    return this;
  }

  private emit(type: TelemetryEvent['type'], at: number, data: Record<string, unknown>): void {
    this.n += 1;
    applyTelemetryEvent(this.projection, {
      specversion: '1.0',
      id: `e${this.n}`,
      source: 'story',
      type,
      time: new Date(at).toISOString(),
      deployment: 'story',
      data,
    } as TelemetryEvent);
  }

  /** `perDay` tasks on each day offset in [from, to], durations log-normal around `median` seconds. */
  tasks(from: number, to: number, perDay: number, mode: TaskMode | ((d: number, i: number) => TaskMode), median: number, errorRate: number | ((d: number) => number), actors = 20): this {
    for (let d = from; d <= to; d += 1) {
      for (let i = 0; i < perDay; i += 1) {
        const z = Math.sqrt(-2 * Math.log(1 - this.random())) * Math.cos(2 * Math.PI * this.random());
        const rate = typeof errorRate === 'number' ? errorRate : errorRate(d);
        const outcome: TaskOutcome = this.random() < rate ? 'error' : 'success';
        const m = typeof mode === 'function' ? mode(d, i) : mode;
        this.emit('task.completed', day(d, 9 + (i % 8)), { taskId: `t${this.n}`, mode: m, outcome, durationSeconds: median * Math.exp(0.6 * z), actor: `a${i % actors}` });
      }
    }
    return this;
  }

  each(from: number, to: number, type: TelemetryEvent['type'], data: (d: number, i: number) => Record<string, unknown>, perDay = 1): this {
    for (let d = from; d <= to; d += 1) for (let i = 0; i < perDay; i += 1) this.emit(type, day(d, 8), data(d, i));
    return this;
  }
}

const liveDays = Math.floor((NOW.getTime() - Date.parse(GO_LIVE)) / DAY_MS); // 51

describe('scorecards tell the stories', () => {
  it('a clear win: review time down ~60%, errors down, adoption high → works', () => {
    const story = new Story(
      [
        { metric: 'task_duration_p50', relativeChange: -0.3 },
        { metric: 'error_ratio', relativeChange: 0 },
        { metric: 'adoption_ratio', atLeast: 0.6 },
      ],
      { eligibleUsers: 20 },
    )
      .tasks(-28, -1, 30, 'manual', 600, 0.1)
      .tasks(0, liveDays, 30, 'ai', 240, 0.04);
    const card = scorecardOf(story.projection, NOW)!;
    expect(card.verdict).toBe('works');
    expect(card.daysToVerdict).toBe(0);
    expect(card.windows.current).toMatchObject({ from: '2026-10-25', to: '2026-11-21', days: 28 });
    expect(card.windows.baseline).toMatchObject({ from: '2026-09-03', to: '2026-09-30', tasks: { manual: 840 } });
    const p50 = card.metrics.task_duration_p50.change!;
    expect(p50.estimate).toBeGreaterThan(-0.66);
    expect(p50.estimate).toBeLessThan(-0.54);
    expect(p50.upper).toBeLessThan(-0.3);
    expect(card.criteria.map((c) => c.status)).toEqual(['met', 'met', 'met']);
    expect(card.adoption.activeUsers7d).toBe(20);
  });

  it('quiet abandonment: tried, then switched off and back to the old way → failing on adoption, reversion high', () => {
    const story = new Story([{ metric: 'adoption_ratio', atLeast: 0.5 }, { metric: 'task_duration_p50', relativeChange: -0.2 }], { eligibleUsers: 20 })
      .tasks(-28, -1, 30, 'manual', 600, 0.1)
      .tasks(0, 16, 30, 'ai', 500, 0.1)
      .each(17, liveDays, 'ai.disabled', (_, i) => ({ actor: `a${i}`, scope: 'user' }), 3)
      .tasks(17, liveDays, 30, 'manual', 600, 0.1);
    const card = scorecardOf(story.projection, NOW)!;
    expect(card.verdict).toBe('failing');
    expect(card.criteria[0]).toMatchObject({ metric: 'adoption_ratio', status: 'not_met', estimate: 0 });
    expect(card.adoption.activeUsers7d).toBe(0);
    expect(card.adoption.reversionRatio).toBe(1);
    expect(card.adoption.disables7d).toBe(21);
    expect(card.adoption.aiTaskShare!.estimate).toBeLessThan(0.1);
  });

  it('errors shifted downstream: step errors down, downstream errors up → failing', () => {
    const story = new Story([{ metric: 'error_ratio', relativeChange: -0.2 }, { metric: 'downstream_error_ratio', relativeChange: 0 }])
      .tasks(-28, -1, 30, 'manual', 600, 0.12)
      .each(-28, -1, 'error.downstream', () => ({ stage: 'billing' }), 1)
      .tasks(0, liveDays, 30, 'ai', 300, 0.03)
      .each(0, liveDays, 'error.downstream', () => ({ stage: 'billing' }), 6);
    const card = scorecardOf(story.projection, NOW)!;
    expect(card.criteria.map((c) => [c.metric, c.status])).toEqual([
      ['error_ratio', 'met'],
      ['downstream_error_ratio', 'not_met'],
    ]);
    expect(card.verdict).toBe('failing');
    // Why: the downstream criterion, in numbers and words; and a warning that the errors moved.
    expect(card.decidedBy).toMatchObject({ metric: 'downstream_error_ratio', status: 'not_met', estimate: card.criteria[1]!.estimate });
    expect(card.decidedBy.sentence).toMatch(/^downstream error ratio \+\d+% \(95% interval \+\d+% to \+\d+%\) vs must not rise$/);
    expect(card.warnings.map((w) => w.kind)).toEqual(['downstream_shift']);
  });

  it('an integration that breaks every Tuesday is flagged on Tuesday only', () => {
    const tuesday = (d: number) => new Date(day(d)).getUTCDay() === 2;
    const story = new Story([{ metric: 'error_ratio', atMost: 0.2 }]).tasks(0, liveDays, 20, 'ai', 300, (d) => (tuesday(d) ? 0.4 : 0.05));
    const card = scorecardOf(story.projection, NOW)!;
    expect(card.weekday.anomaly).toEqual({ mon: false, tue: true, wed: false, thu: false, fri: false, sat: false, sun: false });
    expect(card.weekday.errorRatio.tue).toBeGreaterThan(0.3);
    // Shown whatever the verdict: it works overall (~10% errors against a 20% limit).
    expect(card.verdict).toBe('works');
    expect(card.warnings).toEqual([expect.objectContaining({ kind: 'weekday_pattern', weekday: 'tue', message: expect.stringMatching(/^Tuesdays fail more: \d+% errors vs [\d.]+% on other days/) })]);
  });

  it('no weekday is flagged when errors are even', () => {
    const story = new Story([{ metric: 'error_ratio', atMost: 0.2 }], { seed: 5 }).tasks(0, liveDays, 20, 'ai', 300, 0.08);
    expect(Object.values(scorecardOf(story.projection, NOW)!.weekday.anomaly).some(Boolean)).toBe(false);
  });

  it('too little data: insufficient_data with an estimate of the days still needed', () => {
    const story = new Story([{ metric: 'task_duration_p50', relativeChange: -0.3 }])
      .tasks(-28, -1, 5, 'manual', 600, 0.1)
      .tasks(liveDays - 9, liveDays, 2, 'ai', 240, 0.05);
    const card = scorecardOf(story.projection, NOW)!;
    expect(card.verdict).toBe('insufficient_data');
    expect(card.criteria[0]).toMatchObject({ status: 'insufficient_data', n: { baseline: 140, current: 20 } });
    // 20 tasks over the 28-day window so far → 0.714/day → 10 more tasks take 14 days.
    expect(card.daysToVerdict).toBe(14);
    expect(card.decidedBy).toMatchObject({ metric: 'task_duration_p50', missing: 'fewer than 30 tasks in the current window', daysToVerdict: 14 });
    expect(card.flags.baselineThin).toBe(false);
  });

  it('pending before go-live and during ramp-up; rolled back and retired override everything', () => {
    const registered = new Story([{ metric: 'error_ratio', atMost: 0.1 }], { live: false });
    expect(scorecardOf(registered.projection, NOW)!.verdict).toBe('pending');
    const rampUp = new Story([{ metric: 'error_ratio', atMost: 0.1 }]).tasks(0, 3, 30, 'ai', 100, 0.01);
    const early = scorecardOf(rampUp.projection, new Date(day(3)))!;
    expect(early).toMatchObject({ verdict: 'pending', windows: { inRampUp: true }, decidedBy: { short: 'ramp-up to 10-08' } });

    const rolledBack = new Story([{ metric: 'error_ratio', atMost: 0.1 }]).tasks(0, liveDays, 30, 'ai', 100, 0.01).lifecycle({
      type: 'RolledBack',
      data: { at: new Date(day(20)).toISOString(), reason: 'x', recordedAt: '' },
    });
    const card = scorecardOf(rolledBack.projection, NOW)!;
    expect(card.verdict).toBe('rolled_back');
    expect(card.windows.current).toMatchObject({ from: '2026-10-08', to: '2026-10-21' });
    rolledBack.lifecycle({ type: 'Retired', data: { at: NOW.toISOString(), reason: 'x', outcome: 'killed' } });
    expect(scorecardOf(rolledBack.projection, NOW)!.verdict).toBe('retired');
  });

  it('a baseline backfilled after go-live lands in the baseline window by event time', () => {
    const story = new Story([{ metric: 'task_duration_p50', relativeChange: -0.3 }]).tasks(0, liveDays, 30, 'ai', 240, 0.05);
    expect(scorecardOf(story.projection, NOW)!.verdict).toBe('insufficient_data');
    story.tasks(-28, -1, 30, 'manual', 600, 0.1); // arrives late, stamped with its real time
    expect(scorecardOf(story.projection, NOW)!.verdict).toBe('works');
  });

  it('flags revised criteria and silence', () => {
    const story = new Story([{ metric: 'error_ratio', atMost: 0.1 }])
      .tasks(0, liveDays - 3, 30, 'ai', 100, 0.01)
      .lifecycle({ type: 'CriteriaRevised', data: { criteria: [{ metric: 'error_ratio', atMost: 0.2 }], reason: 'r', revisedAt: '' } });
    const card = scorecardOf(story.projection, NOW)!;
    expect(card.flags).toMatchObject({ criteriaRevisedAfterGoLive: true, silentFor24h: true });
    // The last tasks were at 16:00 on the day three days before NOW (18:00): 74 hours.
    expect(card.warnings).toEqual([expect.objectContaining({ kind: 'silent', silentHours: 74, short: 'silent 3d' })]);
  });

  it('a single bad Tuesday is an incident, not a pattern; errors halving at go-live flag no weekday', () => {
    const badTuesday = (d: number) => new Date(day(d)).getUTCDay() === 2 && d > liveDays - 7;
    const incident = new Story([{ metric: 'error_ratio', atMost: 0.5 }]).tasks(0, liveDays, 20, 'ai', 300, (d) => (badTuesday(d) ? 0.6 : 0.05));
    const card = scorecardOf(incident.projection, NOW)!;
    expect(card.weekday.weeksTested).toBe(6);
    expect(card.weekday.errorRatio.tue).toBeGreaterThan(card.weekday.errorRatio.wed as number);
    expect(Object.values(card.weekday.anomaly).some(Boolean)).toBe(false);

    const halved = new Story([{ metric: 'error_ratio', atMost: 0.5 }], { seed: 3 }).tasks(-28, -1, 20, 'manual', 300, 0.2).tasks(0, liveDays, 20, 'ai', 300, 0.1);
    expect(Object.values(scorecardOf(halved.projection, NOW)!.weekday.anomaly).some(Boolean)).toBe(false);
  });

  it('waits for whole weeks after ramp-up before testing weekdays at all', () => {
    const tuesday = (d: number) => new Date(day(d)).getUTCDay() === 2;
    const story = new Story([{ metric: 'error_ratio', atMost: 0.5 }]).tasks(-28, 19, 20, 'ai', 300, (d) => (tuesday(d) ? 0.6 : 0.05));
    // Day 20 after go-live: ramp-up ends on day 7, so 13 days = one whole week: not enough.
    const card = scorecardOf(story.projection, new Date(day(20, 18)))!;
    expect(card.weekday.weeksTested).toBe(1);
    expect(Object.values(card.weekday.anomaly).some(Boolean)).toBe(false);
  });
});

describe('verdicts that hold', () => {
  it('follows the criteria until a verdict is reached, then changes only to the other verdict', () => {
    const days: [string, string, number][] = [];
    let held: HeldVerdict | undefined;
    const seen = ['insufficient_data', 'inconclusive', 'works', 'inconclusive', 'insufficient_data', 'works', 'failing', 'inconclusive', 'works'] as const;
    seen.forEach((criteriaVerdict, day) => {
      held = holdVerdict(held, criteriaVerdict, day);
      days.push([criteriaVerdict, held.verdict, held.since]);
    });
    expect(days).toEqual([
      ['insufficient_data', 'insufficient_data', 0],
      ['inconclusive', 'inconclusive', 1],
      ['works', 'works', 2],
      ['inconclusive', 'works', 2],
      ['insufficient_data', 'works', 2],
      ['works', 'works', 2],
      ['failing', 'failing', 6],
      ['inconclusive', 'failing', 6],
      ['works', 'works', 8],
    ]);
  });

  it('a deployment that failed clearly keeps failing while its evidence only blurs, and says since when', () => {
    // Errors far above the limit for three weeks after ramp-up, then as many tasks at a rate right
    // at the limit: the 28-day window becomes inconclusive, the verdict stays failing.
    const story = new Story([{ metric: 'error_ratio', atMost: 0.1 }])
      .tasks(0, 28, 40, 'ai', 300, 0.3)
      .tasks(29, liveDays, 40, 'ai', 300, 0.1);
    const card = scorecardOf(story.projection, NOW)!;
    expect(card.criteriaVerdict).toBe('inconclusive');
    expect(card.verdict).toBe('failing');
    // Reached once the current window (from day 7) held a week of days: the 14th day after go-live.
    expect(card.verdictSince).toBe('2026-10-14');
    expect(card.intervals).toMatchObject({ confidence: 0.95, alwaysValid: true, unit: 'day' });
    // The window (days 24–51) has slid 17 days past its first opening (day 7): the multiplier
    // counts every day looked at since, 28 + 17, not the window's 28 (valid for the life of it).
    expect(card.intervals.multiplier).toBeCloseTo(alwaysValidMultiplier(28 + 17), 12);
    expect(card.intervals.multiplier).toBeGreaterThan(alwaysValidMultiplier(28));
  });

  it('gives the same verdict whether the past days were cached or computed afresh', () => {
    const build = () => new Story([{ metric: 'error_ratio', atMost: 0.1 }]).tasks(0, 28, 40, 'ai', 300, 0.3).tasks(29, liveDays, 40, 'ai', 300, 0.1);
    const incremental = build();
    // Evaluated every day as the days arrive (the live projector) …
    for (let d = 8; d <= liveDays; d += 1) scorecardOf(incremental.projection, new Date(day(d, 18)));
    const live = scorecardOf(incremental.projection, NOW)!;
    // … and once, from scratch (a full replay).
    const replayed = scorecardOf(build().projection, NOW)!;
    expect(live).toEqual(replayed);
    expect(incremental.projection.verdictTrack).toBeDefined();
  });

  it('says when its track has entries a snapshot does not hold yet: after computing past days, not after reusing them', () => {
    const story = new Story([{ metric: 'error_ratio', atMost: 0.1 }]).tasks(0, liveDays, 40, 'ai', 300, 0.05);
    scorecardOf(story.projection, NOW);
    const track = story.projection.verdictTrack!;
    expect(track.unsaved).toBe(true);
    // The projector takes the deployment into its next snapshot and clears the mark.
    delete track.unsaved;
    scorecardOf(story.projection, NOW);
    expect(track.unsaved).toBeUndefined();
    // An event on a past day changes that day's entry and those after it.
    story.tasks(20, 20, 1, 'ai', 300, 0);
    scorecardOf(story.projection, NOW);
    expect(story.projection.verdictTrack?.unsaved).toBe(true);
  });
});

describe('Holm across criteria', () => {
  // 1,000 tasks over 28 days with identical days (design effect 1): 20% errors and 20% downstream errors.
  const identicalDays = (k: number, n: number) => clusteredProportion(Array(28).fill(k), Array(28).fill(n));
  const inputs = (): EvaluationInputs => ({
    current: { error_ratio: identicalDays(10, 50), downstream_error_ratio: identicalDays(10, 50) } as unknown as WindowStatistics,
    adoption: { activeUsers7d: 0, eligibleUsers: null, eligibleDeclared: false, weeklyActiveUsers: [], revertedUsers: 0, recentAdopters: 0, aiTaskShare: null, overrides: null },
    currentTasks: 1400,
    currentDays: 28,
    baselineDays: 0,
  });
  // The Wilson lower bound of 20% of 1,400 is 16.96% at α = 5% (z 3.036) and 16.72% at α/2 (z 3.284).
  const threshold = 0.168;

  it('one criterion on the bad side at α is not_met', () => {
    const [result] = evaluateCriteria([{ metric: 'error_ratio', atMost: threshold }], inputs());
    expect(result?.status).toBe('not_met');
    expect(result?.lower).toBeGreaterThan(threshold);
  });

  it('two such criteria are not beyond doubt together: Holm asks α/2 of the first', () => {
    const results = evaluateCriteria([{ metric: 'error_ratio', atMost: threshold }, { metric: 'downstream_error_ratio', atMost: threshold }], inputs());
    expect(results.map((r) => r.status)).toEqual(['inconclusive', 'inconclusive']);
    expect(results[0]?.reason).toContain('Holm');
    // With one clearly over the limit, Holm rejects it at α/2 and then the other at α.
    const clear = evaluateCriteria([{ metric: 'error_ratio', atMost: 0.1 }, { metric: 'downstream_error_ratio', atMost: threshold }], inputs());
    expect(clear.map((r) => r.status)).toEqual(['not_met', 'not_met']);
  });
});
