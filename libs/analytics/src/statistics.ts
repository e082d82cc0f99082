/** Two-sided 95%: the standard normal quantile 0.975. */
export const Z95 = 1.959963984540054;

export interface Estimate {
  estimate: number;
  /** 95% interval; -Infinity/Infinity when a side cannot be bounded from the data. */
  lower: number;
  upper: number;
  /** Sample size behind the estimate. */
  n: number;
}

/**
 * Wilson score interval for a proportion k/n (Wilson 1927; recommended by Newcombe 1998 and
 * Brown, Cai & DasGupta 2001 over the Wald interval, which fails for small n and p near 0 or 1).
 */
export function wilsonInterval(k: number, n: number, z = Z95): Estimate {
  if (n === 0) return { estimate: Number.NaN, lower: 0, upper: 1, n };
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { estimate: p, lower: Math.max(0, centre - half), upper: Math.min(1, centre + half), n };
}

/**
 * Interval for the ratio a/b of two independent positive estimates, from their own intervals:
 * the MOVER-R method (Donner & Zou 2012, "Closed-form confidence intervals for functions of the
 * normal mean and standard deviation"; Newcombe 2013). With Wilson intervals for two
 * proportions it gives the Newcombe-style interval for a risk ratio; with order-statistic
 * intervals it gives one for a ratio of medians.
 */
export function ratioInterval(a: Estimate, b: Estimate): Omit<Estimate, 'n'> {
  const { estimate: x, lower: lx, upper: ux } = a;
  const { estimate: y, lower: ly, upper: uy } = b;
  if (!(y > 0) || !Number.isFinite(x)) return { estimate: Number.NaN, lower: -Infinity, upper: Infinity };
  const xy = x * y;
  const lowerDisc = xy * xy - lx * uy * (2 * x - lx) * (2 * y - uy);
  const upperDisc = xy * xy - ux * ly * (2 * x - ux) * (2 * y - ly);
  const lowerDen = uy * (2 * y - uy);
  const upperDen = ly * (2 * y - ly);
  // A discriminant is ≥ 0 in exact arithmetic whenever each bound lies on its side of its estimate
  // (a sketch can return a bound equal to the estimate); clamp what rounding makes slightly negative.
  // The lower limit is the positive root of lowerDen·θ² − 2xy·θ + lx(2x − lx) = 0. A wide baseline
  // interval (uy > 2y, common with always-valid intervals on a thin baseline) makes lowerDen
  // negative: the same formula then still gives that root, and a zero lowerDen a linear equation.
  let lower = 0;
  if (Number.isFinite(uy)) lower = lowerDen === 0 ? (lx * (2 * x - lx)) / (2 * xy) : (xy - Math.sqrt(Math.max(0, lowerDisc))) / lowerDen;
  const upper = Number.isFinite(ux) && ly > 0 && upperDen > 0 ? (xy + Math.sqrt(Math.max(0, upperDisc))) / upperDen : Infinity;
  return { estimate: x / y, lower: Number.isFinite(lower) ? Math.max(0, lower) : 0, upper };
}

/**
 * Interval for the difference a − b of two independent estimates, from their own intervals:
 * MOVER-D (Zou & Donner, "Construction of confidence limits about effect measures: a general
 * approach", Stat Med 2008). With Wilson intervals for two proportions it is Newcombe's hybrid
 * score interval (Newcombe, Stat Med 1998, method 10):
 *   L = a − b − sqrt((a − l_a)² + (u_b − b)²),  U = a − b + sqrt((u_a − a)² + (b − l_b)²).
 * It stays finite for a zero baseline, where a ratio has no upper bound.
 */
export function differenceInterval(a: Estimate, b: Estimate): Omit<Estimate, 'n'> {
  const { estimate: x, lower: lx, upper: ux } = a;
  const { estimate: y, lower: ly, upper: uy } = b;
  if (!Number.isFinite(x) || !Number.isFinite(y)) return { estimate: Number.NaN, lower: -Infinity, upper: Infinity };
  const d = x - y;
  return { estimate: d, lower: d - Math.hypot(x - lx, uy - y), upper: d + Math.hypot(ux - x, y - ly) };
}

/** Relative change current vs baseline (−0.3 = 30% lower), with its interval. */
export function relativeChange(current: Estimate, baseline: Estimate): Omit<Estimate, 'n'> {
  const ratio = ratioInterval(current, baseline);
  return { estimate: ratio.estimate - 1, lower: ratio.lower - 1, upper: ratio.upper - 1 };
}

