import type { Criterion } from '@baseliner/contracts';
import type { RegisteredDeployment } from '@baseliner/domain';
import { activeUsersByDay, ADOPTION_HABIT_WEEKS, adoptionAt, pastAdoptionCounts, type Adoption, type AdoptionCounts } from './adoption';
import {
  CRITERIA_ALPHA,
  daysUntilConclusive,
  evaluateCriteria,
  intervalsAt,
  MIN_TASKS_PER_WINDOW,
  type CriterionResult,
  type EvaluationInputs,
} from './criteria-evaluation';
import type { DayBucket, DeploymentProjection } from './deployment-projection';
import { SlidingSketchWindow } from './duration-sketch';
import { beforeAfterChecks } from './before-after-checks';
import { BEFORE_AFTER, differenceInDifferences, type ComparisonSummary } from './comparison-design';
import { DAY_MS, dayToIsoDate, localDay, utcOffsetMs } from './local-time';
import { scorecardWarnings, type ScorecardWarning } from './scorecard-warnings';
import { alwaysValidMultiplier } from './statistics';
import { explainVerdict, type VerdictExplanation } from './verdict-explanation';
import type { Verdict } from './verdicts';
import { weekdayPattern, type WeekdayPattern } from './weekday-pattern';
import { compareWindows, windowStatistics, windowTotals, type ComparedMetric, type MetricComparison, type ReadDay, type WindowTotals } from './window-metrics';
import { windowsOf, type DayWindow, type Windows } from './windows';

export interface WindowSummary {
  from: string;
  to: string;
  days: number;
  /** Days with at least one task of the window's modes. */
  daysWithTasks: number;
  tasks: { ai: number; assisted: number; manual: number };
}

export interface Scorecard {
  deploymentId: string;
  evaluatedAt: string;
  phase: RegisteredDeployment['phase'];
  /** The verdict, held once reached: see `verdictSince` and docs/statistics.md ("Verdicts that hold"). */
  verdict: Verdict;
  /** Local date (deployment time zone) from which `verdict` has stood. */
  verdictSince?: string;
  /** What the criteria say at this moment, before the hold rule. */
  criteriaVerdict: Verdict;
  /** Days until every criterion is conclusive at the current effect and volume; absent when not estimable. */
  daysToVerdict?: number;
  /** How the intervals below were drawn. */
  intervals: { confidence: number; alwaysValid: true; multiplier: number; unit: 'day' };
  windows: { baseline?: WindowSummary; current?: WindowSummary; inRampUp: boolean };
  metrics: Record<ComparedMetric, MetricComparison>;
  /** Which design produced the changes judged: difference-in-differences over segments, or before/after. */
  comparison: ComparisonSummary;
  adoption: Adoption;
  weekday: WeekdayPattern;
  criteria: CriterionResult[];
  /** Why the verdict is what it is: the deciding criterion with its numbers, in words too. */
  decidedBy: VerdictExplanation;
  /** Worth a look whatever the verdict (a weekday pattern, adoption dropping, errors moved downstream, silence). */
  warnings: ScorecardWarning[];
  flags: { criteriaRevisedAfterGoLive: boolean; baselineThin: boolean; silentFor24h: boolean };
  lastEventAt?: string;
}

function summary(window: DayWindow, totals: WindowTotals): WindowSummary {
  return { from: dayToIsoDate(window.fromDay), to: dayToIsoDate(window.toDay), days: totals.days, daysWithTasks: totals.daysWithTasks, tasks: totals.tasksByMode };
}

/** Verdict precedence of the contract: failing > inconclusive > insufficient_data > works. */
export function verdictOf(phase: RegisteredDeployment['phase'], live: boolean, criteria: CriterionResult[]): Verdict {
  if (phase === 'retired') return 'retired';
  if (phase === 'rolled_back') return 'rolled_back';
  if (!live || criteria.length === 0) return 'pending';
  if (criteria.some((c) => c.status === 'not_met')) return 'failing';
  if (criteria.some((c) => c.status === 'inconclusive')) return 'inconclusive';
  if (criteria.some((c) => c.status === 'insufficient_data')) return 'insufficient_data';
  return 'works';
}

/** A verdict with the local day it was reached. */
export interface HeldVerdict {
  verdict: Verdict;
  since: number;
}

const decisive = (verdict: Verdict) => verdict === 'works' || verdict === 'failing';

