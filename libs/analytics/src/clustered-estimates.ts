import { countAt, countBelow, SketchView, type DurationSketch } from './duration-sketch';

/** Tasks of a sketch below bucket `index` (`countBelow`, or a walk's cached version). */
export type CountBelow = (sketch: DurationSketch, index: number) => number;
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
 * factor, corrected for serially correlated days (conditions that persist for several days) by an
 * equal-weighted cosine estimate of the long-run variance over the window's days in order (see
 * `ratioVariance`). It is never taken below the independent-task variance (a design effect
 * below 1 is noise with few days), and the interval is widened from z to Student's t with
 * Welch–Satterthwaite degrees of freedom, ν·(deff/(deff−1))², since only the between-day part of
 * the variance is estimated, with ν degrees of freedom (D − 1 for up to 7 days, the number of
 * cosines after that) (Satterthwaite 1946).
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

/**
 * Events per task that are not capped at one (escalations: a task can be escalated more than
 * once): a rate, with a log-scale interval at the effective number of tasks.
 */
export interface ClusteredRate extends ClusteredBase {
  kind: 'rate';
  effectiveN: number;
}

export interface ClusteredQuantile extends ClusteredBase {
  kind: 'quantile';
  q: number;
  effectiveN: number;
  view: SketchView;
  /**
   * When the estimate falls among tied durations (whole minutes, say): the cell those ties stand
   * for. The data cannot place the quantile more finely, so the interval always holds it.
   */
  cell?: { lower: number; upper: number };
}

export interface ClusteredMean extends ClusteredBase {
  kind: 'mean';
  /** Standard error of ln(mean). */
  logStandardError: number;
}

export type ClusteredEstimate = ClusteredProportion | ClusteredRate | ClusteredQuantile | ClusteredMean;

/**
 * Design effect and Satterthwaite degrees of freedom from the clustered and independent
 * variances; `betweenDf` is the degrees of freedom of the between-day part (D − 1 for
 * independent days, the number of cosines with the serial-correlation correction).
 */
function designEffect(clusteredVariance: number, independentVariance: number, betweenDf: number): { deff: number; df: number } {
  if (!(independentVariance > 0) || !(betweenDf >= 1)) return { deff: 1, df: Infinity };
  const deff = Math.max(1, clusteredVariance / independentVariance);
  if (deff <= 1) return { deff: 1, df: Infinity };
  return { deff, df: betweenDf * (deff / (deff - 1)) ** 2 };
}

/**
 * Cosines of the serial-correlation correction for D days in order: all D − 1 up to 7 days (the
 * plain day-clustered variance: nothing to correct with so few days), then max(6, ⌊D/2⌋) — 14
 * at 28 days. Fewer cosines keep only the slower, persistent part of the day-to-day variation
 * (and leave out a weekly pattern, which whole weeks average out); ⌊D/4⌋ corrected more under
 * strong correlation but cost coverage and power on independent days (measured, docs/statistics.md).
 */
export function serialCosines(days: number): number {
  return Math.max(0, Math.min(days - 1, Math.max(6, Math.floor(days / 2))));
}

/** cos(π·j·(d + ½)/D)·sqrt(2/D) for j = 1..ν, d = 0..D−1, cached per (D, ν). */
const cosineBasis = new Map<string, Float64Array[]>();
function cosinesOf(days: number, count: number): Float64Array[] {
  const key = `${days}:${count}`;
  let basis = cosineBasis.get(key);
  if (!basis) {
    basis = Array.from({ length: count }, (_, i) => Float64Array.from({ length: days }, (_, d) => Math.sqrt(2 / days) * Math.cos((Math.PI * (i + 1) * (d + 0.5)) / days)));
    if (cosineBasis.size > 1000) cosineBasis.clear();
    cosineBasis.set(key, basis);
  }
  return basis;
}

