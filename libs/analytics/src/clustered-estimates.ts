import { countAtOrBelow, SketchView, type DurationSketch } from './duration-sketch';
import { widenForDegreesOfFreedom, wilsonInterval, type Estimate } from './statistics';

/*
 * Estimates whose uncertainty treats **days**, not tasks, as the independent units.
 *
 * Tasks on one day share its conditions (a slow upstream system, a new batch, a holiday), so
 * their outcomes are correlated and a task-level interval is far too narrow when there is much
 * work per day. Each estimator here is a ratio of sums over the days of a window; its variance
 * is the cluster-robust (linearisation, "sandwich") variance with days as clusters — Cochran,
 * *Sampling Techniques* (1977) §6.11 for ratio estimators; Cameron & Miller, "A practitioner's
 * guide to cluster-robust inference" (J. Human Resources 2015) — with the D/(D−1) small-sample
 * factor. It is never taken below the independent-task variance (a design effect below 1 is
 * noise with few days), and the interval is widened from z to Student's t with
 * Welch–Satterthwaite degrees of freedom, (D−1)·(deff/(deff−1))², since only the between-day
 * part of the variance is estimated from D days (Satterthwaite 1946).
 *
 * An interval is then the usual one at an "effective sample size" n/deff (Kish 1965): Wilson
 * for proportions (Korn & Graubard 1998 use the same device with Clopper–Pearson), the
 * Woodruff (1952) inversion of that interval for quantiles, and a log-scale normal interval for
 * the mean cost, whose positive skew makes raw-scale intervals undercover.
 */

export interface ClusteredBase {
  /** Point estimate over the whole window. */
  estimate: number;
  /** Tasks (or other units) behind it. */
  n: number;
  /** Days that contributed. */
  days: number;
  /** Degrees of freedom of the variance (Infinity when the independent-task variance is used). */
  df: number;
}

export interface ClusteredProportion extends ClusteredBase {
  kind: 'proportion';
  effectiveN: number;
}

export interface ClusteredQuantile extends ClusteredBase {
  kind: 'quantile';
  q: number;
  effectiveN: number;
  view: SketchView;
}

export interface ClusteredMean extends ClusteredBase {
  kind: 'mean';
  /** Standard error of ln(mean). */
  logStandardError: number;
}

export type ClusteredEstimate = ClusteredProportion | ClusteredQuantile | ClusteredMean;

/** Design effect and Satterthwaite degrees of freedom from the clustered and independent variances. */
function designEffect(clusteredVariance: number, independentVariance: number, days: number): { deff: number; df: number } {
  if (!(independentVariance > 0) || days < 2) return { deff: 1, df: Infinity };
  const deff = Math.max(1, clusteredVariance / independentVariance);
  if (deff <= 1) return { deff: 1, df: Infinity };
  return { deff, df: (days - 1) * (deff / (deff - 1)) ** 2 };
}

/** Σ_d (y_d − r·x_d)² · D/(D−1) / X²: the linearised variance of the ratio r = Y/X over day clusters. */
function ratioVariance(ys: readonly number[], xs: readonly number[], ratio: number, total: number): number {
  // A day with neither numerator nor denominator (only other events that day) is no cluster of
  // this ratio: counting it would shrink the D/(D−1) correction.
  let days = 0;
  let sum = 0;
  for (let d = 0; d < ys.length; d += 1) {
    const y = ys[d] as number;
    const x = xs[d] as number;
    if (y === 0 && x === 0) continue;
    days += 1;
    sum += (y - ratio * x) ** 2;
  }
  if (days < 2 || !(total > 0)) return 0;
  return ((days / (days - 1)) * sum) / (total * total);
}

/** Per-day counts k_d of n_d: the pooled proportion Σk/Σn, clustered by day. */
export function clusteredProportion(successes: readonly number[], trials: readonly number[]): ClusteredProportion {
  let k = 0;
  let n = 0;
  for (let d = 0; d < trials.length; d += 1) {
    k += successes[d] as number;
    n += trials[d] as number;
  }
  const days = trials.filter((t) => t > 0).length;
  if (n === 0) return { kind: 'proportion', estimate: Number.NaN, n: 0, days: 0, df: Infinity, effectiveN: 0 };
  // Events such as escalations can outnumber the tasks of a window: a ratio above 1 is capped.
  const p = Math.min(1, k / n);
  const { deff, df } = designEffect(ratioVariance(successes, trials, p, n), (p * (1 - p)) / n, days);
  return { kind: 'proportion', estimate: p, n, days, df, effectiveN: n / deff };
}

