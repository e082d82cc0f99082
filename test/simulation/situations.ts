// Cells for situations where "before vs after" is not the AI alone, or where the data or the
// rules bend the method: a season starting at go-live, a slow trend, work re-routed after
// go-live (mix shift), persistent day-to-day conditions, durations logged in whole minutes,
// adoption rules, a zero baseline, escalations above one per task, a year of daily looks, the
// weekday detector at high volume, and a staggered go-live with a comparison segment.
//
// No cell here has a real effect of the AI unless its description says so. Unless stated:
// 100 tasks/day, day-to-day variation on (DAY_VARIATION), 60 daily looks after a 7-day ramp-up.
// Targets come from the issue; where the issue gives none and one is assumed from an existing
// cell, the row says so in its note; rows with no target only report.
import type { Criterion } from '@baseliner/contracts';
import type { Scorecard } from '@baseliner/analytics';
import {
  conclusive,
  contains,
  deploymentSeed,
  FALSE_CALL,
  firstLook,
  flag,
  LOOKS,
  medianOf,
  number,
  share,
  shareOf,
  SINGLE_LOOK,
  type Cell,
  type Outcome,
  type Row,
  type Target,
} from './cell';
import { DAY_VARIATION, NO_CHANGE_TRUTH, runAdoptionDeployment, runScenario, runTaskDeployment, type ScenarioSpec, type Stream, type Truth } from './generate';

// ---------------------------------------------------------------------------------------------
// Shared: what a run of looks shows

/** Warnings that say "something besides the AI changed" (`before-after-checks.ts`, being written). */
export const SHIFT_WARNING_KINDS: readonly string[] = ['volume_shift', 'mix_shift', 'baseline_drift'];
const shiftWarned = (card: Scorecard) => card.warnings.some((w) => SHIFT_WARNING_KINDS.includes(w.kind as string));

/** Verdicts, shift warnings and the comparison design seen over a deployment's looks. */
class Watch {
  firstDecisive = Infinity;
  firstWorks = Infinity;
  firstFailing = Infinity;
  firstShiftWarning = Infinity;
  decisiveUnwarned = false;
  decisiveWarned = false;
  differenceInDifferencesLooks = 0;
  looks = 0;
  at28: Scorecard | undefined;

  see(look: number, card: Scorecard): void {
    this.looks += 1;
    const warned = shiftWarned(card);
    this.firstDecisive = firstLook(this.firstDecisive, look, conclusive(card));
    this.firstWorks = firstLook(this.firstWorks, look, card.verdict === 'works');
    this.firstFailing = firstLook(this.firstFailing, look, card.verdict === 'failing');
    this.firstShiftWarning = firstLook(this.firstShiftWarning, look, warned);
    if (conclusive(card)) {
      if (warned) this.decisiveWarned = true;
      else this.decisiveUnwarned = true;
    }
    if (card.comparison.design === 'difference_in_differences') this.differenceInDifferencesLooks += 1;
    if (look === SINGLE_LOOK) this.at28 = card;
  }

  outcome(): Outcome {
    return {
      everDecisive: flag(this.firstDecisive < Infinity),
      everWorks: flag(this.firstWorks < Infinity),
      everFailing: flag(this.firstFailing < Infinity),
      worksBy28: flag(this.firstWorks <= SINGLE_LOOK),
      failingBy28: flag(this.firstFailing <= SINGLE_LOOK),
      firstDecisive: this.firstDecisive,
      firstWorks: this.firstWorks,
      firstFailing: this.firstFailing,
      everShiftWarning: flag(this.firstShiftWarning < Infinity),
      firstShiftWarning: this.firstShiftWarning,
      decisiveUnwarned: flag(this.decisiveUnwarned),
      decisiveWarned: flag(this.decisiveWarned),
      differenceInDifferencesShare: this.looks > 0 ? this.differenceInDifferencesLooks / this.looks : Number.NaN,
      differenceInDifferences28: this.at28 ? flag(this.at28.comparison.design === 'difference_in_differences') : Number.NaN,
    };
  }
}