/**
 * The linearised variance of the ratio r = Y/X over day clusters, with a correction for days
 * whose conditions persist (serially correlated days). Residuals e_d = y_d − r·x_d, in day order.
 *
 * The plain day-clustered variance D/(D−1)·Σe²/X² treats days as independent. Here the long-run
 * variance of the residuals is estimated by the **equal-weighted cosine** (EWC) estimator —
 * Müller, "A theory of robust long-run variance estimation" (J. Econometrics 2007); Lazarus,
 * Lewis, Stock & Watson, "HAR inference: recommendations for practice" (JBES 2018):
 * D/ν·Σ_{j=1..ν} c_j², c_j = Σ_d sqrt(2/D)·cos(πj(d+½)/D)·e_d, with ν = `serialCosines(D)`
 * and ν degrees of freedom (exact t_ν for Gaussian residuals). With ν = D − 1 the cosines span
 * every contrast of the days and it equals D/(D−1)·Σe² exactly, so windows of up to 7 days are
 * unchanged. Measured against Newey–West (Bartlett, lag ⌊4(D/100)^(2/9)⌋) and weekly blocks on
 * AR(1) day shocks over 28 days: closer to nominal coverage than Newey–West, without its
 * undercoverage on independent days, and without the width weekly blocks cost (docs/statistics.md).
 */
function ratioVariance(ys: readonly number[], xs: readonly number[], ratio: number, total: number): { variance: number; betweenDf: number } {
  // A day with neither numerator nor denominator (only other events that day) is no cluster of
  // this ratio: counting it would shrink the D/(D−1) correction.
  const residuals: number[] = [];
  for (let d = 0; d < ys.length; d += 1) {
    const y = ys[d] as number;
    const x = xs[d] as number;
    if (y === 0 && x === 0) continue;
    residuals.push(y - ratio * x);
  }
  const days = residuals.length;
  if (days < 2 || !(total > 0)) return { variance: 0, betweenDf: 0 };
  const cosines = serialCosines(days);
  let sum = 0;
  if (cosines === days - 1) {
    for (const e of residuals) sum += e * e;
    sum *= days / (days - 1);
  } else {
    for (const basis of cosinesOf(days, cosines)) {
      let c = 0;
      for (let d = 0; d < days; d += 1) c += (basis[d] as number) * (residuals[d] as number);
      sum += c * c;
    }
    sum *= days / cosines;
  }
  return { variance: sum / (total * total), betweenDf: cosines };
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
  // A proportion cannot exceed 1 (events that can outnumber tasks are rates: `clusteredRate`).
  const p = Math.min(1, k / n);
  const clustered = ratioVariance(successes, trials, p, n);
  const { deff, df } = designEffect(clustered.variance, (p * (1 - p)) / n, clustered.betweenDf);
  return { kind: 'proportion', estimate: p, n, days, df, effectiveN: n / deff };
}

/**
 * Per-day event counts e_d over tasks n_d: the pooled rate Σe/Σn per task, clustered by day and
 * never capped at one. Its variance is never taken below the Poisson variance r/n (the design
 * effect is floored at 1 against it, as the binomial one is for proportions).
 */
export function clusteredRate(events: readonly number[], tasks: readonly number[]): ClusteredRate {
  let e = 0;
  let n = 0;
  for (let d = 0; d < tasks.length; d += 1) {
    e += events[d] as number;
    n += tasks[d] as number;
  }
  const days = tasks.filter((t) => t > 0).length;
  if (n === 0) return { kind: 'rate', estimate: Number.NaN, n: 0, days: 0, df: Infinity, effectiveN: 0 };
  const r = e / n;
  const clustered = ratioVariance(events, tasks, r, n);
  const { deff, df } = designEffect(clustered.variance, r / n, clustered.betweenDf);
  return { kind: 'rate', estimate: r, n, days, df, effectiveN: n / deff };
}

/**
 * Per-day duration sketches (each day may hold several, one per task mode); nearest-rank
 * quantile, with tied durations spread over their cell (`SketchView.valueAtRank`). When the
 * estimate falls among tied tasks, its interval will hold at least that whole cell.
 */