/**
 * The hold rule, applied once per local day to what the criteria say that day. Until a verdict
 * is reached it follows the criteria. Once `works` or `failing` is reached it stays until the
 * criteria give the other one — which itself takes always-valid evidence (a criterion's whole
 * interval on the bad side after Holm's correction, or every interval on the good side).
 * An interval that merely widens or drifts back over a target (inconclusive, or too little
 * data on a quiet week) does not undo a verdict.
 */
export function holdVerdict(held: HeldVerdict | undefined, criteriaVerdict: Verdict, day: number): HeldVerdict {
  if (!held) return { verdict: criteriaVerdict, since: day };
  if (held.verdict === criteriaVerdict) return held;
  if (decisive(held.verdict) && !decisive(criteriaVerdict)) return held;
  return { verdict: criteriaVerdict, since: day };
}

interface Evaluation {
  windows: Windows;
  baselineTotals?: WindowTotals;
  currentTotals?: WindowTotals;
  inputs: EvaluationInputs;
  /** Absent on past days of the verdict track when no criterion needs it. */
  adoption?: Adoption;
  criteria: CriterionResult[];
  criteriaVerdict: Verdict;
  z: number;
  comparison: ComparisonSummary;
}

/**
 * What the past days of the verdict track share, worked out once per walk: the baseline (its
 * window does not move with `now`), the days of the current windows as read, and 7-day active
 * users on every day.
 */
interface PastDays {
  baselineTotals?: WindowTotals;
  statistics?: EvaluationInputs['baseline'];
  currentDays: Map<number, ReadDay>;
  active7d?: { from: number; counts: Int32Array };
  /** The current window's durations, summed as it slides from one past day to the next. */
  durations: SlidingSketchWindow;
}

const PER_USER_OR_TASK_SHARE = new Set(['adoption_ratio', 'reversion_ratio', 'ai_task_share', 'override_ratio']);
const TASK_SHARE = new Set(['ai_task_share', 'override_ratio']);
const NO_ADOPTION: AdoptionCounts = { activeUsers7d: 0, eligibleUsers: null, eligibleDeclared: false, weeklyActiveUsers: [], revertedUsers: 0, recentAdopters: 0, aiTaskShare: null, overrides: null };

/**
 * One evaluation at `now`. For a past day of the verdict track (`reuse` given) it skips what only
 * people read: reasons, and adoption when no criterion needs it.
 */
function evaluate(projection: DeploymentProjection, deployment: RegisteredDeployment, now: Date, reuse?: PastDays): Evaluation {
  const windows = windowsOf(deployment, now);
  const baselineTotals = reuse ? reuse.baselineTotals : windows.baseline ? windowTotals(projection, windows.baseline, ['manual']) : undefined;
  const baselineStatistics = reuse ? reuse.statistics : baselineTotals && windowStatistics(baselineTotals);
  const currentTotals = windows.current ? windowTotals(projection, windows.current, ['ai', 'assisted', 'manual'], reuse?.currentDays) : undefined;
  if (reuse && currentTotals && windows.current) {
    const { fromDay, toDay } = windows.current;
    currentTotals.durations = { view: () => reuse.durations.view(fromDay, toDay), countBelow: reuse.durations.countBelow };
  }
  const net = differenceInDifferences(projection, deployment, windows);
  // Net metrics are judged on the paired days only: their days of evidence are those.
  const currentDays = Math.min(currentTotals?.daysWithTasks ?? 0, net?.summary.pairedDays ?? Infinity);
  // Slid-out days count as calendar days: O(1) for every past day of the verdict track, and at
  // most a little conservative where some had no tasks.
  const lookDays = windows.current ? currentDays + Math.max(0, windows.current.fromDay - firstCurrentDay(deployment)) : 0;
  // Days of evidence set the always-valid multiplier: every day looked at since the current window
  // opened once live (the window slides, the looks go on), else the baseline's.
  const z = alwaysValidMultiplier(currentTotals ? lookDays : (baselineTotals?.daysWithTasks ?? 0), CRITERIA_ALPHA);
  const needsAdoption = !reuse || deployment.criteria.some((c) => PER_USER_OR_TASK_SHARE.has(c.metric));
  const { adoption, counts } = !needsAdoption
    ? { adoption: undefined, counts: NO_ADOPTION }
    : reuse?.active7d
      ? { adoption: undefined, counts: pastAdoptionCounts(reuse.active7d, windows.today, currentTotals, deployment.eligibleUsers, goLiveDayOf(deployment), deployment.criteria.some((c) => TASK_SHARE.has(c.metric))) }
      : adoptionAt(projection, now, windows.today, currentTotals, deployment.eligibleUsers, z, goLiveDayOf(deployment));
  const inputs: EvaluationInputs = {
    ...(baselineStatistics && { baseline: baselineStatistics }),
    ...(currentTotals && { current: windowStatistics(currentTotals) }),
    adoption: counts,
    currentTasks: currentTotals?.tasks ?? 0,
    currentDays,
    baselineDays: baselineTotals?.daysWithTasks ?? 0,
    lookDays,
    ...(net && { net }),
  };
  const live = windows.current !== undefined;
  const criteria = live ? evaluateCriteria(deployment.criteria, inputs, CRITERIA_ALPHA, !reuse) : [];
  return { windows, baselineTotals, currentTotals, inputs, adoption, criteria, criteriaVerdict: verdictOf('live', live, criteria), z, comparison: net?.summary ?? BEFORE_AFTER };
}