/** P(B ≤ k) for B ~ Binomial(n, p), summed in log space so large n does not underflow. */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  let logPmf = n * logQ; // k = 0
  let total = Math.exp(logPmf);
  for (let i = 0; i < k; i += 1) {
    logPmf += Math.log(n - i) - Math.log(i + 1) + logP - logQ;
    total += Math.exp(logPmf);
  }
  return Math.min(1, total);
}

/**
 * Standard normal upper tail P(Z > z), from the Chebyshev fit of erfc in Numerical Recipes
 * (§6.2, erfcc): fractional error below 1.2e-7 everywhere, so far tails (which the
 * always-valid multipliers reach) keep their relative accuracy.
 */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error < 1e-13). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  const y = x - 1;
  let a = c[0] as number;
  const t = y + 7.5;
  for (let i = 1; i < 9; i += 1) a += (c[i] as number) / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz; Numerical Recipes §6.4). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m += 1) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-14) break;
  }
  return h;
}

/** The regularised incomplete beta function I_x(a, b). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(x, a, b)) / a : 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** P(T > t) for Student's t with `df` degrees of freedom, t ≥ 0. */
export function studentUpperTail(t: number, df: number): number {
  if (!Number.isFinite(df)) return normalUpperTail(t);
  return 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
}

const tQuantileCache = new Map<string, number>();

/**
 * The t with P(T > t) = `upperTail` (0 < upperTail < 0.5), by bisection on the distribution
 * function. Degrees of freedom are rounded to two significant digits and answers cached:
 * callers ask for a few (df, tail) pairs many times.
 */
export function studentQuantile(upperTail: number, df: number): number {
  if (!(df < 1e6)) {
    let lo = 0;
    let hi = 40;
    for (let i = 0; i < 80; i += 1) {
      const mid = (lo + hi) / 2;
      if (normalUpperTail(mid) > upperTail) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  }
  // Two significant digits of df move t by far less than the interval's own error, and keep the cache small.
  const roundedDf = Math.max(0.1, Number(df.toPrecision(2)));
  const key = `${roundedDf}:${upperTail}`;
  const cached = tQuantileCache.get(key);
  if (cached !== undefined) return cached;
  // Bracket in log space: with one degree of freedom and tiny tails t runs into the thousands.
  let lo = 0;
  let hi = 1;
  while (studentUpperTail(hi, roundedDf) > upperTail && hi < 1e12) hi *= 2;
  for (let i = 0; i < 100 && hi - lo > 1e-9 * hi; i += 1) {
    const mid = (lo + hi) / 2;
    if (studentUpperTail(mid, roundedDf) > upperTail) lo = mid;
    else hi = mid;
  }
  const t = (lo + hi) / 2;
  if (tQuantileCache.size > 10_000) tQuantileCache.clear();
  tQuantileCache.set(key, t);
  return t;
}

/**
 * A normal multiplier `z` widened for an interval whose variance is estimated with `df` degrees
 * of freedom: the Student t quantile at the same tail probability. Infinite df leaves z as is.
 */
export function widenForDegreesOfFreedom(z: number, df: number): number {
  if (!Number.isFinite(df)) return z;
  if (!(df > 0)) return Infinity;
  return studentQuantile(normalUpperTail(z), df);
}

/**
 * Information (in current-window days) at which the always-valid boundary is tightest: a
 * full 28-day window. The normal-mixture multiplier below is smallest at r ≈ 7.5 for α = 0.05.
 */
export const ALWAYS_VALID_PLANNING_DAYS = 28;
const MIXTURE_OPTIMUM_RATIO = 7.5;

/**
 * Multiplier of the standard error that makes an interval an **always-valid** (time-uniform)
 * 1−α confidence sequence rather than a one-look interval: the two-sided normal-mixture
 * boundary of Robbins (1970) in the form of Howard, Ramdas, McAuliffe & Sekhon, "Time-uniform,
 * nonparametric, nonasymptotic confidence sequences" (Ann. Statist. 2021, eq. 14) and
 * Waudby-Smith et al., "Time-uniform central limit theory and asymptotic confidence sequences"
 * (2023, Thm 2.2): |S_t| ≤ sqrt((V_t+ρ)·ln((V_t+ρ)/(ρ·α²))). Divided by sqrt(V_t), with
 * r = V_t/ρ measured in days of evidence, it is z(r) = sqrt((1+1/r)(ln(1+r) + 2 ln(1/α))): 5.4 on
 * the first day, ≈3.3 after a week, ≈3.04 at 28 days (a one-look 95% interval uses 1.96).
 */
export function alwaysValidMultiplier(days: number, alpha = 0.05): number {
  const r = (Math.max(1, days) * MIXTURE_OPTIMUM_RATIO) / ALWAYS_VALID_PLANNING_DAYS;
  return Math.sqrt((1 + 1 / r) * (Math.log1p(r) + 2 * Math.log(1 / alpha)));
}
