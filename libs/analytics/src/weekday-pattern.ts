import type { RegisteredDeployment } from '@baseliner/domain';
import type { DeploymentProjection } from './deployment-projection';
import { localDay, WEEKDAYS, weekdayIndex, type Weekday } from './local-time';
import { binomialCdf, studentQuantile, studentUpperTail } from './statistics';
import type { Windows } from './windows';

export const WEEKDAY_PATTERN_DAYS = 56;
/** Family-wise error rate of one evaluation across the seven weekdays (Holm). */
export const WEEKDAY_ALPHA = 0.005;
/** A weekday is tested only when its expected errors (if it were like the others) reach this. */
export const MIN_EXPECTED_ERRORS_PER_WEEKDAY = 3;
/** Weeks in which the weekday must stand out. */
export const MIN_WEEKS_FOR_PATTERN = 2;
/**
 * Whole weeks needed before anything is tested: with two, each weekday has two days and the
 * overdispersion seven degrees of freedom — the t reference then rests on the days' rates being
 * near normal, and skewed day-to-day variation made most false flags there (and no true ones).
 */
export const MIN_WEEKS_TESTED = 3;
const MAX_WEEKS = WEEKDAY_PATTERN_DAYS / 7;

export interface WeekdayPattern {
  /** Error ratio per local weekday over the last 8 weeks (descriptive). */
  errorRatio: Record<Weekday, number | null>;
  tasks: Record<Weekday, number>;
  /** True where that weekday's error ratio is significantly and repeatedly above the other days'. */
  anomaly: Record<Weekday, boolean>;
  /** Whole weeks (seven-day blocks ending yesterday) after ramp-up that the test used; 0 = not tested yet. */
  weeksTested: number;
  /** Tasks and errors per weekday over those whole weeks: the figures the test judged (zeros when not tested). */
  testedTasks: Record<Weekday, number>;
  testedErrors: Record<Weekday, number>;
  /** Between-day overdispersion of errors the test allowed for (1 = binomial). */
  overdispersion: number;
}

const byWeekday = <T>(value: (w: number) => T) => Object.fromEntries(WEEKDAYS.map((name, w) => [name, value(w)])) as Record<Weekday, T>;

function dayErrors(projection: DeploymentProjection, day: number): { tasks: number; errors: number } {
  let tasks = 0;
  let errors = 0;
  const bucket = projection.days[day];
  if (bucket) {
    for (const modeDay of Object.values(bucket.modes)) {
      tasks += modeDay.tasks;
      errors += modeDay.error + modeDay.rework;
    }
  }
  return { tasks, errors };
}

/** One-sided mid-p value of x or more successes for Binomial(n, p) (Lancaster 1961). */
export function binomialMidPUpper(x: number, n: number, p: number): number {
  if (x <= 0) return 1 - 0.5 * binomialCdf(0, n, p);
  const below = binomialCdf(x - 1, n, p);
  const atMost = binomialCdf(x, n, p);
  return 1 - atMost + 0.5 * (atMost - below);
}

/**
 * The one-sided p-value `p` of a test on counts scaled by an estimated overdispersion φ, allowing
 * for φ being estimated from `freedom` degrees of freedom: p read as a normal deviate z and
 * referred to Student's t with those degrees of freedom — the quasi-likelihood F(1, df) = t² test
 * (McCullagh & Nelder 1989, §4.5). With φ known (infinite df) it is p itself.
 */
export function quasiPValue(p: number, freedom: number): number {
  if (!(p < 0.5) || !Number.isFinite(freedom)) return p;
  if (!(freedom > 0)) return 1;
  return studentUpperTail(studentQuantile(p, Infinity), freedom);
}

/**
 * Does the deployment fail more on some local weekday? Judged on whole weeks (seven-day blocks of
 * local days ending yesterday, the deployment's time zone) after go-live + ramp-up only — a
 * change at go-live is not a weekday pattern — from three up to the latest eight.
 *
 * Each weekday is tested against the other six with the exact conditional test for two rates:
 * given the errors of the week, the weekday's share of them is Binomial(E, n_w/N) if it were no
 * different; one-sided mid-p value (Lancaster 1961; Agresti, *Categorical Data Analysis*, §1.4).
 * Days vary beyond binomial noise, so counts are first divided by the overdispersion φ — the
 * Pearson χ² of days around their weekday's rate over its degrees of freedom (days − 7), at
 * least 1 (the quasi-binomial scale: McCullagh & Nelder 1989, §4.5) — and, φ being estimated
 * from those few degrees of freedom, the mid-p value is read as a normal deviate and referred to
 * Student's t with them (`quasiPValue`). Treating φ as known made the test flag noise more often
 * the higher the volume (φ grows with tasks per day, and so does the harm of misjudging it). A
 * weekday is tested only when it would expect at least three errors. The seven p-values are
 * corrected with Holm's step-down method at a family-wise 0.5% (Holm 1979): it is read every
 * day, so it must stay quiet on noise. And the weekday must stand out (a higher error ratio
 * than the rest of its week) in at least two separate weeks: one bad Tuesday is an incident,
 * not a pattern.
 */