const BOTH_NO_WORSE: Criterion[] = [
  { metric: 'task_duration_p50', relativeChange: 0 },
  { metric: 'error_ratio', relativeChange: 0 },
];
const ERRORS_NO_WORSE: Criterion[] = [{ metric: 'error_ratio', relativeChange: 0 }];
const CLEAR_WIN_CRITERIA: Criterion[] = [
  { metric: 'task_duration_p50', relativeChange: -0.3 },
  { metric: 'error_ratio', relativeChange: 0 },
];
const ISSUE_NO_TARGET = 'no target in the issue';

/** A cell of `runScenario` deployments watched with `Watch`. */
function scenarioCell(
  name: string,
  tags: string[],
  description: string,
  spec: Omit<ScenarioSpec, 'id' | 'looks'> & { looks?: number },
  summarise: (name: string, o: Outcome[]) => Row[],
): Cell {
  return {
    name,
    tags,
    description,
    deploymentsFor: (n) => n,
    simulate(seed, index) {
      const watch = new Watch();
      runScenario({ looks: LOOKS, ...spec, id: `${name}-${index}` }, deploymentSeed(seed, name, index), (look, card) => watch.see(look, card));
      return watch.outcome();
    },
    summarise: (o) => summarise(name, o),
  };
}

/** Rows of a deployment with no effect judged before/after, where something else changed at go-live. */
function shiftRows(target: Target | undefined) {
  return (name: string, o: Outcome[]): Row[] => [
    share(name, 'decisive verdict (works/failing) shown without a shift warning, ever (60 looks)', shareOf(o, 'decisiveUnwarned'), target, target ? undefined : ISSUE_NO_TARGET),
    share(name, 'decisive verdict shown with a shift warning, ever', shareOf(o, 'decisiveWarned')),
    share(name, 'decisive verdict at all, ever (wrong: no effect)', shareOf(o, 'everDecisive')),
    share(name, 'ever works', shareOf(o, 'everWorks')),
    share(name, 'ever failing', shareOf(o, 'everFailing')),
    share(name, 'shift warning (volume_shift/mix_shift/baseline_drift) ever', shareOf(o, 'everShiftWarning')),
    number(name, 'median look of the first decisive verdict', medianOf(o, 'firstDecisive'), undefined, '∞ = most never'),
  ];
}

// ---------------------------------------------------------------------------------------------
// Season at go-live, before/after only

/** Busy season: volume ×2, errors ×1.3, durations ×1.2; the quiet season is the inverse. */
export interface Season {
  volume: number;
  errors: number;
  duration: number;
}
export const BUSY_SEASON: Season = { volume: 2, errors: 1.3, duration: 1.2 };
export const QUIET_SEASON: Season = { volume: 1 / 2, errors: 1 / 1.3, duration: 1 / 1.2 };
const inSeason = (truth: Truth, season: Season): Truth => ({ ...truth, errorRate: truth.errorRate * season.errors, durationMedian: truth.durationMedian * season.duration });

function seasonCell(name: string, season: Season, words: string): Cell {
  return scenarioCell(
    name,
    ['season'],
    `${words} season from go-live (volume ×${season.volume.toFixed(2)}, errors ×${season.errors.toFixed(2)}, durations ×${season.duration.toFixed(2)}), no AI effect, before/after only; criteria p50 and error_ratio rc 0`,
    {
      criteria: BOTH_NO_WORSE,
      variation: DAY_VARIATION,
      streams: [{ tasks: (offset) => (offset < 0 ? 100 : Math.round(100 * season.volume)), before: NO_CHANGE_TRUTH, after: inSeason(NO_CHANGE_TRUTH, season) }],
    },
    shiftRows({ atMost: 0.1 }),
  );
}

// ---------------------------------------------------------------------------------------------
// A slow trend in the error rate through baseline and live period, before/after only

/** Error rate 10% at go-live, times (1 + r) per week before and after (a relative trend). */
const trendingErrors = (perWeek: number) => (offset: number): Truth => ({ ...NO_CHANGE_TRUTH, errorRate: NO_CHANGE_TRUTH.errorRate * Math.pow(1 + perWeek, offset / 7) });

