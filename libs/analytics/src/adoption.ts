import type { DeploymentProjection } from './deployment-projection';
import { DAY_MS } from './local-time';
import { wilsonInterval, type Estimate } from './statistics';
import type { WindowTotals } from './window-metrics';

export const REVERSION_DAYS = 14;

export interface Adoption {
  activeUsers7d: number;
  activeUsers28d: number;
  /** Declared on the deployment, else distinct actors seen doing tasks in the last 28 days. */
  eligibleUsers: number | null;
  adoptionRatio: number | null;
  /** 1 − active users (7d) now / peak 7-day active users within the last 28 days. */
  adoptionDropRatio: number | null;
  peakActiveUsers7d: number;
  aiTaskShare: Estimate | null;
  /** Adopters with no AI use for 14 days who kept doing the work manually, over recently active adopters. */
  reversionRatio: number | null;
  revertedUsers: number;
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

/**
 * Who uses the AI, at `now`. Active users and the peak are population counts (no sampling
 * error); AI task share and overrides are rates over tasks in the current window.
 */
export function adoptionAt(
  projection: DeploymentProjection,
  now: Date,
  today: number,
  current: WindowTotals | undefined,
  declaredEligible: number | undefined,
): Adoption {
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

  const aiTasks = current ? current.tasksByMode.ai + current.tasksByMode.assisted : 0;
  return {
    activeUsers7d,
    activeUsers28d,
    eligibleUsers,
    adoptionRatio: eligibleUsers ? Math.min(1, activeUsers7d / eligibleUsers) : null,
    adoptionDropRatio: peakActiveUsers7d > 0 ? 1 - activeUsers7d / peakActiveUsers7d : null,
    peakActiveUsers7d,
    aiTaskShare: current && current.tasks > 0 ? wilsonInterval(aiTasks, current.tasks) : null,
    reversionRatio: recentAdopters.length > 0 ? reverted / recentAdopters.length : null,
    revertedUsers: reverted,
    overrideRatio: current && aiTasks > 0 ? wilsonInterval(Math.min(current.overrides, aiTasks), aiTasks) : null,
    disables7d,
  };
}
