// The simulation study: cells (a kind of deployment with known truth), what is measured on each
// simulated deployment, and how those measures are summarised against their targets. Used by
// the CLI runner (simulate.ts, npm run simulate) and by simulation.unit.spec.ts.
//
// A cell simulates deployment i with seed hashSeed(seed, cell, i), so results do not depend on
// how deployments are split over worker threads. `simulate` returns plain numbers per deployment
// (an Outcome: 0/1 flags, look numbers, NaN = not applicable, Infinity = never within the run),
// and `summarise` turns many outcomes into table rows.
import type { Criterion, CriterionMetric } from '@baseliner/contracts';
import { GO_LIVE_DAY, hashSeed, NO_CHANGE_TRUTH, Rng, runAdoptionDeployment, runTaskDeployment, DAY_VARIATION, NO_VARIATION, type Truth, type Variation } from './generate';
import { WEEKDAYS, weekdayIndex, windowComparisons, Z95, type ComparedMetric, type Scorecard } from '@baseliner/analytics';
import {
  conclusive,
  contains,
  deploymentSeed,
  FALSE_CALL,
  firstLook,
  flag,
  judged,
  LOOKS,
  maxOf,
  medianOf,
  number,
  share,
  shareOf,
  SINGLE_LOOK,
  type Cell,
  type Outcome,
  type Row,
} from './cell';
import { SITUATION_CELLS } from './situations';

// The shapes and summaries moved to cell.ts; re-exported so the runner and the spec keep one entry point.
export { LOOKS, SINGLE_LOOK, shareOf, medianOf, maxOf, passes, type Cell, type Outcome, type Row, type Target } from './cell';

// ---------------------------------------------------------------------------------------------
// A first-verdict: truth sits on the threshold, so any conclusive verdict is wrong