function trendCell(percentPerWeek: number): Cell {
  const sign = percentPerWeek > 0 ? '+' : '-'; // ASCII, so the name is easy to type after --cells
  const name = `trend/${sign}${Math.abs(percentPerWeek)}`;
  const truth = trendingErrors(percentPerWeek / 100);
  return scenarioCell(
    name,
    ['trend'],
    `error rate 10% at go-live, ${sign}${Math.abs(percentPerWeek)}%/week (relative) through baseline and live period, no AI effect, before/after only; criterion error_ratio rc 0`,
    { criteria: ERRORS_NO_WORSE, variation: DAY_VARIATION, streams: [{ tasks: 100, before: truth, after: truth }] },
    shiftRows(undefined),
  );
}

// ---------------------------------------------------------------------------------------------
// Easy work routed elsewhere after go-live (mix shift), before/after only

export const EASY_TRUTH: Truth = { ...NO_CHANGE_TRUTH, durationMedian: 150 };
export const HARD_TRUTH: Truth = { ...NO_CHANGE_TRUTH, durationMedian: 600 };
/** The easy share of `tasks`: 50% before go-live, 20% from go-live on. */
const easyTasks = (tasks: number) => (offset: number) => Math.round(tasks * (offset < 0 ? 0.5 : 0.2));
const hardTasks = (tasks: number) => (offset: number) => tasks - easyTasks(tasks)(offset);

function mixShiftCell(): Cell {
  return scenarioCell(
    'mix-shift',
    [],
    "two kinds of work, segments 'easy' (p50 150 s) and 'hard' (p50 600 s), errors 10% in both; easy share 50% → 20% at go-live, no AI effect, before/after only; criteria p50 and error_ratio rc 0",
    {
      criteria: BOTH_NO_WORSE,
      variation: DAY_VARIATION,
      streams: [
        { segment: 'easy', tasks: easyTasks(100), before: EASY_TRUTH, after: EASY_TRUTH },
        { segment: 'hard', tasks: hardTasks(100), before: HARD_TRUTH, after: HARD_TRUTH },
      ],
    },
    shiftRows({ atMost: 0.1 }),
  );
}

// ---------------------------------------------------------------------------------------------
// Persistent day-to-day conditions: AR(1)

const NO_CHANGE_CRITERIA: Criterion[] = (['task_duration_p50', 'task_duration_p90', 'error_ratio', 'cost_per_task'] as const).map((metric) => ({ metric, relativeChange: 0 }));

