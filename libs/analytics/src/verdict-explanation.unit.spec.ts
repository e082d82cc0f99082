import type { CriterionResult } from './criteria-evaluation';
import { scorecardWarnings, type WarningInputs } from './scorecard-warnings';
import { explainVerdict, percentInWords, targetInWords, type ExplanationInputs } from './verdict-explanation';
import type { WeekdayPattern } from './weekday-pattern';
import { COMPARED_METRICS, type ComparedMetric, type MetricComparison } from './window-metrics';

const criterion = (result: Partial<CriterionResult> & Pick<CriterionResult, 'metric' | 'target' | 'status'>): CriterionResult => ({ reason: '', ...result });
const inputs = (extra: Partial<ExplanationInputs> & Pick<ExplanationInputs, 'verdict' | 'criteria'>): ExplanationInputs => ({
  criteriaVerdict: extra.verdict,
  daysUntilConclusive: [],
  phase: 'live',
  inRampUp: false,
  ...extra,
});

// Hand-worked intervals: distances to the target are measured in widths of the interval.
const errorsUp = criterion({ metric: 'error_ratio', target: { kind: 'relativeChange', value: 0.1 }, status: 'not_met', estimate: 2.36, lower: 1.8, upper: 2.9 });
const timeDown = criterion({ metric: 'task_duration_p50', target: { kind: 'relativeChange', value: -0.3 }, status: 'met', estimate: -0.59, lower: -0.63, upper: -0.55 });

