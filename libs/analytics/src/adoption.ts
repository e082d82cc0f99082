import type { DeploymentProjection } from './deployment-projection';
import { DAY_MS } from './local-time';
import { clusteredProportion, intervalAt, type ClusteredProportion } from './clustered-estimates';
import { wilsonInterval, type Estimate } from './statistics';
import type { WindowTotals } from './window-metrics';

export const REVERSION_DAYS = 14;
/**
 * Weeks over which adoption is judged as a habit when the eligible users are declared: met when
 * the weekly active share held at or above the target in each of the last ADOPTION_HABIT_WEEKS
 * whole weeks since go-live, not met when it stayed below it in each of them.
 */
export const ADOPTION_HABIT_WEEKS = 3;

export interface Adoption {
  activeUsers7d: number;
  activeUsers28d: number;
  /** Declared on the deployment, else distinct actors seen doing tasks in the last 28 days. */
  eligibleUsers: number | null;
  adoptionRatio: number | null;
  /**
   * The adoption ratio's range: with declared eligible users, the lowest and highest weekly active
   * share of the last ADOPTION_HABIT_WEEKS weeks (a census, judged as a habit; null until that
   * many weeks since go-live); without, the always-valid Wilson interval over the users seen.
   */
  adoptionInterval: Estimate | null;
  /** Active users in each of the last whole weeks since go-live, the latest first (declared eligible users only). */
  weeklyActiveUsers?: number[];
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

/**
 * Actors active (an AI day within the `span` days ending on it) on each end day from `fromDay`
 * to `toDay`: one pass over each actor's AI days, not one per end day (a scorecard reads 7-day
 * active users on 30-odd days, and the verdict track on every past day).
 */
export function activeUsersByDay(actors: readonly { aiDays: number[] }[], fromDay: number, toDay: number, span: number): Int32Array {
  const length = toDay - fromDay + 1;
  const starts = new Int32Array(length + 1);
  for (const { aiDays } of actors) {
    // An AI day d makes the actor active on end days d..d+span−1; overlapping runs are merged.
    let coveredUntil = fromDay - 1;
    for (const day of aiDays) {
      const first = Math.max(day, coveredUntil + 1, fromDay);
      const last = Math.min(day + span - 1, toDay);
      if (first > last) continue;
      (starts[first - fromDay] as number) += 1;
      (starts[last - fromDay + 1] as number) -= 1;
      coveredUntil = last;
    }
  }
  const counts = new Int32Array(length);
  let running = 0;
  for (let i = 0; i < length; i += 1) counts[i] = running += starts[i] as number;
  return counts;
}

/** What the adoption intervals are computed from; intervals follow at any multiplier. */
export interface AdoptionCounts {
  activeUsers7d: number;
  eligibleUsers: number | null;
  /** Declared eligible users: adoption is then a census judged over weeks (`weeklyActiveUsers`). */
  eligibleDeclared: boolean;
  /** Active users in each of the last whole weeks since go-live, the latest first, up to ADOPTION_HABIT_WEEKS. */
  weeklyActiveUsers: number[];
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
    adoption: !eligibleUsers ? null : counts.eligibleDeclared ? habitRange(counts.weeklyActiveUsers, eligibleUsers) : wilsonInterval(Math.min(activeUsers7d, eligibleUsers), eligibleUsers, z),
    reversion: recentAdopters > 0 ? wilsonInterval(revertedUsers, recentAdopters, z) : null,
    aiTaskShare: counts.aiTaskShare ? intervalAt(counts.aiTaskShare, z) : null,
    overrides: counts.overrides ? intervalAt(counts.overrides, z) : null,
  };
}

/**
 * A declared population is observed whole: 18 of 20 active is 90%, not a sample of it. What
 * varies is the habit from week to week, so the range is the lowest to the highest weekly share
 * of the last ADOPTION_HABIT_WEEKS weeks (met when even the lowest reaches the target); null
 * until that many whole weeks have passed since go-live.
 */
