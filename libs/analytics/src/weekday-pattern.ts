import type { DeploymentProjection } from './deployment-projection';
import { WEEKDAYS, weekdayIndex, type Weekday } from './local-time';
import { normalUpperTail } from './statistics';

export const WEEKDAY_PATTERN_DAYS = 56;
/** Fewer tasks than this on a weekday, and it is never flagged. */
const MIN_TASKS_PER_WEEKDAY = 20;

export interface WeekdayPattern {
  errorRatio: Record<Weekday, number | null>;
  tasks: Record<Weekday, number>;
  /** True where that weekday's error ratio is significantly above the other days'. */
  anomaly: Record<Weekday, boolean>;
}

/**
 * Error ratio per local weekday over the last 8 weeks. Each weekday is tested against the other
 * six pooled (one-sided two-proportion z test); the seven tests are corrected with Holm's
 * step-down method (Holm 1979) at a family-wise 5%, so "breaks every Tuesday" is flagged
 * without flagging noise one day in seven.
 */
export function weekdayPattern(projection: DeploymentProjection, today: number): WeekdayPattern {
  const tasks = [0, 0, 0, 0, 0, 0, 0];
  const errors = [0, 0, 0, 0, 0, 0, 0];
  for (let day = today - WEEKDAY_PATTERN_DAYS + 1; day <= today; day += 1) {
    const bucket = projection.days[day];
    if (!bucket) continue;
    const w = weekdayIndex(day);
    for (const modeDay of Object.values(bucket.modes)) {
      tasks[w] = (tasks[w] as number) + modeDay.tasks;
      errors[w] = (errors[w] as number) + modeDay.error + modeDay.rework;
    }
  }
  const totalTasks = tasks.reduce((a, b) => a + b, 0);
  const totalErrors = errors.reduce((a, b) => a + b, 0);
  const pValues = WEEKDAYS.map((_, w) => {
    const n1 = tasks[w] as number;
    const n2 = totalTasks - n1;
    if (n1 < MIN_TASKS_PER_WEEKDAY || n2 < MIN_TASKS_PER_WEEKDAY) return 1;
    const p1 = (errors[w] as number) / n1;
    const p2 = (totalErrors - (errors[w] as number)) / n2;
    const pooled = totalErrors / totalTasks;
    const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
    return se > 0 ? normalUpperTail((p1 - p2) / se) : 1;
  });
  // Holm: compare the k-th smallest p-value with α/(m−k); stop at the first that fails.
  const anomalous = new Set<number>();
  const order = pValues.map((p, w) => [p, w] as const).sort((a, b) => a[0] - b[0]);
  for (const [k, [p, w]] of order.entries()) {
    if (p > 0.05 / (WEEKDAYS.length - k)) break;
    anomalous.add(w);
  }
  const byWeekday = <T>(value: (w: number) => T) =>
    Object.fromEntries(WEEKDAYS.map((name, w) => [name, value(w)])) as Record<Weekday, T>;
  return {
    errorRatio: byWeekday((w) => ((tasks[w] as number) > 0 ? (errors[w] as number) / (tasks[w] as number) : null)),
    tasks: byWeekday((w) => tasks[w] as number),
    anomaly: byWeekday((w) => anomalous.has(w)),
  };
}