describe('the verdict explains itself', () => {
  it('failing: names the failing criterion with its numbers and says it in words', () => {
    const why = explainVerdict(inputs({ verdict: 'failing', criteria: [timeDown, errorsUp] }));
    expect(why).toEqual({
      metric: 'error_ratio',
      status: 'not_met',
      target: { kind: 'relativeChange', value: 0.1 },
      estimate: 2.36,
      lower: 1.8,
      upper: 2.9,
      sentence: 'error ratio +236% (95% interval +180% to +290%) vs must not rise by more than 10%',
      short: 'errors +236% vs ≤+10%',
    });
  });

  it('failing on two criteria: the worst first, the one that misses its target by most', () => {
    // Adoption 0% against at least 50%: 50 points short. Time -4% against -20%: 16 points short.
    const adoption = criterion({ metric: 'adoption_ratio', target: { kind: 'atLeast', value: 0.5 }, status: 'not_met', estimate: 0, lower: 0, upper: 0.43 });
    const time = criterion({ metric: 'task_duration_p50', target: { kind: 'relativeChange', value: -0.2 }, status: 'not_met', estimate: -0.04, lower: -0.1, upper: 0.02 });
    const why = explainVerdict(inputs({ verdict: 'failing', criteria: [time, adoption] }));
    expect(why.metric).toBe('adoption_ratio');
    expect(why.sentence).toBe('worst of 2 failing: adoption 0% (95% interval 0% to 43%) vs must reach at least 50%');
    // Seconds and dollars miss relative to their target: 150 s against at most 120 s is 25% over, less than 50 points.
    const p90 = criterion({ metric: 'task_duration_p90', target: { kind: 'atMost', value: 120 }, status: 'not_met', estimate: 150, lower: 130, upper: 170 });
    expect(explainVerdict(inputs({ verdict: 'failing', criteria: [p90, adoption] })).metric).toBe('adoption_ratio');
    // 300 s is 150% over: now the time is the worst.
    const slow = { ...p90, estimate: 300, lower: 250, upper: 350 };
    expect(explainVerdict(inputs({ verdict: 'failing', criteria: [adoption, slow] })).short).toBe('time p90 300 s vs ≤120 s');
  });

  it('works: the headline win first, then the closest call', () => {
    // Headline: the largest move beyond target among changes against the baseline: time −59% vs
    // −30% is 29 points beyond, errors −20% vs 0 is 20; adoption is a level, ranked after changes.
    // Closest call, in interval widths clear: time (−30% − −55%) / 8 = 3.1, errors (0 − −5%) / 30 = 0.17, adoption (84% − 60%) / 16 = 1.5.
    const errors = criterion({ metric: 'error_ratio', target: { kind: 'relativeChange', value: 0 }, status: 'met', estimate: -0.2, lower: -0.35, upper: -0.05 });
    const adoption = criterion({ metric: 'adoption_ratio', target: { kind: 'atLeast', value: 0.6 }, status: 'met', estimate: 1, lower: 0.84, upper: 1 });
    const why = explainVerdict(inputs({ verdict: 'works', criteria: [adoption, errors, timeDown] }));
    expect(why).toMatchObject({ metric: 'task_duration_p50', status: 'met' });
    expect(why.sentence).toBe(
      'median task time -59% (95% interval -63% to -55%) vs must fall by at least 30%; closest call: error ratio -20% (95% interval -35% to -5%) vs must not rise',
    );
    expect(why.short).toBe('time p50 -59% vs ≤-30%');
    // Adoption 100% is not the headline even where it is the only other criterion (the demo's doc-review).
    expect(explainVerdict(inputs({ verdict: 'works', criteria: [adoption, timeDown] })).sentence).toBe(
      'median task time -59% (95% interval -63% to -55%) vs must fall by at least 30%; closest call: adoption 100% (95% interval 84% to 100%) vs must reach at least 60%',
    );
    // When the headline is also the closest call, it is said once.
    expect(explainVerdict(inputs({ verdict: 'works', criteria: [timeDown] })).sentence).toBe('median task time -59% (95% interval -63% to -55%) vs must fall by at least 30%');
  });

  it('inconclusive: the criterion furthest from being decided, with the days it may take', () => {
    // errors: |8.55% − 15%| / 18.88 points = 0.34 widths from its target; time: |−20% − −30%| / 40 = 0.25 → time.
    const errors = criterion({ metric: 'error_ratio', target: { kind: 'atMost', value: 0.15 }, status: 'inconclusive', estimate: 0.0855, lower: 0.0302, upper: 0.219 });
    const time = criterion({ metric: 'task_duration_p50', target: { kind: 'relativeChange', value: -0.3 }, status: 'inconclusive', estimate: -0.2, lower: -0.4, upper: 0 });
    const why = explainVerdict(inputs({ verdict: 'inconclusive', criteria: [errors, time], daysUntilConclusive: [12, 5] }));
    expect(why).toMatchObject({ metric: 'task_duration_p50', daysToVerdict: 5 });
    expect(why.sentence).toBe('not yet decided: median task time -20% (95% interval -40% to 0%) vs must fall by at least 30%; about 5 more days');
    const alone = explainVerdict(inputs({ verdict: 'inconclusive', criteria: [errors], daysUntilConclusive: [undefined] }));
    expect(alone.sentence).toBe('not yet decided: error ratio 8.6% (95% interval 3% to 22%) vs must stay at or below 15%');
  });

  it('insufficient data: what is missing and the days to a verdict', () => {
    const thin = criterion({ metric: 'task_duration_p50', target: { kind: 'relativeChange', value: -0.3 }, status: 'insufficient_data', reason: 'fewer than 30 tasks in the current window' });
    const why = explainVerdict(inputs({ verdict: 'insufficient_data', criteria: [thin], daysUntilConclusive: [14] }));
    expect(why).toEqual({
      metric: 'task_duration_p50',
      status: 'insufficient_data',
      target: { kind: 'relativeChange', value: -0.3 },
      missing: 'fewer than 30 tasks in the current window',
      daysToVerdict: 14,
      sentence: 'median task time: fewer than 30 tasks in the current window; about 14 more days to a verdict (must fall by at least 30%)',
      short: 'time p50: few tasks, ~14d',
    });
  });

  it('a held verdict says since when, and what the criteria say today', () => {
    const wobbly = criterion({ metric: 'error_ratio', target: { kind: 'atMost', value: 0.15 }, status: 'inconclusive', estimate: 0.1, lower: 0.05, upper: 0.2 });
    const why = explainVerdict(inputs({ verdict: 'works', criteriaVerdict: 'inconclusive', verdictSince: '2026-11-01', criteria: [timeDown, wobbly] }));
    // The headline is the met criterion; the closest call the one that has since blurred.
    expect(why.metric).toBe('task_duration_p50');
    expect(why.sentence).toBe(
      'median task time -59% (95% interval -63% to -55%) vs must fall by at least 30%; closest call: error ratio 10% (95% interval 5% to 20%) vs must stay at or below 15%; held since 2026-11-01 (the criteria say inconclusive today)',
    );
  });

  it('pending, rolled back and retired are explained without a criterion', () => {
    const rule = criterion({ metric: 'error_ratio', target: { kind: 'atMost', value: 0.1 }, status: 'insufficient_data' });
    expect(explainVerdict(inputs({ verdict: 'pending', criteria: [], inRampUp: true, currentWindowOpens: '2026-11-09' }))).toEqual({
      sentence: 'in ramp-up: the first days after go-live are left out; the comparison starts on 2026-11-09',
      short: 'ramp-up to 11-09',
    });
    expect(explainVerdict(inputs({ verdict: 'pending', criteria: [rule], phase: 'registered' })).short).toBe('not live yet');
    expect(explainVerdict(inputs({ verdict: 'rolled_back', criteria: [rule], rolledBack: { at: '2026-10-21T09:00:00Z', reason: 'wrong answers' } }))).toEqual({
      sentence: 'rolled back on 2026-10-21: wrong answers',
      short: 'rolled back on 2026-10-21',
    });
    expect(explainVerdict(inputs({ verdict: 'retired', criteria: [rule], retired: { at: '2026-11-21T09:00:00Z', reason: 'no one used it', outcome: 'killed' } })).short).toBe(
      'retired: killed',
    );
  });

  it('says targets and numbers the way people do', () => {
    expect(targetInWords('task_duration_p50', { kind: 'relativeChange', value: -0.3 })).toBe('must fall by at least 30%');
    expect(targetInWords('error_ratio', { kind: 'relativeChange', value: 0 })).toBe('must not rise');
    expect(targetInWords('cost_per_task', { kind: 'atMost', value: 0.5 })).toBe('must stay at or below $0.50');
    expect(targetInWords('task_duration_p90', { kind: 'atMost', value: 120 })).toBe('must stay at or below 120 s');
    expect(targetInWords('adoption_ratio', { kind: 'atLeast', value: 0.6 })).toBe('must reach at least 60%');
    expect([percentInWords(2.3612, true), percentInWords(-0.7047, true), percentInWords(0.0855), percentInWords(0.0004, true)]).toEqual(['+236%', '-70%', '8.6%', '0%']);
  });
});