/** The go-live local day (the first wave's). */
function goLiveDayOf(deployment: RegisteredDeployment): number | undefined {
  return deployment.wentLiveAt ? localDay(Date.parse(deployment.wentLiveAt), deployment.timezone) : undefined;
}

/** The first local day of the current window: go-live (the first wave) + ramp-up. */
function firstCurrentDay(deployment: RegisteredDeployment): number {
  return (goLiveDayOf(deployment) ?? Infinity) + deployment.rampUpDays;
}


/** The last millisecond of local day `day` in `zone`. */
function endOfLocalDay(day: number, zone: string): number {
  const wallEnd = (day + 1) * DAY_MS - 1;
  let at = wallEnd - utcOffsetMs(wallEnd, zone);
  at = wallEnd - utcOffsetMs(at, zone);
  return localDay(at, zone) > day ? at - 3_600_000 : at;
}

/** Every counter of a day: any event landing on the day changes it. */
function bucketWeight(bucket: DayBucket): number {
  let weight = bucket.operatorEscalations + bucket.builderEscalations + bucket.downstreamErrors + bucket.overrides;
  weight += bucket.disables + bucket.enables + bucket.aiUses + bucket.feedbackCount;
  for (const modeDay of Object.values(bucket.modes)) weight += modeDay.tasks;
  return weight;
}

/**
 * Criteria whose past values can be recomputed from day buckets alone. Reversion, and adoption
 * without a declared number of eligible users, rest on each person's latest activity, which later
 * events overwrite: they join the verdict from the day they are evaluated, not retroactively, so
 * the track is the same whenever and however often it is computed (live, after a restart, after
 * a full replay).
 */
function replayableOnPastDays(criterion: Criterion, deployment: RegisteredDeployment): boolean {
  if (criterion.metric === 'reversion_ratio') return false;
  return criterion.metric !== 'adoption_ratio' || deployment.eligibleUsers !== undefined;
}

function lifecycleKey(deployment: RegisteredDeployment): string {
  const { criteria, baselineWindow, wentLiveAt, rolledBack, retired, timezone, rampUpDays, eligibleUsers } = deployment;
  return JSON.stringify([criteria, baselineWindow, wentLiveAt, rolledBack?.at, retired?.at, timezone, rampUpDays, eligibleUsers]);
}

