import { quantile, type SortedSketch, valueAtRank } from './duration-sketch';

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
  const lower = Number.isFinite(uy) && lowerDen > 0 && lowerDisc >= 0 ? (xy - Math.sqrt(lowerDisc)) / lowerDen : 0;
  const upper =
    Number.isFinite(ux) && ly > 0 && upperDen > 0 && upperDisc >= 0 ? (xy + Math.sqrt(upperDisc)) / upperDen : Infinity;
  return { estimate: x / y, lower: Math.max(0, lower), upper };
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
 * Distribution-free interval for the q-quantile from order statistics: [X(l), X(u)] covers the
 * true quantile with probability P(l ≤ B ≤ u−1), B ~ Binomial(n, q) (e.g. Conover, Practical
 * Nonparametric Statistics, §3.2). Exact for every n — no assumption about the (skewed)
 * shape of durations. Unbounded on a side where n is too small to reach 95%.
 */
export function quantileInterval(sorted: SortedSketch, q: number): Estimate {
  const n = sorted.count;
  if (n === 0) return { estimate: Number.NaN, lower: 0, upper: Infinity, n };
  const alpha = 1 - 0.95;
  // Largest l with P(B ≤ l−1) ≤ α/2, and smallest u with P(B ≤ u−1) ≥ 1−α/2.
  let l = 0;
  let u = n + 1;
  if (n > 1000) {
    const centre = n * q;
    const spread = Z95 * Math.sqrt(n * q * (1 - q));
    l = Math.max(0, Math.floor(centre - spread));
    u = Math.min(n + 1, Math.ceil(centre + spread) + 1);
  } else {
    const logP = Math.log(q);
    const logQ = Math.log1p(-q);
    let logPmf = n * logQ;
    let cdf = 0;
    for (let k = 0; k <= n; k += 1) {
      if (k > 0) logPmf += Math.log(n - k + 1) - Math.log(k) + logP - logQ;
      cdf += Math.exp(logPmf); // P(B ≤ k)
      if (cdf <= alpha / 2) l = k + 1;
      if (cdf >= 1 - alpha / 2) {
        u = k + 1;
        break;
      }
    }
  }
  return {
    estimate: quantile(sorted, q),
    lower: l >= 1 ? valueAtRank(sorted, l) : 0,
    upper: u <= n ? valueAtRank(sorted, u) : Infinity,
    n,
  };
}

/** Mean with a normal-theory interval (used only from 30 observations, where the CLT holds well enough). */
export function meanInterval(n: number, sum: number, sumOfSquares: number): Estimate {
  if (n === 0) return { estimate: Number.NaN, lower: 0, upper: Infinity, n };
  const mean = sum / n;
  if (n < 2) return { estimate: mean, lower: 0, upper: Infinity, n };
  const variance = Math.max(0, (sumOfSquares - n * mean * mean) / (n - 1));
  const half = Z95 * Math.sqrt(variance / n);
  return { estimate: mean, lower: Math.max(0, mean - half), upper: mean + half, n };
}

/** Standard normal upper tail, for z tests (Abramowitz & Stegun 7.1.26 via erfc; error < 1.5e-7). */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = poly * Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}