const even = <T>(value: T) => ({ mon: value, tue: value, wed: value, thu: value, fri: value, sat: value, sun: value });
const noChanges = Object.fromEntries(COMPARED_METRICS.map((m) => [m, {}])) as Record<ComparedMetric, MetricComparison>;
const quiet = (extra: Partial<WarningInputs> = {}): WarningInputs => ({
  now: new Date('2026-11-30T23:00:00Z'),
  phase: 'live',
  timezone: 'America/New_York',
  weekday: { errorRatio: even(0.03), tasks: even(200), anomaly: even(false), weeksTested: 5, overdispersion: 1, testedTasks: even(125), testedErrors: even(3) },
  metrics: noChanges,
  lastEventTime: Date.parse('2026-11-30T22:55:00Z'),
  ...extra,
});

describe('scorecard warnings', () => {
  it('none for a quiet, even deployment', () => {
    expect(scorecardWarnings(quiet())).toEqual([]);
  });

  it('a weekday that fails more, against the other six days together, over the weeks tested', () => {
    // Tested weeks: Tuesdays 25 errors in 125 tasks = 20%; the other days 6 × 3 errors in 6 × 125 tasks = 2.4%.
    // (The descriptive eight weeks, which may hold baseline days, are not what the test judged.)
    const weekday: WeekdayPattern = {
      ...quiet().weekday,
      errorRatio: { ...even(0.05), tue: 0.15 },
      anomaly: { ...even(false), tue: true },
      testedErrors: { ...even(3), tue: 25 },
    };
    expect(scorecardWarnings(quiet({ weekday }))).toEqual([
      {
        kind: 'weekday_pattern',
        weekday: 'tue',
        errorRatio: 0.2,
        otherDaysErrorRatio: 0.024,
        weeksTested: 5,
        message: 'Tuesdays fail more: 20% errors vs 2.4% on other days (the last 5 weeks, America/New_York time)',
        short: 'tue errors 20%',
      },
    ]);
  });

  it('adoption down by more than half from its peak, as the alert rule says', () => {
    const adoption = { adoptionDropRatio: 0.6, activeUsers7d: 4, peakActiveUsers7d: 10 } as WarningInputs['adoption'];
    expect(scorecardWarnings(quiet({ adoption }))).toEqual([
      expect.objectContaining({
        kind: 'adoption_drop',
        dropRatio: 0.6,
        message: 'adoption dropped 60% from its recent peak: 4 active users this week, 10 at the peak (last 28 days)',
      }),
    ]);
    expect(scorecardWarnings(quiet({ adoption: { ...adoption, adoptionDropRatio: 0.5 } as WarningInputs['adoption'] }))).toEqual([]);
  });

  it('errors down at the step and up downstream, both beyond doubt', () => {
    const metrics = {
      ...noChanges,
      error_ratio: { change: { estimate: -0.77, lower: -0.88, upper: -0.54 } },
      downstream_error_ratio: { change: { estimate: 5, lower: 2.3, upper: 9.8 } },
    };
    expect(scorecardWarnings(quiet({ metrics }))).toEqual([
      expect.objectContaining({ kind: 'downstream_shift', message: 'errors moved downstream: -77% at this step, +500% found later (both beyond doubt)' }),
    ]);
    // Downstream errors that may not have risen are no warning.
    const unsure = { ...metrics, downstream_error_ratio: { change: { estimate: 0.4, lower: -0.1, upper: 1.2 } } };
    expect(scorecardWarnings(quiet({ metrics: unsure }))).toEqual([]);
  });

  it('a live deployment silent for over a day; not once it is retired', () => {
    const lastEventTime = Date.parse('2026-11-29T15:00:00Z'); // 32 h before now
    expect(scorecardWarnings(quiet({ lastEventTime }))).toEqual([
      {
        kind: 'silent',
        silentHours: 32,
        lastEventAt: '2026-11-29T15:00:00.000Z',
        message: 'no events for 32 h (last at 2026-11-29T15:00:00.000Z): is the integration still sending?',
        short: 'silent 32h',
      },
    ]);
    expect(scorecardWarnings(quiet({ lastEventTime, phase: 'retired' }))).toEqual([]);
  });
});