function firstVerdictCell(): Cell {
  const name = 'first-verdict';
  const criteria: Criterion[] = [{ metric: 'error_ratio', relativeChange: 0 }];
  return {
    name,
    tags: [],
    description: 'no change, 100 tasks/day, error_ratio rc 0: any works/failing in 60 daily looks is wrong',
    deploymentsFor: (n) => n,
    simulate(seed, index) {
      let firstConclusive = Infinity;
      let everWorks = false;
      let everFailing = false;
      runTaskDeployment(
        { id: `${name}-${index}`, criteria, tasksPerDay: 100, baseline: NO_CHANGE_TRUTH, current: NO_CHANGE_TRUTH, variation: DAY_VARIATION, looks: LOOKS },
        deploymentSeed(seed, name, index),
        (look, card) => {
          everWorks ||= card.verdict === 'works';
          everFailing ||= card.verdict === 'failing';
          firstConclusive = firstLook(firstConclusive, look, conclusive(card));
        },
      );
      return { everConclusive: flag(firstConclusive < Infinity), everWorks: flag(everWorks), everFailing: flag(everFailing), firstConclusive };
    },
    summarise(o) {
      return [
        share(name, 'a first verdict works/failing exists (60 looks)', shareOf(o, 'everConclusive'), { atMost: 0.05 }),
        share(name, 'ever works', shareOf(o, 'everWorks')),
        share(name, 'ever failing', shareOf(o, 'everFailing')),
        number(name, 'median look of first (wrong) verdict', medianOf(o, 'firstConclusive'), undefined, '∞ = most never'),
      ];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// B no-change-sizes and C coverage (computed in the same loop)

export const NO_CHANGE_METRICS = ['task_duration_p50', 'task_duration_p90', 'error_ratio', 'cost_per_task'] as const satisfies readonly CriterionMetric[];
export const NO_CHANGE_SIZES = [5, 20, 100, 500, 2000] as const;
/**
 * Deployments at most, per size, when more are requested: a size too slow for the default run
 * goes here, and its rows say so. Empty: at 1000 deployments 2000/day took about 110 s on two
 * workers (2.2× the 100/day cell), slow but bearable.
 */
const SIZE_CAP: Partial<Record<number, number>> = {};

function noChangeCell(size: number): Cell {
  const name = `no-change-sizes/${size}`;
  const coverageName = `coverage/${size}`;
  const criteria: Criterion[] = NO_CHANGE_METRICS.map((metric) => ({ metric, relativeChange: 0 }));
  const cap = SIZE_CAP[size];
  return {
    name,
    tags: ['no-change-sizes', 'coverage', coverageName],
    description: `no change, ${size} tasks/day, 4 criteria rc 0; false calls and interval coverage (truth: change 0)`,
    deploymentsFor: (n) => (cap !== undefined ? Math.min(n, cap) : n),
    simulate(seed, index) {
      const o: Outcome = {};
      const ever = { met: [0, 0, 0, 0], notMet: [0, 0, 0, 0], works: 0, failing: 0 };
      const avAll = [1, 1, 1, 1];
      const avSeen = [0, 0, 0, 0];
      runTaskDeployment(
        { id: `${name}-${index}`, criteria, tasksPerDay: size, baseline: NO_CHANGE_TRUTH, current: NO_CHANGE_TRUTH, variation: DAY_VARIATION, looks: LOOKS },
        deploymentSeed(seed, name, index),
        (look, card, projection, now) => {
          ever.works |= flag(card.verdict === 'works');
          ever.failing |= flag(card.verdict === 'failing');
          card.criteria.forEach((c, i) => {
            ever.met[i] = (ever.met[i] as number) | flag(c.status === 'met');
            ever.notMet[i] = (ever.notMet[i] as number) | flag(c.status === 'not_met');
            const covered = contains(c.lower, c.upper, 0);
            if (!Number.isNaN(covered)) {
              avSeen[i] = 1;
              avAll[i] = (avAll[i] as number) & covered;
            }
          });
          if (look === SINGLE_LOOK) {
            o['works@28'] = flag(card.verdict === 'works');
            o['failing@28'] = flag(card.verdict === 'failing');
            const fixed = windowComparisons(projection, now, Z95);
            card.criteria.forEach((c) => {
              o[`met@28:${c.metric}`] = flag(c.status === 'met');
              o[`notMet@28:${c.metric}`] = flag(c.status === 'not_met');
              o[`avCovered@28:${c.metric}`] = contains(c.lower, c.upper, 0);
              const change = fixed[c.metric as ComparedMetric].change;
              o[`fixedCovered@28:${c.metric}`] = contains(change?.lower, change?.upper, 0);
            });
          }
        },
      );
      o['everWorks'] = ever.works;
      o['everFailing'] = ever.failing;
      NO_CHANGE_METRICS.forEach((metric, i) => {
        o[`everMet:${metric}`] = ever.met[i] as number;
        o[`everNotMet:${metric}`] = ever.notMet[i] as number;
        o[`avCoveredAll:${metric}`] = avSeen[i] ? (avAll[i] as number) : Number.NaN;
      });
      return o;
    },
    summarise(o) {
      const note = cap !== undefined && o.length >= cap ? `capped at ${cap} deployments (slow size)` : undefined;
      const rows: Row[] = [
        share(name, 'verdict: false works, ever (60 looks)', shareOf(o, 'everWorks'), FALSE_CALL, note),
        share(name, 'verdict: false failing, ever (60 looks)', shareOf(o, 'everFailing'), FALSE_CALL),
        share(name, 'verdict: false works at look 28', shareOf(o, 'works@28'), FALSE_CALL),
        share(name, 'verdict: false failing at look 28', shareOf(o, 'failing@28'), FALSE_CALL),
      ];
      for (const metric of NO_CHANGE_METRICS) {
        rows.push(
          share(name, `${metric}: false met, ever`, shareOf(o, `everMet:${metric}`), FALSE_CALL),
          share(name, `${metric}: false not_met, ever`, shareOf(o, `everNotMet:${metric}`), FALSE_CALL),
          share(name, `${metric}: false met at look 28`, shareOf(o, `met@28:${metric}`), FALSE_CALL),
          share(name, `${metric}: false not_met at look 28`, shareOf(o, `notMet@28:${metric}`), FALSE_CALL),
        );
      }
      for (const metric of NO_CHANGE_METRICS) {
        rows.push(
          share(coverageName, `${metric}: always-valid interval covers 0 at all 60 looks`, shareOf(o, `avCoveredAll:${metric}`), { atLeast: 0.95 }),
          share(coverageName, `${metric}: always-valid interval covers 0 at look 28`, shareOf(o, `avCovered@28:${metric}`), { atLeast: 0.95 }),
          share(coverageName, `${metric}: fixed-look 95% interval (Z95) covers 0 at look 28`, shareOf(o, `fixedCovered@28:${metric}`), { between: [0.93, 0.97] }),
        );
      }
      return rows;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// D clear-win

export const CLEAR_WIN_TRUTH: Truth = { durationMedian: 165, errorRate: 0.06, costMedian: 2 };

function clearWinCell(): Cell {
  const name = 'clear-win';
  const criteria: Criterion[] = [
    { metric: 'task_duration_p50', relativeChange: -0.3 },
    { metric: 'error_ratio', relativeChange: 0 },
  ];
  return {
    name,
    tags: [],
    description: 'p50 300→165 s (−45%), errors 10%→6%, criteria p50 rc −0.30 and error_ratio rc 0, 100 tasks/day',
    deploymentsFor: (n) => n,
    simulate(seed, index) {
      let firstWorks = Infinity;
      let everFailing = false;
      runTaskDeployment(
        { id: `${name}-${index}`, criteria, tasksPerDay: 100, baseline: NO_CHANGE_TRUTH, current: CLEAR_WIN_TRUTH, variation: DAY_VARIATION, looks: LOOKS },
        deploymentSeed(seed, name, index),
        (look, card) => {
          firstWorks = firstLook(firstWorks, look, card.verdict === 'works');
          everFailing ||= card.verdict === 'failing';
        },
      );
      return { firstWorks, worksBy28: flag(firstWorks <= SINGLE_LOOK), everFailing: flag(everFailing) };
    },
    summarise(o) {
      return [
        share(name, 'verdict works within 28 days after ramp-up', shareOf(o, 'worksBy28'), { atLeast: 0.8 }),
        number(name, 'median day of first works (days after ramp-up)', medianOf(o, 'firstWorks'), undefined, '∞ = most never within 60'),
        share(name, 'ever failing (wrong: truth is works)', shareOf(o, 'everFailing'), FALSE_CALL),
      ];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// E adoption

/** Daily use probability with P(active in a 7-day window) = 0.70. */
export const ADOPTION_DAILY_USE = 1 - Math.pow(0.3, 1 / 7);

function adoptionCell(): Cell {
  const name = 'adoption';
  const criteria: Criterion[] = [{ metric: 'adoption_ratio', atLeast: 0.6 }];
  return {
    name,
    tags: [],
    description: '20 eligible users, each active in a 7-day window w.p. 0.70 (truth) vs adoption_ratio ≥ 0.6; 5 tasks/user/day',
    deploymentsFor: (n) => n,
    simulate(seed, index) {
      let changes = 0;
      let transitions = 0;
      let previous: Scorecard['verdict'] | undefined;
      let everFailing = false;
      runAdoptionDeployment(
        {
          id: `${name}-${index}`,
          criteria,
          users: 20,
          dailyUseProbability: ADOPTION_DAILY_USE,
          tasksPerUserPerDay: 5,
          truth: NO_CHANGE_TRUTH,
          variation: DAY_VARIATION,
          firstActiveOffset: -28,
          looks: LOOKS,
        },
        deploymentSeed(seed, name, index),
        (_look, card) => {
          if (previous !== undefined && card.verdict !== previous) {
            transitions += 1;
            if (judged(previous)) changes += 1;
          }
          previous = card.verdict;
          everFailing ||= card.verdict === 'failing';
        },
      );
      return { changes, transitions, atMostOneChange: flag(changes <= 1), neverFailing: flag(!everFailing) };
    },
    summarise(o) {
      return [
        share(name, 'deployments with ≤ 1 verdict change in 60 looks', shareOf(o, 'atMostOneChange'), { atLeast: 0.95 }, 'a change = leaving inconclusive/works/failing'),
        number(name, 'mean verdict changes per deployment', { value: shareOf(o, 'changes').value, n: o.length }),
        number(name, 'max verdict changes of any deployment', maxOf(o, 'changes'), { atMost: 1 }),
        number(name, 'mean transitions of any kind (incl. leaving insufficient_data)', { value: shareOf(o, 'transitions').value, n: o.length }),
        share(name, 'never failing (truth 0.70 ≥ 0.6)', shareOf(o, 'neverFailing'), { atLeast: 0.95 }),
      ];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// F weekday-null and weekday-golive-drop, G weekday-effect

const anyWeekdayFlagged = (card: Scorecard) => WEEKDAYS.some((w) => card.weekday.anomaly[w] === true);

function weekdayNullCell(name: string, baselineError: number, currentError: number, description: string): Cell {
  const criteria: Criterion[] = [{ metric: 'error_ratio', atMost: 0.3 }];
  return {
    name,
    tags: name === 'weekday-null' ? [] : ['weekday-null'],
    description,
    deploymentsFor: (n) => n,
    simulate(seed, index) {
      let firstFlag = Infinity;
      runTaskDeployment(
        {
          id: `${name}-${index}`,
          criteria,
          tasksPerDay: 20,
          baseline: { ...NO_CHANGE_TRUTH, errorRate: baselineError },
          current: { ...NO_CHANGE_TRUTH, errorRate: currentError },
          variation: DAY_VARIATION,
          looks: LOOKS,
        },
        deploymentSeed(seed, name, index),
        (look, card) => {
          firstFlag = firstLook(firstFlag, look, anyWeekdayFlagged(card));
        },
      );
      return { everFlagged: flag(firstFlag < Infinity), firstFlag };
    },
    summarise(o) {
      return [share(name, 'any weekday flagged at least once (60 looks)', shareOf(o, 'everFlagged'), { atMost: 0.05 })];
    },
  };
}

const TUESDAY = WEEKDAYS.indexOf('tue');

/**
 * One weekday (Tuesday) at 3× the errors from go-live on. The cell is 20 tasks/day with
 * day-to-day variation; the variants show what the detector needs to find such a pattern within
 * four weeks while staying quiet on noise (see docs/statistics.md, "Weekday pattern").
 */
function weekdayEffectCell(name: string, tasksPerDay: number, variation: Variation, variationText: string, targets: { by28?: number; by60?: number } = {}): Cell {
  const criteria: Criterion[] = [{ metric: 'error_ratio', atMost: 0.3 }];
  const base: Truth = { ...NO_CHANGE_TRUTH, errorRate: 0.05 };
  const tuesday: Truth = { ...NO_CHANGE_TRUTH, errorRate: 0.15 };
  return {
    name,
    tags: name === 'weekday-effect' ? [] : ['weekday-effect'],
    description: `errors 5%, on Tuesdays (UTC) 15% from go-live on; ${variationText}, ${tasksPerDay} tasks/day`,
    deploymentsFor: (n) => n,
    simulate(seed, index) {
      let firstTuesday = Infinity;
      let otherFlagged = false;
      runTaskDeployment(
        {
          id: `${name}-${index}`,
          criteria,
          tasksPerDay,
          baseline: base,
          current: (offset) => (weekdayIndex(GO_LIVE_DAY + offset) === TUESDAY ? tuesday : base),
          variation,
          looks: LOOKS,
        },
        deploymentSeed(seed, name, index),
        (look, card) => {
          firstTuesday = firstLook(firstTuesday, look, card.weekday.anomaly.tue === true);
          otherFlagged ||= WEEKDAYS.some((w) => w !== 'tue' && card.weekday.anomaly[w] === true);
        },
      );
      return { firstTuesday, tuesdayBy28: flag(firstTuesday <= SINGLE_LOOK), tuesdayBy60: flag(firstTuesday <= LOOKS), otherFlagged: flag(otherFlagged) };
    },
    summarise(o) {
      return [
        share(name, 'Tuesday flagged within 28 days after ramp-up', shareOf(o, 'tuesdayBy28'), targets.by28 === undefined ? undefined : { atLeast: targets.by28 }),
        share(name, 'Tuesday flagged within 60 days after ramp-up', shareOf(o, 'tuesdayBy60'), targets.by60 === undefined ? undefined : { atLeast: targets.by60 }),
        number(name, 'median day Tuesday first flagged (days after ramp-up)', medianOf(o, 'firstTuesday'), undefined, '∞ = most never within 60'),
        share(name, 'another weekday ever flagged (60 looks)', shareOf(o, 'otherFlagged'), { atMost: 0.05 }, 'target assumed: as weekday-null'),
      ];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// H days-to-verdict

/** Looks simulated at most in H, so a prediction made by look 60 can be checked (≤ 28 days ahead) and late arrivals timed. */
const H_MAX_LOOKS = 120;

function daysToVerdictCell(size: number, withErrorCriterion: boolean): Cell {
  const name = `days-to-verdict${withErrorCriterion ? '-errors' : ''}/${size}`;
  const criteria: Criterion[] = [{ metric: 'task_duration_p50', relativeChange: -0.3 }];
  if (withErrorCriterion) criteria.push({ metric: 'error_ratio', relativeChange: 0 });
  return {
    name,
    tags: ['days-to-verdict'],
    description:
      `p50 change ~ U[−0.45, −0.15] vs rc −0.30, errors 10% → U[6%, 9%]` +
      `${withErrorCriterion ? ' vs error_ratio rc 0 as a second criterion' : ' (not a criterion)'}; ${size} tasks/day`,
    deploymentsFor: (n) => n,
    simulate(seed, index) {
      const dSeed = deploymentSeed(seed, name, index);
      const truthRng = new Rng(hashSeed(dSeed, 'truth'));
      const durationChange = -0.45 + 0.3 * truthRng.uniform();
      const errorRate = 0.06 + 0.03 * truthRng.uniform();
      const current: Truth = { durationMedian: NO_CHANGE_TRUTH.durationMedian * (1 + durationChange), errorRate, costMedian: NO_CHANGE_TRUTH.costMedian };
      let predictionLook = Number.NaN;
      let predicted = Number.NaN;
      let arrival = Infinity;
      let conclusiveBeforePrediction = false;
      runTaskDeployment(
        { id: `${name}-${index}`, criteria, tasksPerDay: size, baseline: NO_CHANGE_TRUTH, current, variation: DAY_VARIATION, looks: H_MAX_LOOKS },
        dSeed,
        (look, card) => {
          if (Number.isNaN(predictionLook)) {
            if (conclusive(card)) conclusiveBeforePrediction = true;
            if (look <= LOOKS && card.verdict === 'inconclusive' && typeof card.daysToVerdict === 'number' && card.daysToVerdict > 0) {
              predictionLook = look;
              predicted = card.daysToVerdict;
            }
            return look < LOOKS || !Number.isNaN(predictionLook); // no prediction in 60 looks: stop
          }
          if (conclusive(card)) {
            arrival = look;
            return false;
          }
          return true;
        },
      );
      const hasPrediction = !Number.isNaN(predictionLook);
      return {
        durationChange,
        errorRate,
        hasPrediction: flag(hasPrediction),
        conclusiveBeforePrediction: flag(conclusiveBeforePrediction),
        predictionLook,
        predicted,
        arrivedByPrediction: hasPrediction ? flag(arrival <= predictionLook + predicted) : Number.NaN,
        waitRatio: hasPrediction ? (arrival - predictionLook) / predicted : Number.NaN,
      };
    },
    summarise(o) {
      const noPrediction = o.filter((x) => x['hasPrediction'] === 0);
      return [
        share(name, 'conclusive by the predicted day (first inconclusive look with daysToVerdict > 0)', shareOf(o, 'arrivedByPrediction'), { between: [0.35, 0.65] }),
        number(name, 'median actual wait / predicted', medianOf(o, 'waitRatio'), undefined, `∞ = not conclusive within ${H_MAX_LOOKS} looks`),
        number(name, 'median predicted days (at the first prediction)', medianOf(o, 'predicted')),
        number(name, 'median look of the first prediction', medianOf(o, 'predictionLook')),
        share(name, 'deployments never given a prediction (60 looks)', { value: noPrediction.length / o.length, n: o.length }),
        share(name, '… of those, conclusive before any prediction', shareOf(noPrediction, 'conclusiveBeforePrediction')),
      ];
    },
  };
}

// ---------------------------------------------------------------------------------------------

export const CELLS: readonly Cell[] = [
  firstVerdictCell(),
  ...NO_CHANGE_SIZES.map(noChangeCell),
  clearWinCell(),
  adoptionCell(),
  weekdayNullCell('weekday-null', 0.05, 0.05, 'errors 5% before and after, no weekday effect, κ = 100, 20 tasks/day'),
  weekdayNullCell('weekday-golive-drop', 0.1, 0.05, 'errors 10% before go-live, 5% after, no weekday effect, κ = 100, 20 tasks/day'),
  weekdayEffectCell('weekday-effect', 20, DAY_VARIATION, 'κ = 100', { by28: 0.8 }),
  weekdayEffectCell('weekday-effect-steady', 20, NO_VARIATION, 'no day-to-day variation'),
  weekdayEffectCell('weekday-effect/50', 50, DAY_VARIATION, 'κ = 100', { by60: 0.95 }),
  daysToVerdictCell(20, false),
  daysToVerdictCell(100, false),
  daysToVerdictCell(20, true),
  daysToVerdictCell(100, true),
  ...SITUATION_CELLS,
];

export function cellNamed(name: string): Cell {
  const cell = CELLS.find((c) => c.name === name);
  if (!cell) throw new Error(`unknown cell ${name}`);
  return cell;
}

/** The cells a command-line selection names (by name or tag), in study order. */
export function selectCells(names: readonly string[] | undefined): Cell[] {
  if (!names || names.length === 0) return [...CELLS];
  const unknown = names.filter((n) => !CELLS.some((c) => c.name === n || c.tags.includes(n)));
  if (unknown.length > 0) throw new Error(`unknown cells: ${unknown.join(', ')} (known: ${CELLS.map((c) => c.name).join(', ')})`);
  return CELLS.filter((c) => names.includes(c.name) || c.tags.some((t) => names.includes(t)));
}

/** Outcomes of deployments [from, to) of a cell. */
export function simulateRange(cell: Cell, seed: number, from: number, to: number): Outcome[] {
  const outcomes: Outcome[] = [];
  for (let i = from; i < to; i += 1) outcomes.push(cell.simulate(seed, i));
  return outcomes;
}

/** Single-threaded run of a cell: its rows for `deployments` deployments. */
export function runCell(name: string, seed: number, deployments: number): Row[] {
  const cell = cellNamed(name);
  return cell.summarise(simulateRange(cell, seed, 0, cell.deploymentsFor(deployments)));
}
