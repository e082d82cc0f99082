import type { RegisteredDeployment } from '@baseliner/domain';
import { adoptionAt, type Adoption } from './adoption';
import { daysUntilConclusive, evaluateCriterion, MIN_TASKS_PER_WINDOW, type CriterionResult } from './criteria-evaluation';
import type { DeploymentProjection } from './deployment-projection';
import { DAY_MS, dayToIsoDate } from './local-time';
import { weekdayPattern, type WeekdayPattern } from './weekday-pattern';
import { compareWindows, windowEstimates, windowTotals, type ComparedMetric, type MetricComparison, type WindowTotals } from './window-metrics';
import { windowsOf, WINDOW_DAYS, type DayWindow } from './windows';

export const VERDICTS = ['pending', 'insufficient_data', 'inconclusive', 'works', 'failing', 'rolled_back', 'retired'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface WindowSummary {
  from: string;
  to: string;
  days: number;
  tasks: { ai: number; assisted: number; manual: number };
}

export interface Scorecard {
  deploymentId: string;
  evaluatedAt: string;
  phase: RegisteredDeployment['phase'];
  verdict: Verdict;
  /** Days until every criterion is conclusive at the current effect and volume; absent when not estimable. */
  daysToVerdict?: number;
  windows: { baseline?: WindowSummary; current?: WindowSummary; inRampUp: boolean };
  metrics: Record<ComparedMetric, MetricComparison>;
  adoption: Adoption;
  weekday: WeekdayPattern;
  criteria: CriterionResult[];
  flags: { criteriaRevisedAfterGoLive: boolean; baselineThin: boolean; silentFor24h: boolean };
  lastEventAt?: string;
}

function summary(window: DayWindow, totals: WindowTotals): WindowSummary {
  return { from: dayToIsoDate(window.fromDay), to: dayToIsoDate(window.toDay), days: totals.days, tasks: totals.tasksByMode };
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

/**
 * Everything Baseliner says about one deployment at `now`: windows, before/after numbers with
 * intervals, adoption, weekday pattern, each criterion's status and the verdict. Pure: the same
 * projection and the same `now` give the same scorecard.
 */
export function scorecardOf(projection: DeploymentProjection, now: Date): Scorecard | undefined {
  const deployment = projection.lifecycle;
  if (deployment.status !== 'registered') return undefined;
  const windows = windowsOf(deployment, now);
  const baselineTotals = windows.baseline ? windowTotals(projection, windows.baseline, ['manual']) : undefined;
  const currentTotals = windows.current ? windowTotals(projection, windows.current, ['ai', 'assisted', 'manual']) : undefined;
  const comparisons = compareWindows(
    baselineTotals ? windowEstimates(baselineTotals) : undefined,
    currentTotals ? windowEstimates(currentTotals) : undefined,
  );
  const adoption = adoptionAt(projection, now, windows.today, currentTotals, deployment.eligibleUsers);
  const live = windows.current !== undefined;
  const criteria = live
    ? deployment.criteria.map((criterion) =>
        evaluateCriterion(criterion, {
          comparisons,
          adoption,
          currentTasks: currentTotals?.tasks ?? 0,
        }),
      )
    : [];
  const verdict = verdictOf(deployment.phase, live, criteria);

  let daysToVerdict: number | undefined;
  if (verdict === 'inconclusive' || verdict === 'insufficient_data') {
    const perDay = currentTotals ? currentTotals.tasks / currentTotals.days : 0;
    const estimates = criteria.map((c) => daysUntilConclusive(c, perDay, perDay * WINDOW_DAYS));
    if (estimates.every((d) => d !== undefined)) daysToVerdict = Math.max(...(estimates as number[]));
  } else if (verdict === 'works' || verdict === 'failing') {
    daysToVerdict = 0;
  }

  const usesBaseline = deployment.criteria.some((c) => c.relativeChange !== undefined);
  return {
    deploymentId: deployment.id,
    evaluatedAt: now.toISOString(),
    phase: deployment.phase,
    verdict,
    ...(daysToVerdict !== undefined && { daysToVerdict }),
    windows: {
      ...(windows.baseline && baselineTotals && { baseline: summary(windows.baseline, baselineTotals) }),
      ...(windows.current && currentTotals && { current: summary(windows.current, currentTotals) }),
      inRampUp: windows.inRampUp,
    },
    metrics: comparisons,
    adoption,
    weekday: weekdayPattern(projection, windows.today),
    criteria,
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
  void z;
  const windows = windowsOf(projection.lifecycle as RegisteredDeployment, now);
  const baselineTotals = windows.baseline ? windowTotals(projection, windows.baseline, ['manual']) : undefined;
  const currentTotals = windows.current ? windowTotals(projection, windows.current, ['ai', 'assisted', 'manual']) : undefined;
  return compareWindows(baselineTotals ? windowEstimates(baselineTotals) : undefined, currentTotals ? windowEstimates(currentTotals) : undefined);
}