export function clusteredQuantile(
  daySketches: readonly (readonly DurationSketch[])[],
  q: number,
  view: SketchView = new SketchView(daySketches.flat()),
  countBelowOf: CountBelow = countBelow,
): ClusteredQuantile {
  const n = view.count;
  if (n === 0) return { kind: 'quantile', estimate: Number.NaN, n: 0, days: 0, df: Infinity, q, effectiveN: 0, view };
  const rank = Math.max(1, Math.ceil(q * n));
  const estimate = view.valueAtRank(rank);
  const { below: allBelow, counts, block } = dayCountsBelowQuantile(daySketches, view, q, countBelowOf);
  const below: number[] = [];
  const totals: number[] = [];
  counts.forEach((count, d) => {
    if (count === 0) return;
    below.push(allBelow[d] as number);
    totals.push(count);
  });
  const share = below.reduce((a, b) => a + b, 0) / n;
  const clustered = ratioVariance(below, totals, share, n);
  const { deff, df } = designEffect(clustered.variance, (q * (1 - q)) / n, clustered.betweenDf);
  const result: ClusteredQuantile = { kind: 'quantile', estimate, n, days: totals.length, df, q, effectiveN: n / deff, view };
  if (block.index !== -Infinity && block.count > 1) result.cell = { lower: block.value - block.halfWidth, upper: block.value + block.halfWidth };
  return result;
}

/**
 * Each day's tasks and its count of tasks below the q-quantile of all of them (aligned with
 * `daySketches`, empty days included): F̂(ξ) linearised by day. Tasks below the estimate's block
 * count whole; of a tied block (whole minutes), the same share as the estimate's mid-rank in it.
 */
export function dayCountsBelowQuantile(
  daySketches: readonly (readonly DurationSketch[])[],
  view: SketchView,
  q: number,
  countBelowOf: CountBelow = countBelow,
): { below: number[]; counts: number[]; block: ReturnType<SketchView['blockAtRank']> } {
  const rank = Math.max(1, Math.ceil(q * view.count));
  const block = view.blockAtRank(rank);
  const zeroBlock = block.index === -Infinity;
  const within = !zeroBlock && block.count > 1 ? (rank - block.below - 0.5) / block.count : 1;
  const below: number[] = [];
  const counts: number[] = [];
  for (const sketches of daySketches) {
    let count = 0;
    let under = 0;
    let inBlock = 0;
    for (const sketch of sketches) {
      count += sketch.count;
      under += countBelowOf(sketch, block.index);
      inBlock += countAt(sketch, block.index);
    }
    below.push(under + within * inBlock);
    counts.push(count);
  }
  return { below, counts, block };
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
  const { deff, df } = designEffect(clustered.variance, independentVariance, clustered.betweenDf);
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
    case 'rate': {
      if (!Number.isFinite(zt)) return { estimate: estimate.estimate, lower: 0, upper: Infinity, n };
      const r = estimate.estimate;
      const events = r * estimate.effectiveN;
      // No events: the Poisson score bound, z²/n (the rate analogue of Wilson's z²/(n + z²)).
      if (!(events > 0)) return { estimate: r, lower: 0, upper: (zt * zt) / estimate.effectiveN, n };
      // Log scale: se(ln r) = 1/sqrt(events at the effective n), i.e. sqrt(r/n_eff)/r.
      const spread = zt / Math.sqrt(events);
      return { estimate: r, lower: r * Math.exp(-spread), upper: r * Math.exp(spread), n };
    }
    case 'quantile': {
      if (!Number.isFinite(zt)) return { estimate: estimate.estimate, lower: 0, upper: Infinity, n };
      // Woodruff: an interval for the share of tasks below the true quantile, read back as ranks.
      const share = wilsonInterval(estimate.q * estimate.effectiveN, estimate.effectiveN, zt);
      // Nearest ranks, as the estimate itself: for the median of 20 at 1.96 this is X(6)..X(15),
      // the exact order-statistic interval of the binomial tables.
      const lowRank = Math.ceil(n * share.lower);
      const highRank = Math.ceil(n * share.upper);
      // Tied durations are spread over their cells (SketchView.valueAtRank), and the interval is
      // never narrower than the cell the estimate falls in: the data's resolution.
      const lower = lowRank >= 1 ? estimate.view.valueAtRank(lowRank) : 0;
      const upper = highRank <= n ? estimate.view.valueAtRank(highRank) : Infinity;
      const cell = estimate.cell;
      return {
        estimate: estimate.estimate,
        lower: cell ? Math.min(lower, cell.lower) : lower,
        upper: cell ? Math.max(upper, cell.upper) : upper,
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