export function weekdayPattern(projection: DeploymentProjection, deployment: RegisteredDeployment, windows: Windows): WeekdayPattern {
  const today = windows.today;
  const tasks = [0, 0, 0, 0, 0, 0, 0];
  const errors = [0, 0, 0, 0, 0, 0, 0];
  for (let day = today - WEEKDAY_PATTERN_DAYS + 1; day <= today; day += 1) {
    const counts = dayErrors(projection, day);
    const w = weekdayIndex(day);
    tasks[w] = (tasks[w] as number) + counts.tasks;
    errors[w] = (errors[w] as number) + counts.errors;
  }
  const descriptive = {
    errorRatio: byWeekday((w) => ((tasks[w] as number) > 0 ? (errors[w] as number) / (tasks[w] as number) : null)),
    tasks: byWeekday((w) => tasks[w] as number),
  };
  const untested = { testedTasks: byWeekday(() => 0), testedErrors: byWeekday(() => 0) };
  const none = { ...descriptive, anomaly: byWeekday(() => false), weeksTested: 0, overdispersion: 1, ...untested };
  if (!windows.current || !deployment.wentLiveAt) return none;

  // Whole weeks: the latest seven-day blocks that end yesterday (a week holds each weekday once),
  // none starting before the end of ramp-up.
  const opens = localDay(Date.parse(deployment.wentLiveAt), deployment.timezone) + deployment.rampUpDays;
  const lastDay = Math.min(today - 1, windows.current.toDay);
  const weeks = Math.min(MAX_WEEKS, Math.floor((lastDay - opens + 1) / 7));
  if (weeks < MIN_WEEKS_TESTED) return { ...none, weeksTested: Math.max(0, weeks) };
  const fromDay = lastDay - weeks * 7 + 1;

  const days: { w: number; week: number; tasks: number; errors: number }[] = [];
  const n = [0, 0, 0, 0, 0, 0, 0];
  const e = [0, 0, 0, 0, 0, 0, 0];
  for (let day = fromDay; day <= lastDay; day += 1) {
    const counts = dayErrors(projection, day);
    if (counts.tasks === 0) continue;
    const w = weekdayIndex(day);
    days.push({ w, week: Math.floor((day - fromDay) / 7), ...counts });
    n[w] = (n[w] as number) + counts.tasks;
    e[w] = (e[w] as number) + counts.errors;
  }
  const totalTasks = n.reduce((a, b) => a + b, 0);
  const totalErrors = e.reduce((a, b) => a + b, 0);
  const tested = { testedTasks: byWeekday((w) => n[w] as number), testedErrors: byWeekday((w) => e[w] as number) };
  if (totalTasks === 0 || totalErrors === 0) return { ...none, weeksTested: weeks, ...tested };

  // Overdispersion of days around their own weekday's rate.
  let chiSquare = 0;
  for (const day of days) {
    const rate = (e[day.w] as number) / (n[day.w] as number);
    const variance = day.tasks * rate * (1 - rate);
    if (variance > 0) chiSquare += (day.errors - day.tasks * rate) ** 2 / variance;
  }
  const freedom = days.length - n.filter((x) => x > 0).length;
  const overdispersion = freedom > 0 ? Math.max(1, chiSquare / freedom) : 1;

  const pValues = WEEKDAYS.map((_, w) => {
    const share = (n[w] as number) / totalTasks;
    if (share === 0 || share === 1 || totalErrors * share < MIN_EXPECTED_ERRORS_PER_WEEKDAY) return 1;
    const midP = binomialMidPUpper(Math.round((e[w] as number) / overdispersion), Math.round(totalErrors / overdispersion), share);
    return quasiPValue(midP, freedom);
  });

  // Stands out within at least two separate weeks.
  const standsOut = WEEKDAYS.map((_, w) => {
    let count = 0;
    for (let week = 0; week < weeks; week += 1) {
      let own = 0;
      let ownTasks = 0;
      let rest = 0;
      let restTasks = 0;
      for (const day of days) {
        if (day.week !== week) continue;
        if (day.w === w) {
          own += day.errors;
          ownTasks += day.tasks;
        } else {
          rest += day.errors;
          restTasks += day.tasks;
        }
      }
      if (ownTasks > 0 && restTasks > 0 && own / ownTasks > rest / restTasks) count += 1;
    }
    return count >= MIN_WEEKS_FOR_PATTERN;
  });

  // Holm: compare the k-th smallest p-value with α/(m−k); stop at the first that fails.
  const anomalous = new Set<number>();
  const order = pValues.map((p, w) => [p, w] as const).sort((a, b) => a[0] - b[0]);
  for (const [k, [p, w]] of order.entries()) {
    if (p > WEEKDAY_ALPHA / (WEEKDAYS.length - k)) break;
    if (standsOut[w]) anomalous.add(w);
  }
  return { ...descriptive, anomaly: byWeekday((w) => anomalous.has(w)), weeksTested: weeks, overdispersion, ...tested };
}