function habitRange(weeklyActiveUsers: readonly number[], eligibleUsers: number): Estimate | null {
  if (weeklyActiveUsers.length < ADOPTION_HABIT_WEEKS) return null;
  const shares = weeklyActiveUsers.map((users) => Math.min(1, users / eligibleUsers));
  return { estimate: shares[0] as number, lower: Math.min(...shares), upper: Math.max(...shares), n: eligibleUsers };
}

/**
 * What the criteria read of adoption on a past day of the verdict track: only declared eligible
 * users are judged there (`scorecard.ts`, replayable criteria), from 7-day active users worked out
 * once for the whole track (`activeUsersByDay`). AI task share and overrides only when asked for.
 */
export function pastAdoptionCounts(
  active7d: { from: number; counts: Int32Array },
  today: number,
  current: WindowTotals | undefined,
  declaredEligible: number | undefined,
  liveSinceDay: number | undefined,
  taskRates: boolean,
): AdoptionCounts {
  const activeUsers = (endDay: number) => (endDay >= active7d.from ? (active7d.counts[endDay - active7d.from] ?? 0) : 0);
  const weeklyActiveUsers: number[] = [];
  if (declaredEligible !== undefined && liveSinceDay !== undefined) {
    for (let week = 0; week < ADOPTION_HABIT_WEEKS && today - 7 * week - 6 >= liveSinceDay; week += 1) weeklyActiveUsers.push(activeUsers(today - 7 * week));
  }
  const perDay = current?.perDay ?? [];
  const aiTasks = taskRates ? perDay.map((d) => d.aiTasks) : [];
  return {
    activeUsers7d: activeUsers(today),
    eligibleUsers: declaredEligible ?? null,
    eligibleDeclared: declaredEligible !== undefined,
    weeklyActiveUsers,
    revertedUsers: 0,
    recentAdopters: 0,
    aiTaskShare: taskRates && current && current.tasks > 0 ? clusteredProportion(aiTasks, perDay.map((d) => d.tasks)) : null,
    overrides: taskRates && aiTasks.some((n) => n > 0) ? clusteredProportion(perDay.map((d) => d.overrides), aiTasks) : null,
  };
}

/**
 * Who uses the AI, at `now`: counts, point values, and their intervals at multiplier `z`.
 * `liveSinceDay` is the go-live local day: habit weeks start on or after it.
 */
export function adoptionAt(
  projection: DeploymentProjection,
  now: Date,
  today: number,
  current: WindowTotals | undefined,
  declaredEligible: number | undefined,
  z: number,
  liveSinceDay?: number,
): { adoption: Adoption; counts: AdoptionCounts } {
  const nowMs = now.getTime();
  const actors = Object.values(projection.actors);
  const firstWeekEnd = today - 7 * (ADOPTION_HABIT_WEEKS - 1);
  const from = Math.min(today - 27, firstWeekEnd);
  const active7d = activeUsersByDay(actors, from, today, 7);
  const activeUsers = (endDay: number) => active7d[endDay - from] as number;
  const activeUsers7d = activeUsers(today);
  const activeUsers28d = activeUsersByDay(actors, today, today, 28)[0] as number;
  let peakActiveUsers7d = 0;
  for (let day = today - 27; day <= today; day += 1) peakActiveUsers7d = Math.max(peakActiveUsers7d, activeUsers(day));

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
  const weeklyActiveUsers: number[] = [];
  if (declaredEligible !== undefined && liveSinceDay !== undefined) {
    for (let week = 0; week < ADOPTION_HABIT_WEEKS && today - 7 * week - 6 >= liveSinceDay; week += 1) weeklyActiveUsers.push(activeUsers(today - 7 * week));
  }
  const counts: AdoptionCounts = {
    activeUsers7d,
    eligibleUsers,
    eligibleDeclared: declaredEligible !== undefined,
    weeklyActiveUsers,
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
      ...(declaredEligible !== undefined && { weeklyActiveUsers }),
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