/** The held verdict at `today`, replaying the hold rule over every day since the question was last set. */
function heldVerdictAt(projection: DeploymentProjection, deployment: RegisteredDeployment, evaluation: Evaluation): HeldVerdict | undefined {
  const { windows } = evaluation;
  const zone = deployment.timezone;
  if (deployment.phase === 'retired' && deployment.retired) return { verdict: 'retired', since: localDay(Date.parse(deployment.retired.at), zone) };
  if (deployment.phase === 'rolled_back' && deployment.rolledBack) return { verdict: 'rolled_back', since: localDay(Date.parse(deployment.rolledBack.at), zone) };
  if (!windows.current || !deployment.wentLiveAt) return undefined;

  // The track starts when the current window first opens, or when the criteria were last revised.
  let firstDay = localDay(Date.parse(deployment.wentLiveAt), zone) + deployment.rampUpDays;
  const revisedAt = Date.parse(deployment.criteriaRevisions.at(-1)?.at ?? '');
  if (Number.isFinite(revisedAt)) firstDay = Math.max(firstDay, localDay(revisedAt, zone));
  const today = windows.today;

  // What the criteria said at the end of each past day is cached on the projection (and so in its
  // snapshots): an entry stands while the events on or before its day — whose count only grows —
  // and the lifecycle facts it depends on are unchanged, so a re-evaluation every few seconds
  // computes only today, and a backfill recomputes exactly the days it can affect.
  const key = lifecycleKey(deployment);
  if (projection.verdictTrack?.lifecycle !== key) projection.verdictTrack = { lifecycle: key, days: {} };
  const memo = projection.verdictTrack.days;
  const pastDeployment = { ...deployment, criteria: deployment.criteria.filter((c) => replayableOnPastDays(c, deployment)) };
  const pastDays: PastDays = {
    baselineTotals: evaluation.baselineTotals,
    statistics: evaluation.inputs.baseline,
    currentDays: new Map(),
    // The current window counts every mode.
    durations: new SlidingSketchWindow((day) => Object.values(projection.days[day]?.modes ?? {}).map((modeDay) => modeDay.durations)),
  };
  // Past days judge adoption only with declared eligible users (replayable): 7-day active users
  // from the first day's first habit week to today, in one pass over the actors.
  if (pastDeployment.criteria.some((c) => PER_USER_OR_TASK_SHARE.has(c.metric))) {
    const from = firstDay - 7 * ADOPTION_HABIT_WEEKS;
    pastDays.active7d = { from, counts: activeUsersByDay(Object.values(projection.actors), from, today, 7) };
  }

  const dayNumbers = Object.keys(projection.days)
    .map(Number)
    .sort((a, b) => a - b);
  let weight = 0;
  let next = 0;
  let held: HeldVerdict | undefined;
  for (let day = firstDay; day < today; day += 1) {
    while (next < dayNumbers.length && (dayNumbers[next] as number) <= day) {
      weight += bucketWeight(projection.days[dayNumbers[next] as number] as DayBucket);
      next += 1;
    }
    let entry = memo[day];
    if (!entry || entry[0] !== weight) {
      memo[day] = entry = [weight, evaluate(projection, pastDeployment, new Date(endOfLocalDay(day, zone)), pastDays).criteriaVerdict];
      projection.verdictTrack.unsaved = true;
    }
    held = holdVerdict(held, entry[1] as Verdict, day);
  }
  const heldToday = holdVerdict(held, evaluation.criteriaVerdict, today);
  // Criteria left out of the past days join from today: `works` needs them met now too, so a
  // verdict reached without them is not `works` while one of them is not met.
  const unmetNow = evaluation.criteria.some((result, i) => {
    const criterion = deployment.criteria[i];
    return criterion !== undefined && !replayableOnPastDays(criterion, deployment) && result.status !== 'met';
  });
  if (heldToday.verdict === 'works' && unmetNow) return { verdict: evaluation.criteriaVerdict, since: today };
  return heldToday;
}

/**
 * What the criteria said at the end of a past local day, worked out from scratch (no walk, no
 * memo): what the verdict track's entry for that day must equal. For tests and diagnostics.
 */
export function pastDayVerdict(projection: DeploymentProjection, day: number): Verdict {
  const deployment = projection.lifecycle;
  if (deployment.status !== 'registered') return 'pending';
  const pastDeployment = { ...deployment, criteria: deployment.criteria.filter((c) => replayableOnPastDays(c, deployment)) };
  return evaluate(projection, pastDeployment, new Date(endOfLocalDay(day, deployment.timezone))).criteriaVerdict;
}

/**
 * Everything Baseliner says about one deployment at `now`: windows, before/after numbers with
 * always-valid intervals, adoption, weekday pattern, each criterion's status and the verdict.
 * Pure: the same projection and the same `now` give the same scorecard (a per-projection memo
 * of past days only saves work).
 */