/** Per-day duration sketches (each day may hold several, one per task mode); nearest-rank quantile. */
export function clusteredQuantile(daySketches: readonly (readonly DurationSketch[])[], q: number): ClusteredQuantile {
  const view = new SketchView(daySketches.flat());
  const n = view.count;
  if (n === 0) return { kind: 'quantile', estimate: Number.NaN, n: 0, days: 0, df: Infinity, q, effectiveN: 0, view };
  const limit = view.indexAtRank(Math.max(1, Math.ceil(q * n)));
  const estimate = view.valueAtRank(Math.max(1, Math.ceil(q * n)));
  // Linearise F̂(ξ) at the estimated quantile: each day's count of tasks at or below it.
  const below: number[] = [];
  const totals: number[] = [];
  for (const sketches of daySketches) {
    let count = 0;
    let atOrBelow = 0;
    for (const sketch of sketches) {
      count += sketch.count;
      atOrBelow += countAtOrBelow(sketch, limit);
    }
    if (count > 0) {
      below.push(atOrBelow);
      totals.push(count);
    }
  }
  const share = below.reduce((a, b) => a + b, 0) / n;
  const { deff, df } = designEffect(ratioVariance(below, totals, share, n), (q * (1 - q)) / n, totals.length);
  return { kind: 'quantile', estimate, n, days: totals.length, df, q, effectiveN: n / deff, view };
}

/** Per-day cost counts, sums and sums of squares: the mean cost per task, clustered by day. */
export function clusteredMean(counts: readonly number[], sums: readonly number[], sumsOfSquares: readonly number[]): ClusteredMean {
  let n = 0;
  let total = 0;
  let totalSquares = 0;
  for (let d = 0; d < counts.length; d += 1) {
    n += counts[d] as number;
    total += sums[d] as number;
    totalSquares += sumsOfSquares[d] as number;
  }
  const days = counts.filter((c) => c > 0).length;
  if (n === 0) return { kind: 'mean', estimate: Number.NaN, n: 0, days: 0, df: Infinity, logStandardError: Infinity };
  const mean = total / n;
  if (n < 2 || !(mean > 0)) return { kind: 'mean', estimate: mean, n, days, df: Infinity, logStandardError: Infinity };
  const independentVariance = Math.max(0, (totalSquares - n * mean * mean) / (n - 1)) / n;
  const clustered = ratioVariance(sums, counts, mean, n);
  const { deff, df } = designEffect(clustered, independentVariance, days);
  return { kind: 'mean', estimate: mean, n, days, df, logStandardError: Math.sqrt(independentVariance * deff) / mean };
}

/** The interval of a clustered estimate at normal multiplier `z` (widened for its degrees of freedom). */
export function intervalAt(estimate: ClusteredEstimate, z: number): Estimate {
  const n = estimate.n;
  if (n === 0) return { estimate: Number.NaN, lower: 0, upper: Infinity, n };
  const zt = widenForDegreesOfFreedom(z, estimate.df);
  switch (estimate.kind) {
    case 'proportion': {
      if (!Number.isFinite(zt)) return { estimate: estimate.estimate, lower: 0, upper: 1, n };
      const wilson = wilsonInterval(estimate.estimate * estimate.effectiveN, estimate.effectiveN, zt);
      return { estimate: estimate.estimate, lower: wilson.lower, upper: wilson.upper, n };
    }
    case 'quantile': {
      if (!Number.isFinite(zt)) return { estimate: estimate.estimate, lower: 0, upper: Infinity, n };
      // Woodruff: an interval for the share of tasks below the true quantile, read back as ranks.
      const share = wilsonInterval(estimate.q * estimate.effectiveN, estimate.effectiveN, zt);
      // Nearest ranks, as the estimate itself: for the median of 20 at 1.96 this is X(6)..X(15),
      // the exact order-statistic interval of the binomial tables.
      const lowRank = Math.ceil(n * share.lower);
      const highRank = Math.ceil(n * share.upper);
      return {
        estimate: estimate.estimate,
        lower: lowRank >= 1 ? estimate.view.valueAtRank(lowRank) : 0,
        upper: highRank <= n ? estimate.view.valueAtRank(highRank) : Infinity,
        n,
      };
    }
    case 'mean': {
      const spread = zt * estimate.logStandardError;
      if (!Number.isFinite(spread)) return { estimate: estimate.estimate, lower: 0, upper: Infinity, n };
      return { estimate: estimate.estimate, lower: estimate.estimate * Math.exp(-spread), upper: estimate.estimate * Math.exp(spread), n };
    }
  }
}