function ar1Cell(rho: number): Cell {
  const name = `ar1/${rho}`;
  return {
    name,
    tags: ['ar1'],
    description: `no change, 100 tasks/day, day conditions AR(1) with ρ = ${rho} (same marginal spread as DAY_VARIATION), 4 criteria rc 0 (as no-change-sizes)`,
    deploymentsFor: (n) => n,
    simulate(seed, index) {
      const watch = new Watch();
      const coveredAll = NO_CHANGE_CRITERIA.map(() => 1);
      runScenario(
        {
          id: `${name}-${index}`,
          criteria: NO_CHANGE_CRITERIA,
          variation: DAY_VARIATION,
          correlation: rho,
          streams: [{ tasks: 100, before: NO_CHANGE_TRUTH, after: NO_CHANGE_TRUTH }],
          looks: LOOKS,
        },
        deploymentSeed(seed, name, index),
        (look, card) => {
          watch.see(look, card);
          card.criteria.forEach((c, i) => {
            const covered = contains(c.lower, c.upper, 0);
            if (covered === 0) coveredAll[i] = 0;
          });
        },
      );
      const o = watch.outcome();
      NO_CHANGE_CRITERIA.forEach((c, i) => (o[`coveredAll:${c.metric}`] = coveredAll[i] as number));
      return o;
    },
    summarise(o) {
      return [
        share(name, 'verdict: false works, ever (60 looks)', shareOf(o, 'everWorks'), FALSE_CALL, 'target assumed: as no-change-sizes'),
        share(name, 'verdict: false failing, ever (60 looks)', shareOf(o, 'everFailing'), FALSE_CALL, 'target assumed: as no-change-sizes'),
        share(name, 'a decisive (wrong) verdict, ever', shareOf(o, 'everDecisive'), { atMost: 0.05 }, 'target assumed: as first-verdict'),
        ...NO_CHANGE_CRITERIA.map((c) =>
          share(name, `${c.metric}: always-valid interval covers 0 at all 60 looks`, shareOf(o, `coveredAll:${c.metric}`), { atLeast: 0.95 }, 'target assumed: as coverage'),
        ),
      ];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Durations logged in whole minutes

function minutesCell(name: string, slower: number): Cell {
  const criteria: Criterion[] = [{ metric: 'task_duration_p50', relativeChange: 0 }];
  const after: Truth = { ...NO_CHANGE_TRUTH, durationMedian: NO_CHANGE_TRUTH.durationMedian * (1 + slower) };
  return {
    name,
    tags: ['minutes'],
    description: `durations logged in whole minutes (p50 300 s${slower ? ` → ${after.durationMedian} s, AI ${slower * 100}% slower` : ', no change'}), criterion p50 rc 0, 100 tasks/day`,
    deploymentsFor: (n) => n,
    simulate(seed, index) {
      const watch = new Watch();
      let degenerate28 = Number.NaN;
      let estimate28 = Number.NaN;
      runScenario(
        { id: `${name}-${index}`, criteria, variation: DAY_VARIATION, durationUnit: 60, streams: [{ tasks: 100, before: NO_CHANGE_TRUTH, after }], looks: LOOKS },
        deploymentSeed(seed, name, index),
        (look, card) => {
          watch.see(look, card);
          if (look === SINGLE_LOOK) {
            const c = card.criteria[0];
            degenerate28 = c?.lower === undefined || c.upper === undefined ? Number.NaN : flag(c.upper - c.lower < 1e-9);
            estimate28 = c?.estimate ?? Number.NaN;
          }
        },
      );
      return { ...watch.outcome(), degenerate28, estimate28 };
    },
    summarise(o) {
      const common = [
        share(name, 'ever works', shareOf(o, 'everWorks'), slower > 0 ? FALSE_CALL : undefined, slower > 0 ? 'wrong: the AI is slower; target assumed' : undefined),
        share(name, 'ever failing', shareOf(o, 'everFailing')),
        share(name, 'p50 change interval of zero width at look 28 (ties)', shareOf(o, 'degenerate28')),
        number(name, `mean estimated p50 change at look 28 (truth ${slower > 0 ? `+${slower * 100}%` : '0'})`, { value: shareOf(o, 'estimate28').value, n: shareOf(o, 'estimate28').n }),
      ];
      if (slower === 0) return [share(name, 'wrong verdict works/failing, ever (60 looks)', shareOf(o, 'everDecisive'), { atMost: 0.05 }), ...common];
      return [
        ...common,
        share(name, 'failing within 60 looks (right: 5% slower)', shareOf(o, 'everFailing')),
        number(name, 'median look of first failing', medianOf(o, 'firstFailing'), undefined, '∞ = most never'),
      ];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Adoption rules

function adoptionDeclaredCell(): Cell {
  const name = 'adoption/declared-18-of-20';
  const criteria: Criterion[] = [{ metric: 'adoption_ratio', atLeast: 0.6 }];
  return {
    name,
    tags: ['adoption-rules'],
    description: '20 declared eligible users, 18 use the AI every day (so are active every week), 2 never; adoption_ratio ≥ 0.6; 5 tasks/user/day',
    deploymentsFor: (n) => n,
    simulate(seed, index) {
      const watch = new Watch();
      let met28 = Number.NaN;
      let met60 = Number.NaN;
      let metLooks = 0;
      runAdoptionDeployment(
        {
          id: `${name}-${index}`,
          criteria,
          users: 20,
          dailyUseProbability: (user) => (user < 18 ? 1 : 0),
          tasksPerUserPerDay: 5,
          truth: NO_CHANGE_TRUTH,
          variation: DAY_VARIATION,
          firstActiveOffset: -28,
          looks: LOOKS,
        },
        deploymentSeed(seed, name, index),
        (look, card) => {
          watch.see(look, card);
          const met = card.criteria[0]?.status === 'met';
          if (met) metLooks += 1;
          if (look === SINGLE_LOOK) met28 = flag(met);
          if (look === LOOKS) met60 = flag(met);
        },
      );
      return { ...watch.outcome(), met28, met60, metLooks: metLooks / LOOKS };
    },
    summarise(o) {
      return [
        share(name, 'adoption criterion met at look 28', shareOf(o, 'met28'), { atLeast: 0.95 }),
        share(name, 'adoption criterion met at look 60', shareOf(o, 'met60')),
        number(name, 'mean share of the 60 looks with the criterion met', { value: shareOf(o, 'metLooks').value, n: o.length }),
        share(name, 'verdict works within 28 days after ramp-up', shareOf(o, 'worksBy28')),
        share(name, 'ever failing (wrong: 90% ≥ 60%)', shareOf(o, 'everFailing'), FALSE_CALL, 'target assumed'),
      ];
    },
  };
}

/** Daily use probability with P(active in a 7-day window) = 0.5. */
const HALF_WEEKLY_DAILY_USE = 1 - Math.pow(0.5, 1 / 7);

function adoptionUndeclaredCell(): Cell {
  const name = 'adoption/undeclared-50';
  const criteria: Criterion[] = [{ metric: 'adoption_ratio', atLeast: 0.6 }];
  return {
    name,
    tags: ['adoption-rules'],
    description: '20 users, none declared eligible (Baseliner counts the actors it sees), each active in a 7-day window w.p. 0.50 vs adoption_ratio ≥ 0.6; 5 tasks/user/day',
    deploymentsFor: (n) => n,
    simulate(seed, index) {
      const watch = new Watch();
      let eligible28 = Number.NaN;
      runAdoptionDeployment(
        {
          id: `${name}-${index}`,
          criteria,
          users: 20,
          dailyUseProbability: HALF_WEEKLY_DAILY_USE,
          declareEligible: false,
          tasksPerUserPerDay: 5,
          truth: NO_CHANGE_TRUTH,
          variation: DAY_VARIATION,
          firstActiveOffset: -28,
          looks: LOOKS,
        },
        deploymentSeed(seed, name, index),
        (look, card) => {
          watch.see(look, card);
          if (look === SINGLE_LOOK) eligible28 = card.adoption.eligibleUsers ?? Number.NaN;
        },
      );
      return { ...watch.outcome(), eligible28 };
    },
    summarise(o) {
      return [
        share(name, 'ever works (wrong: 50% < 60%)', shareOf(o, 'everWorks'), { atMost: 0.05 }),
        share(name, 'ever failing (right)', shareOf(o, 'everFailing')),
        number(name, 'median eligible users counted at look 28', medianOf(o, 'eligible28')),
      ];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Downstream errors from a zero baseline; escalations above one per task

function downstreamZeroCell(): Cell {
  const name = 'downstream/zero-baseline';
  const criteria: Criterion[] = [{ metric: 'downstream_error_ratio', relativeChange: 0 }];
  return scenarioCell(
    name,
    ['zero-baseline'],
    'downstream errors 0 per task before go-live, 20% after (κ = 100), criterion downstream_error_ratio rc 0, 100 tasks/day',
    {
      criteria,
      variation: DAY_VARIATION,
      streams: [{ tasks: 100, before: { ...NO_CHANGE_TRUTH, downstreamErrorRate: 0 }, after: { ...NO_CHANGE_TRUTH, downstreamErrorRate: 0.2 } }],
    },
    (n, o) => [
      share(n, 'verdict failing within 28 days after ramp-up', shareOf(o, 'failingBy28'), { atLeast: 0.95 }),
      share(n, 'ever failing (60 looks)', shareOf(o, 'everFailing')),
      share(n, 'ever works (wrong)', shareOf(o, 'everWorks'), FALSE_CALL, 'target assumed'),
    ],
  );
}

function escalationsCell(): Cell {
  const name = 'escalations/1.5-to-0.8';
  const criteria: Criterion[] = [{ metric: 'escalation_ratio', relativeChange: -0.2 }];
  return scenarioCell(
    name,
    [],
    'operator escalations 1.5 per task before go-live, 0.8 after (Poisson, day rate Gamma with CV 0.1): true change −47% vs escalation_ratio rc −0.2, 100 tasks/day',
    {
      criteria,
      variation: DAY_VARIATION,
      streams: [{ tasks: 100, before: { ...NO_CHANGE_TRUTH, escalationsPerTask: 1.5 }, after: { ...NO_CHANGE_TRUTH, escalationsPerTask: 0.8 } }],
    },
    (n, o) => [
      share(n, 'verdict works within 28 days after ramp-up', shareOf(o, 'worksBy28'), { atLeast: 0.8 }, 'target assumed: as clear-win'),
      number(n, 'median day of first works', medianOf(o, 'firstWorks'), undefined, '∞ = most never within 60'),
      share(n, 'ever failing (wrong)', shareOf(o, 'everFailing'), FALSE_CALL, 'target assumed'),
    ],
  );
}

// ---------------------------------------------------------------------------------------------
// A year of daily looks

export const YEAR_LOOKS = 365;

function yearCell(): Cell {
  const name = 'year/no-change';
  return {
    name,
    tags: ['year'],
    description: `no change, 100 tasks/day, criteria p50 and error_ratio rc 0, read daily for a year (${YEAR_LOOKS} looks; the current window slides after 28)`,
    deploymentsFor: (n) => n,
    simulate(seed, index) {
      const watch = new Watch();
      runTaskDeployment(
        { id: `${name}-${index}`, criteria: BOTH_NO_WORSE, tasksPerDay: 100, baseline: NO_CHANGE_TRUTH, current: NO_CHANGE_TRUTH, variation: DAY_VARIATION, looks: YEAR_LOOKS },
        deploymentSeed(seed, name, index),
        (look, card) => watch.see(look, card),
      );
      const o = watch.outcome();
      return { ...o, decisiveBy60: flag(o['firstDecisive'] as number <= LOOKS) };
    },
    summarise(o) {
      return [
        share(name, `wrong verdict works/failing, ever (${YEAR_LOOKS} looks)`, shareOf(o, 'everDecisive'), { atMost: 0.05 }),
        share(name, 'ever works', shareOf(o, 'everWorks')),
        share(name, 'ever failing', shareOf(o, 'everFailing')),
        share(name, 'wrong verdict within the first 60 looks', shareOf(o, 'decisiveBy60')),
        number(name, 'median look of the first (wrong) verdict', medianOf(o, 'firstDecisive'), undefined, '∞ = most never'),
      ];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The weekday detector with no weekday effect, at high volume

export const WEEKDAY_NULL_SIZES = [100, 500, 2000] as const;

function weekdayNullSizeCell(size: number): Cell {
  const name = `weekday-null/${size}`;
  const criteria: Criterion[] = [{ metric: 'error_ratio', atMost: 0.3 }];
  const truth: Truth = { ...NO_CHANGE_TRUTH, errorRate: 0.05 };
  return {
    name,
    tags: ['weekday-null-sizes'],
    description: `errors 5% before and after, no weekday effect, κ = 100, ${size} tasks/day`,
    deploymentsFor: (n) => n,
    simulate(seed, index) {
      let firstFlag = Infinity;
      runTaskDeployment(
        { id: `${name}-${index}`, criteria, tasksPerDay: size, baseline: truth, current: truth, variation: DAY_VARIATION, looks: LOOKS },
        deploymentSeed(seed, name, index),
        (look, card) => {
          firstFlag = firstLook(firstFlag, look, card.warnings.some((w) => w.kind === 'weekday_pattern'));
        },
      );
      return { everFlagged: flag(firstFlag < Infinity), firstFlag };
    },
    summarise(o) {
      return [share(name, 'weekday warning at least once (60 looks)', shareOf(o, 'everFlagged'), { atMost: 0.05 })];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Staggered go-live: 'team-a' goes live, 'team-b' never does (the comparison segment)

const LIVE = 'team-a';
const COMPARISON = 'team-b';

/** The same work in both teams, 100 tasks/day each unless the season changes the volume. */
function bothTeams(make: (segment: string) => Stream[]): Stream[] {
  return [...make(LIVE), ...make(COMPARISON)];
}

function comparisonNoEffectCell(name: string, what: string, criteria: Criterion[], streams: Stream[]): Cell {
  return scenarioCell(
    name,
    ['comparison'],
    `go-live of segment '${LIVE}' only, '${COMPARISON}' never goes live; ${what} in both segments, no AI effect; criteria ${criteria.map((c) => `${c.metric} rc ${c.relativeChange}`).join(', ')}`,
    { criteria, variation: DAY_VARIATION, liveSegments: [LIVE], streams },
    (n, o) => [
      share(n, 'wrong verdict works/failing, ever (60 looks)', shareOf(o, 'everDecisive'), { atMost: 0.05 }),
      share(n, 'ever works', shareOf(o, 'everWorks')),
      share(n, 'ever failing', shareOf(o, 'everFailing')),
      share(n, 'design difference_in_differences at look 28', shareOf(o, 'differenceInDifferences28')),
      number(n, 'mean share of looks judged by difference_in_differences', { value: shareOf(o, 'differenceInDifferencesShare').value, n: o.length }),
    ],
  );
}

function comparisonCells(): Cell[] {
  const seasonal = (segment: string, after: Truth): Stream => ({
    segment,
    tasks: (offset) => (offset < 0 ? 100 : Math.round(100 * BUSY_SEASON.volume)),
    before: NO_CHANGE_TRUTH,
    after,
  });
  const trend = trendingErrors(0.05);
  const effectInSeason: Truth = {
    ...inSeason(NO_CHANGE_TRUTH, BUSY_SEASON),
    errorRate: (NO_CHANGE_TRUTH.errorRate * BUSY_SEASON.errors) / 2,
    durationMedian: NO_CHANGE_TRUTH.durationMedian * BUSY_SEASON.duration * 0.55,
  };
  return [
    comparisonNoEffectCell('comparison/season', 'busy season from go-live (volume ×2, errors ×1.3, durations ×1.2)', BOTH_NO_WORSE, bothTeams((s) => [seasonal(s, inSeason(NO_CHANGE_TRUTH, BUSY_SEASON))])),
    comparisonNoEffectCell('comparison/trend', 'error rate trending +5%/week through baseline and live period', ERRORS_NO_WORSE, bothTeams((s) => [{ segment: s, tasks: 100, before: trend, after: trend }])),
    comparisonNoEffectCell(
      'comparison/mix-shift',
      'easy work (p50 150 s) 50% → 20% of the work at go-live, hard work p50 600 s, unlabelled within each segment',
      BOTH_NO_WORSE,
      bothTeams((s) => [
        { segment: s, tasks: easyTasks(100), before: EASY_TRUTH, after: EASY_TRUTH },
        { segment: s, tasks: hardTasks(100), before: HARD_TRUTH, after: HARD_TRUTH },
      ]),
    ),
    scenarioCell(
      'comparison/effect-in-season',
      ['comparison'],
      `go-live of '${LIVE}' only, busy season from go-live in both segments; in '${LIVE}' the AI halves errors and cuts time 45% (of the in-season values); criteria p50 rc −0.30 and error_ratio rc 0`,
      { criteria: CLEAR_WIN_CRITERIA, variation: DAY_VARIATION, liveSegments: [LIVE], streams: [seasonal(LIVE, effectInSeason), seasonal(COMPARISON, inSeason(NO_CHANGE_TRUTH, BUSY_SEASON))] },
      (n, o) => [
        share(n, 'verdict works within 28 days after ramp-up', shareOf(o, 'worksBy28'), { atLeast: 0.8 }),
        number(n, 'median day of first works', medianOf(o, 'firstWorks'), undefined, '∞ = most never within 60'),
        share(n, 'ever failing (wrong)', shareOf(o, 'everFailing'), FALSE_CALL, 'target assumed: as clear-win'),
        share(n, 'design difference_in_differences at look 28', shareOf(o, 'differenceInDifferences28')),
      ],
    ),
  ];
}

// ---------------------------------------------------------------------------------------------

export const SITUATION_CELLS: readonly Cell[] = [
  seasonCell('season/busy', BUSY_SEASON, 'busy'),
  seasonCell('season/quiet', QUIET_SEASON, 'quiet'),
  ...[1, 3, 5, -1, -3, -5].map(trendCell),
  mixShiftCell(),
  ar1Cell(0.5),
  ar1Cell(0.8),
  minutesCell('minutes/no-change', 0),
  minutesCell('minutes/slower', 0.05),
  adoptionDeclaredCell(),
  adoptionUndeclaredCell(),
  downstreamZeroCell(),
  escalationsCell(),
  yearCell(),
  ...WEEKDAY_NULL_SIZES.map(weekdayNullSizeCell),
  ...comparisonCells(),
];