export function scorecardOf(projection: DeploymentProjection, now: Date): Scorecard | undefined {
  const deployment = projection.lifecycle;
  if (deployment.status !== 'registered') return undefined;
  const evaluation = evaluate(projection, deployment, now);
  const { windows, baselineTotals, currentTotals, inputs, criteria, z } = evaluation;
  const held = heldVerdictAt(projection, deployment, evaluation);
  const verdict = held?.verdict ?? verdictOf(deployment.phase, windows.current !== undefined, criteria);

  let daysToVerdict: number | undefined;
  let criterionDays: (number | undefined)[] = [];
  if (verdict === 'inconclusive' || verdict === 'insufficient_data') {
    const perDay = currentTotals ? currentTotals.tasks / currentTotals.days : 0;
    const at = intervalsAt(inputs, z);
    criterionDays = criteria.map((c) => daysUntilConclusive(c, inputs, at, perDay));
    if (criterionDays.every((d) => d !== undefined)) daysToVerdict = Math.max(...(criterionDays as number[]));
  } else if (verdict === 'works' || verdict === 'failing') {
    daysToVerdict = 0;
  }
  const verdictSince = held && dayToIsoDate(held.since);
  const metrics = compareWindows(inputs.baseline, inputs.current, z);
  for (const metric of evaluation.comparison.netMetrics) metrics[metric] = inputs.net?.at(metric, z) ?? metrics[metric];
  const weekday = weekdayPattern(projection, deployment, windows);
  const opens = deployment.wentLiveAt && localDay(Date.parse(deployment.wentLiveAt), deployment.timezone) + deployment.rampUpDays;

  const usesBaseline = deployment.criteria.some((c) => c.relativeChange !== undefined);
  return {
    deploymentId: deployment.id,
    evaluatedAt: now.toISOString(),
    phase: deployment.phase,
    verdict,
    ...(verdictSince && { verdictSince }),
    criteriaVerdict: evaluation.criteriaVerdict,
    ...(daysToVerdict !== undefined && { daysToVerdict }),
    intervals: { confidence: 1 - CRITERIA_ALPHA, alwaysValid: true, multiplier: z, unit: 'day' },
    windows: {
      ...(windows.baseline && baselineTotals && { baseline: summary(windows.baseline, baselineTotals) }),
      ...(windows.current && currentTotals && { current: summary(windows.current, currentTotals) }),
      inRampUp: windows.inRampUp,
    },
    metrics,
    comparison: evaluation.comparison,
    adoption: evaluation.adoption as Adoption,
    weekday,
    criteria,
    decidedBy: explainVerdict({
      verdict,
      criteriaVerdict: evaluation.criteriaVerdict,
      ...(verdictSince && { verdictSince }),
      criteria,
      daysUntilConclusive: criterionDays,
      phase: deployment.phase,
      inRampUp: windows.inRampUp,
      ...(typeof opens === 'number' && { currentWindowOpens: dayToIsoDate(opens) }),
      ...(deployment.rolledBack && { rolledBack: deployment.rolledBack }),
      ...(deployment.retired && { retired: deployment.retired }),
    }),
    warnings: scorecardWarnings({
      now,
      phase: deployment.phase,
      timezone: deployment.timezone,
      weekday,
      ...(evaluation.adoption && { adoption: evaluation.adoption }),
      metrics,
      ...(projection.lastEventTime !== undefined && { lastEventTime: projection.lastEventTime }),
      // Without a comparison, check what before/after assumes (volume, mix, a drifting baseline).
      ...(evaluation.comparison.design === 'before_after' && windows.current && { beforeAfter: beforeAfterChecks(projection, windows) }),
    }),
    flags: {
      criteriaRevisedAfterGoLive: deployment.criteriaRevisions.length > 0,
      baselineThin: usesBaseline && (baselineTotals?.tasks ?? 0) < MIN_TASKS_PER_WINDOW,
      silentFor24h: deployment.phase === 'live' && (projection.lastEventTime ?? 0) < now.getTime() - DAY_MS,
    },
    ...(projection.lastEventTime !== undefined && { lastEventAt: new Date(projection.lastEventTime).toISOString() }),
  };
}

/**
 * The before/after comparisons at `now` with intervals at multiplier `z` (Z95 = one planned
 * look). For simulation studies and tests that need fixed-look intervals next to the
 * always-valid ones the scorecard reports.
 */
export function windowComparisons(projection: DeploymentProjection, now: Date, z: number): Record<ComparedMetric, MetricComparison> {
  const deployment = projection.lifecycle;
  if (deployment.status !== 'registered') return compareWindows(undefined, undefined, z);
  const { inputs } = evaluate(projection, deployment, now);
  return compareWindows(inputs.baseline, inputs.current, z);
}
