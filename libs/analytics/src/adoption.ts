import type { DeploymentProjection } from './deployment-projection';
import { DAY_MS } from './local-time';
import { clusteredProportion, intervalAt, type ClusteredProportion } from './clustered-estimates';
import { wilsonInterval, type Estimate } from './statistics';
import type { WindowTotals } from './window-metrics';

export const REVERSION_DAYS = 14;

export interface Adoption {
  activeUsers7d: number;
  activeUsers28d: number;
  /** Declared on the deployment, else distinct actors seen doing tasks in the last 28 days. */
  eligibleUsers: number | null;
  adoptionRatio: number | null;
  /** Always-valid interval of the adoption ratio: Wilson over the eligible users. */
  adoptionInterval: Estimate | null;
  /** 1 − active users (7d) now / peak 7-day active users within the last 28 days. */
  adoptionDropRatio: number | null;
  peakActiveUsers7d: number;
  aiTaskShare: Estimate | null;
  /** Adopters with no AI use for 14 days who kept doing the work manually, over recently active adopters. */
  reversionRatio: number | null;
  /** Always-valid interval of the reversion ratio: Wilson over the recently active adopters. */
  reversionInterval: Estimate | null;
  revertedUsers: number;
  recentAdopters: number;
  overrideRatio: Estimate | null;
  disables7d: number;
}

function activeOn(aiDays: number[], endDay: number, span: number): boolean {
  // aiDays is ascending: look from the most recent day backwards.
  for (let i = aiDays.length - 1; i >= 0; i -= 1) {
    const day = aiDays[i] as number;
    if (day > endDay) continue;
    return day > endDay - span;
  }
  return false;
}

/** What the adoption intervals are computed from; intervals follow at any multiplier. */
export interface AdoptionCounts {
  activeUsers7d: number;
  eligibleUsers: number | null;
  revertedUsers: number;
  recentAdopters: number;
  /** AI tasks over all tasks of the current window, clustered by day. */
  aiTaskShare: ClusteredProportion | null;
  /** Overrides over AI tasks of the current window, clustered by day. */
  overrides: ClusteredProportion | null;
}

/**
 * Intervals of the adoption measures at multiplier `z`. Users, not tasks, are the units of
 * adoption and reversion (Wilson over the eligible users / the recent adopters: who is active
 * in a given week varies even when the habit does not); AI task share and overrides are
 * clustered by day like every other rate.
 */
export function adoptionIntervals(counts: AdoptionCounts, z: number) {
  const { activeUsers7d, eligibleUsers, revertedUsers, recentAdopters } = counts;
  return {
    adoption: eligibleUsers ? wilsonInterval(Math.min(activeUsers7d, eligibleUsers), eligibleUsers, z) : null,
    reversion: recentAdopters > 0 ? wilsonInterval(revertedUsers, recentAdopters, z) : null,
    aiTaskShare: counts.aiTaskShare ? intervalAt(counts.aiTaskShare, z) : null,
    overrides: counts.overrides ? intervalAt(counts.overrides, z) : null,
  };
}

/**
 * Who uses the AI, at `now`: counts, point values, and their intervals at multiplier `z`.
 */
export function adoptionAt(
  projection: DeploymentProjection,
  now: Date,
  today: number,
  current: WindowTotals | undefined,
  declaredEligible: number | undefined,
  z: number,
): { adoption: Adoption; counts: AdoptionCounts } {
  const nowMs = now.getTime();
  const actors = Object.values(projection.actors);
  const activeUsers = (endDay: number, span: number) => actors.filter((a) => activeOn(a.aiDays, endDay, span)).length;
  const activeUsers7d = activeUsers(today, 7);
  const activeUsers28d = activeUsers(today, 28);
  let peakActiveUsers7d = 0;
  for (let day = today - 27; day <= today; day += 1) peakActiveUsers7d = Math.max(peakActiveUsers7d, activeUsers(day, 7));

  const since28 = nowMs - 28 * DAY_MS;
  const since14 = nowMs - REVERSION_DAYS * DAY_MS;
  const seenDoingTasks = actors.filter((a) => (a.lastTask ?? -Infinity) >= since28).length;
  const eligibleUsers = declaredEligible ?? (seenDoingTasks > 0 ? seenDoingTasks : null);

  const recentAdopters = actors.filter(
    (a) => a.firstAiUse !== undefined && Math.max(a.lastAiUse ?? -Infinity, a.lastTask ?? -Infinity) >= since28,
  );
  const reverted = recentAdopters.filter(
    (a) => (a.lastAiUse as number) < since14 && (a.lastManualTask ?? -Infinity) >= since14 && (a.lastManualTask as number) > (a.lastAiUse as number),
  ).length;

  let disables7d = 0;
  for (let day = today - 6; day <= today; day += 1) disables7d += projection.days[day]?.disables ?? 0;

  const perDay = current?.perDay ?? [];
  const aiTasks = perDay.map((d) => d.aiTasks);
  const counts: AdoptionCounts = {
    activeUsers7d,
    eligibleUsers,
    revertedUsers: reverted,
    recentAdopters: recentAdopters.length,
    aiTaskShare: current && current.tasks > 0 ? clusteredProportion(aiTasks, perDay.map((d) => d.tasks)) : null,
    overrides: aiTasks.some((n) => n > 0) ? clusteredProportion(perDay.map((d) => d.overrides), aiTasks) : null,
  };
  const intervals = adoptionIntervals(counts, z);
  return {
    counts,
    adoption: {
      activeUsers7d,
      activeUsers28d,
      eligibleUsers,
      adoptionRatio: eligibleUsers ? Math.min(1, activeUsers7d / eligibleUsers) : null,
      adoptionInterval: intervals.adoption,
      adoptionDropRatio: peakActiveUsers7d > 0 ? 1 - activeUsers7d / peakActiveUsers7d : null,
      peakActiveUsers7d,
      aiTaskShare: intervals.aiTaskShare,
      reversionRatio: recentAdopters.length > 0 ? reverted / recentAdopters.length : null,
      reversionInterval: intervals.reversion,
      revertedUsers: reverted,
      recentAdopters: recentAdopters.length,
      overrideRatio: intervals.overrides,
      disables7d,
    },
  };
}
