import { clusteredMean, clusteredProportion, clusteredQuantile, clusteredRate, intervalAt, serialCosines } from './clustered-estimates';
import { addToSketch, emptySketch, type DurationSketch } from './duration-sketch';
import { seededRandom as rng } from './seeded-random';
import { normalUpperTail, relativeChange, Z95 } from './statistics';
import { windowStatistics, type WindowTotals } from './window-metrics';

const normal = (random: () => number) => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

describe('clustered proportion (days as clusters)', () => {
  it('computes the linearised variance, design effect and Satterthwaite df by hand', () => {
    // p = 12/40 = 0.3; residuals k − p·n = −3, 3, −3, 3 → Σ² = 36; ×4/3 / 40² = 0.03.
    // Binomial variance 0.3·0.7/40 = 0.00525 → deff = 5.714…, n_eff = 7, df = 3·(deff/(deff−1))² = 4.408…
    const estimate = clusteredProportion([0, 6, 0, 6], [10, 10, 10, 10]);
    expect(estimate.estimate).toBeCloseTo(0.3, 12);
    expect(estimate.effectiveN).toBeCloseTo(7, 9);
    expect(estimate.df).toBeCloseTo(3 * (0.03 / 0.00525 / (0.03 / 0.00525 - 1)) ** 2, 9);
  });

  it('never claims more precision than independent tasks would give', () => {
    // Days more alike than binomial noise: the design effect is floored at 1.
    const estimate = clusteredProportion([2, 2, 2, 2], [10, 10, 10, 10]);
    expect(estimate.effectiveN).toBe(40);
    expect(estimate.df).toBe(Infinity);
  });

  it('covers the mean rate ~95% with day-to-day variation, where a task-level Wilson interval does not', () => {
    const random = rng(5);
    const trials = 400;
    let clustered = 0;
    let naive = 0;
    for (let t = 0; t < trials; t += 1) {
      const errors: number[] = [];
      const tasks: number[] = [];
      for (let d = 0; d < 28; d += 1) {
        // Each day's rate varies log-normally around a mean of exactly 10%.
        const rate = 0.1 * Math.exp(0.3 * normal(random) - 0.045);
        let k = 0;
        for (let i = 0; i < 500; i += 1) if (random() < rate) k += 1;
        errors.push(k);
        tasks.push(500);
      }
      const estimate = clusteredProportion(errors, tasks);
      const interval = intervalAt(estimate, Z95);
      if (interval.lower <= 0.1 && 0.1 <= interval.upper) clustered += 1;
      const flat = intervalAt({ ...estimate, effectiveN: estimate.n, df: Infinity }, Z95);
      if (flat.lower <= 0.1 && 0.1 <= flat.upper) naive += 1;
    }
    expect(clustered / trials).toBeGreaterThan(0.92);
    expect(clustered / trials).toBeLessThan(0.98);
    expect(naive / trials).toBeLessThan(0.8);
  });
});

describe('clustered quantile (Woodruff)', () => {
  const day = (random: () => number, n: number, shift: number): DurationSketch => {
    const sketch = emptySketch();
    for (let i = 0; i < n; i += 1) addToSketch(sketch, 300 * Math.exp(shift + 0.6 * normal(random)));
    return sketch;
  };

  it('covers the true median ~95% when whole days shift (log sd 0.10 between days, 200 tasks a day)', () => {
    const random = rng(9);
    const trials = 300;
    let covered = 0;
    for (let t = 0; t < trials; t += 1) {
      const days = Array.from({ length: 28 }, () => [day(random, 200, 0.1 * normal(random))]);
      const interval = intervalAt(clusteredQuantile(days, 0.5), Z95);
      // The pooled distribution is log-normal with median exactly 300.
      if (interval.lower <= 300 && 300 <= interval.upper) covered += 1;
    }
    expect(covered / trials).toBeGreaterThan(0.92);
    expect(covered / trials).toBeLessThan(0.99);
  });

  it('reads nearest ranks from the Wilson interval of the share below: X(6)..X(15) for the median of 20, as the binomial tables give', () => {
    // Wilson(10, 20) at 1.96 is [0.2993, 0.7007]: ranks ⌈20·0.2993⌉ = 6 and ⌈20·0.7007⌉ = 15 — the
    // exact distribution-free interval (Conover, Practical Nonparametric Statistics, table A3).
    const values = Array.from({ length: 20 }, (_, i) => (i + 1) * 10);
    const sketch = emptySketch();
    for (const v of values) addToSketch(sketch, v);
    const interval = intervalAt(clusteredQuantile([[sketch]], 0.5), Z95);
    expect(Math.abs(interval.lower - 60) / 60).toBeLessThan(0.01);
    expect(Math.abs(interval.upper - 150) / 150).toBeLessThan(0.01);
  });
});

describe('clustered mean cost (log scale)', () => {
  it('is exp(±z·se/mean) around the mean, with se the larger of the clustered and independent variances', () => {
    const days = [
      [2, 4, 4, 4],
      [5, 5, 7, 9],
    ];
    const sums = days.map((d) => d.reduce((a, b) => a + b, 0)); // 14, 26
    const squares = days.map((d) => d.reduce((a, b) => a + b * b, 0)); // 52, 180
    const estimate = clusteredMean([4, 4], sums, squares);
    expect(estimate.estimate).toBe(5);
    // Independent: s² = Σ(x−5)²/7 = 32/7, over n = 8 → 0.571. Clustered: day residuals 14−20 and
    // 26−20 → D/(D−1)·(36+36)/8² = 2.25, larger, so it decides: se(ln mean) = 1.5/5 = 0.3.
    const independent = 32 / 7 / 8;
    const clustered = (2 * 72) / 64;
    expect(estimate.logStandardError).toBeCloseTo(Math.sqrt(clustered) / 5, 12);
    // One degree of freedom for the between-day part: (D−1)·(deff/(deff−1))².
    const deff = clustered / independent;
    expect(estimate.df).toBeCloseTo((deff / (deff - 1)) ** 2, 9);
    const interval = intervalAt({ ...estimate, df: Infinity }, Z95);
    expect(interval.lower).toBeCloseTo(5 * Math.exp(-Z95 * 0.3), 12);
    expect(interval.upper).toBeCloseTo(5 * Math.exp(Z95 * 0.3), 12);
  });

  it('covers the mean of skewed costs ~95% with day-to-day variation', () => {
    const random = rng(13);
    const trials = 300;
    const truth = 2 * Math.exp((0.8 ** 2 + 0.1 ** 2) / 2);
    let covered = 0;
    for (let t = 0; t < trials; t += 1) {
      const counts: number[] = [];
      const sums: number[] = [];
      const squares: number[] = [];
      for (let d = 0; d < 28; d += 1) {
        const shift = 0.1 * normal(random);
        let sum = 0;
        let sq = 0;
        for (let i = 0; i < 100; i += 1) {
          const cost = 2 * Math.exp(shift + 0.8 * normal(random));
          sum += cost;
          sq += cost * cost;
        }
        counts.push(100);
        sums.push(sum);
        squares.push(sq);
      }
      const interval = intervalAt(clusteredMean(counts, sums, squares), Z95);
      if (interval.lower <= truth && truth <= interval.upper) covered += 1;
    }
    expect(covered / trials).toBeGreaterThan(0.92);
    expect(covered / trials).toBeLessThan(0.985);
  });
});

describe('clustered rate (events per task, not capped at one)', () => {
  const windowOf = (escalationsPerDay: number, tasksPerDay: number): WindowTotals => ({
    days: 28,
    daysWithTasks: 28,
    tasksByMode: { ai: 0, assisted: 0, manual: 28 * tasksPerDay },
    tasks: 28 * tasksPerDay,
    perDay: Array.from({ length: 28 }, () => ({
      tasks: tasksPerDay,
      allTasks: tasksPerDay,
      aiTasks: 0,
      errors: 0,
      sketches: [],
      costCount: 0,
      costSum: 0,
      costSumOfSquares: 0,
      operatorEscalations: escalationsPerDay,
      builderEscalations: 0,
      downstreamErrors: 0,
      overrides: 0,
    })),
  });

  it('reads 1.5 → 0.8 escalations per task as −47% (a proportion capped at one read it as −20%)', () => {
    // 28 identical days of 100 tasks: 150 escalations a day before, 80 after. Identical days give
    // no between-day variance, so the Poisson variance decides: se(ln r) = 1/sqrt(events).
    const baseline = windowStatistics(windowOf(150, 100)).escalation_ratio;
    const current = windowStatistics(windowOf(80, 100)).escalation_ratio;
    expect(baseline.kind).toBe('rate');
    expect(baseline.estimate).toBe(1.5);
    const b = intervalAt(baseline, Z95);
    const c = intervalAt(current, Z95);
    // 1.5·exp(±1.96/sqrt(4200)) = [1.4553, 1.5461]; 0.8·exp(±1.96/sqrt(2240)) = [0.7675, 0.8338].
    expect(b.lower).toBeCloseTo(1.4553, 4);
    expect(b.upper).toBeCloseTo(1.5461, 4);
    expect(c.lower).toBeCloseTo(0.7675, 4);
    expect(c.upper).toBeCloseTo(0.8338, 4);
    const change = relativeChange(c, b);
    expect(change.estimate).toBeCloseTo(0.8 / 1.5 - 1, 12); // −46.7%
    // MOVER-R agrees with the log-scale interval exp(ln(8/15) ± 1.96·sqrt(1/4200 + 1/2240)) − 1 = [−49.3%, −43.9%].
    expect(change.lower).toBeCloseTo(-0.493, 2);
    expect(change.upper).toBeCloseTo(-0.439, 2);
    const capped = relativeChange(intervalAt(clusteredProportion(Array(28).fill(80), Array(28).fill(100)), Z95), intervalAt(clusteredProportion(Array(28).fill(150), Array(28).fill(100)), Z95));
    expect(capped.estimate).toBeCloseTo(-0.2, 12);
  });

  it('floors the day-clustered variance at the Poisson variance and widens with day-to-day variation', () => {
    // r = 120/40 = 3; day residuals e − 3·n = −15, 15, −15, 15 → Σ² = 900, ×4/3 / 40² = 0.75.
    // Poisson r/n = 3/40 = 0.075 → deff = 10, n_eff = 4, df = 3·(10/9)² = 3.70.
    const varied = clusteredRate([15, 45, 15, 45], [10, 10, 10, 10]);
    expect(varied.estimate).toBe(3);
    expect(varied.effectiveN).toBeCloseTo(4, 9);
    expect(varied.df).toBeCloseTo(3 * (10 / 9) ** 2, 9);
    // Identical days: the floor (deff 1, n_eff = n, no t widening).
    const steady = clusteredRate([30, 30, 30, 30], [10, 10, 10, 10]);
    expect(steady.effectiveN).toBe(40);
    expect(steady.df).toBe(Infinity);
    // No events: [0, z²/n], the Poisson score bound (rate analogue of Wilson's z²/(n + z²)).
    const none = intervalAt(clusteredRate([0, 0, 0], [50, 50, 50]), Z95);
    expect(none.lower).toBe(0);
    expect(none.upper).toBeCloseTo((Z95 * Z95) / 150, 12);
  });
});

describe('serially correlated days (equal-weighted cosine long-run variance)', () => {
  it('keeps the plain day-clustered variance up to 7 days and uses max(6, ⌊D/2⌋) cosines after', () => {
    expect([2, 7, 8, 13, 14, 28, 56].map(serialCosines)).toEqual([1, 6, 6, 6, 7, 14, 28]);
  });

  it('counts a persistent shift in full and an alternating one hardly at all (8 days, worked by hand)', () => {
    // 8 days of 10 tasks, 24 errors: p = 0.3, day residuals ±3, Σe² = 72 (plain: 8/7·72/80² = 0.012857).
    // The cosines c_j = Σ_d sqrt(2/8)·cos(πj(d+½)/8)·e_d, j = 1..7, split Σe² exactly; with 8 days
    // 6 of them are kept: variance = 8/6·(72 − c_7²)/80², and cos(7π(d+½)/8) = (−1)^d·sin(π(2d+1)/16).
    const sines = Array.from({ length: 8 }, (_, d) => Math.sin((Math.PI * (2 * d + 1)) / 16));
    const c7 = (signs: number[]) => 1.5 * signs.reduce((sum, s, d) => sum + s * (-1) ** d * (sines[d] as number), 0);
    const independent = (0.3 * 0.7) / 80;
    // A step (four quiet days, then four busy ones): c_7 = 1.5·2·(−s0 + s1 − s2 + s3) = 1.5294, c_7² = 2.339.
    const step = clusteredProportion([0, 0, 0, 0, 6, 6, 6, 6], Array(8).fill(10));
    const stepVariance = ((8 / 6) * (72 - c7([-1, -1, -1, -1, 1, 1, 1, 1]) ** 2)) / 6400;
    expect(stepVariance).toBeCloseTo(0.0145127, 6);
    expect(step.effectiveN).toBeCloseTo(80 / (stepVariance / independent), 9);
    expect(step.df).toBeCloseTo(6 * (stepVariance / independent / (stepVariance / independent - 1)) ** 2, 6);
    // Alternating days: almost all of Σe² sits in the fastest cosine (c_7² = 59.12): 0.002684, a
    // design effect of 1.02, where the plain estimate (same days, any order) says 4.9.
    const alternating = clusteredProportion([0, 6, 0, 6, 0, 6, 0, 6], Array(8).fill(10));
    const alternatingVariance = ((8 / 6) * (72 - c7([-1, 1, -1, 1, -1, 1, -1, 1]) ** 2)) / 6400;
    expect(alternatingVariance).toBeCloseTo(0.002684, 6);
    expect(alternating.effectiveN).toBeCloseTo(80 / (alternatingVariance / independent), 9);
    // With 7 days nothing changes: the same days give the plain variance whatever their order.
    const week = clusteredProportion([0, 0, 0, 6, 6, 6, 6], Array(7).fill(10));
    const weekShuffled = clusteredProportion([6, 0, 6, 0, 6, 0, 6], Array(7).fill(10));
    expect(week.effectiveN).toBeCloseTo(weekShuffled.effectiveN, 9);
  });

  const ar1Window = (random: () => number, rho: number, sigma: number): number[] => {
    const errors: number[] = [];
    let u = normal(random);
    for (let d = 0; d < 28; d += 1) {
      if (d > 0) u = rho * u + Math.sqrt(1 - rho * rho) * normal(random);
      // Stationary AR(1) shocks on the log rate, mean rate exactly 10%.
      const rate = 0.1 * Math.exp(sigma * u - (sigma * sigma) / 2);
      let k = 0;
      for (let i = 0; i < 100; i += 1) if (random() < rate) k += 1;
      errors.push(k);
    }
    return errors;
  };
  /** The same estimate without the correction: every one of the D − 1 contrasts, as independent days. */
  const uncorrected = (errors: number[]) => {
    const n = 2800;
    const p = errors.reduce((a, b) => a + b, 0) / n;
    const plain = (28 / 27) * errors.reduce((s, k) => s + (k - 100 * p) ** 2, 0);
    const deff = Math.max(1, plain / n / n / ((p * (1 - p)) / n));
    return intervalAt({ kind: 'proportion', estimate: p, n, days: 28, df: deff > 1 ? 27 * (deff / (deff - 1)) ** 2 : Infinity, effectiveN: n / deff }, Z95);
  };

  it('covers the mean rate better than independent days when day shocks are AR(1) ρ = 0.6 (28 days × 100 tasks)', () => {
    const random = rng(60);
    const trials = 400;
    let corrected = 0;
    let plain = 0;
    for (let t = 0; t < trials; t += 1) {
      // Log sd 0.6 between days: day-to-day variation dominates (design effect ≈ 5), as it does for
      // durations whose days shift by 0.10 on the log scale (the quantile test above).
      const errors = ar1Window(random, 0.6, 0.6);
      const interval = intervalAt(clusteredProportion(errors, Array(28).fill(100)), Z95);
      if (interval.lower <= 0.1 && 0.1 <= interval.upper) corrected += 1;
      const flat = uncorrected(errors);
      if (flat.lower <= 0.1 && 0.1 <= flat.upper) plain += 1;
    }
    // Measured at 1,500 windows: 78.7% against 68.5% (nominal 95%). 28 days of AR(1) with ρ = 0.6
    // hold about 8 independent days' worth; no estimator from 28 days recovers all of it (⌊D/4⌋
    // cosines: 85%, at a cost on independent days).
    expect(corrected / trials).toBeGreaterThan(0.75);
    expect(plain / trials).toBeLessThan(0.72);
    expect(corrected / trials - plain / trials).toBeGreaterThan(0.06);
  });

  it('keeps nominal coverage and nearly the same width on independent days', () => {
    const random = rng(61);
    const trials = 400;
    let covered = 0;
    let width = 0;
    let plainWidth = 0;
    for (let t = 0; t < trials; t += 1) {
      const errors = ar1Window(random, 0, 0.3);
      const interval = intervalAt(clusteredProportion(errors, Array(28).fill(100)), Z95);
      if (interval.lower <= 0.1 && 0.1 <= interval.upper) covered += 1;
      width += interval.upper - interval.lower;
      const flat = uncorrected(errors);
      plainWidth += flat.upper - flat.lower;
    }
    expect(covered / trials).toBeGreaterThan(0.92);
    expect(covered / trials).toBeLessThan(0.98);
    // Measured at 1,500 windows: 94.5% against 95.2%, 0.8% wider at z = 1.96.
    expect(width / plainWidth).toBeLessThan(1.03);
  });
});

describe('quantiles of tied durations (whole minutes)', () => {
  // n durations on an exact log-normal quantile grid (median 5 min × scale, log sd 0.6), logged in
  // whole minutes, dealt over 28 days.
  const wholeMinuteDays = (n: number, scale: number) => {
    const days = Array.from({ length: 28 }, () => emptySketch());
    for (let i = 1; i <= n; i += 1) {
      const z = inverseNormal((i - 0.5) / n);
      addToSketch(days[i % 28] as DurationSketch, Math.round((300 * scale * Math.exp(0.6 * z)) / 60) * 60);
    }
    return days.map((d) => [d]);
  };

  it('reads a 5% slower true duration in whole minutes as about +4.8%, with an interval no narrower than a minute', () => {
    // By hand, reading the ties as uniform over their minute: the median lies in the 5-minute
    // cell [270, 330] s at 270 + 60·(½ − F(270))/(F(330) − F(270)), F the log-normal CDF:
    // Φ(ln(0.9)/0.6) = 0.4303, Φ(ln(1.1)/0.6) = 0.5631 → 301.5 s; 5% slower (median 315 s):
    // Φ(ln(270/315)/0.6) = 0.3986, Φ(ln(330/315)/0.6) = 0.5309 → 316.0 s; change +4.8%.
    const before = clusteredQuantile(wholeMinuteDays(2800, 1), 0.5);
    const after = clusteredQuantile(wholeMinuteDays(2800, 1.05), 0.5);
    expect(Math.abs(before.estimate - 301.5) / 301.5).toBeLessThan(0.01);
    expect(Math.abs(after.estimate - 316.0) / 316.0).toBeLessThan(0.01);
    const b = intervalAt(before, Z95);
    const a = intervalAt(after, Z95);
    // Nearest ranks alone gave 300 [300, 300] for both: a change of 0% (0% to 0%). Now every
    // interval holds the whole 5-minute cell, [270, 330] s (to the sketch's 1%).
    for (const interval of [a, b]) {
      expect(interval.lower).toBeLessThanOrEqual(270 * 1.01);
      expect(interval.upper).toBeGreaterThanOrEqual(330 * 0.99);
    }
    const change = relativeChange(a, b);
    expect(change.estimate).toBeGreaterThan(0.04);
    expect(change.estimate).toBeLessThan(0.056);
    // A minute is 20% of a 5-minute median: the data cannot tell a 5% change from none.
    expect(change.lower).toBeLessThan(0);
    expect(change.upper).toBeGreaterThan(0.05);
  });

  it('gives no change an interval around 0 that spans the data’s resolution, not 0% (0% to 0%)', () => {
    const b = intervalAt(clusteredQuantile(wholeMinuteDays(2800, 1), 0.5), Z95);
    const change = relativeChange(b, b);
    expect(change.estimate).toBeCloseTo(0, 12);
    // [270, 330] over [270, 330] by MOVER-R: well over ±10%.
    expect(change.lower).toBeLessThan(-0.1);
    expect(change.upper).toBeGreaterThan(0.1);
  });

  it('spans more than one tie value when the sample is small', () => {
    // 70 tasks: Woodruff ranks ⌈70·0.386⌉ = 28 … ⌈70·0.614⌉ = 43 (Wilson(35, 70) at 1.96 is
    // [0.3857, 0.6143]); on the grid those fall in the 4- and 6-minute ties.
    const interval = intervalAt({ ...clusteredQuantile(wholeMinuteDays(70, 1), 0.5), df: Infinity, effectiveN: 70 }, Z95);
    expect(interval.lower).toBeLessThan(270);
    expect(interval.lower).toBeGreaterThan(210);
    expect(interval.upper).toBeGreaterThan(330);
    expect(interval.upper).toBeLessThan(390);
  });
});

/** Φ⁻¹(p) by bisection on the erfc-based normal tail (test helper). */
function inverseNormal(p: number): number {
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 100; i += 1) {
    const mid = (lo + hi) / 2;
    if (1 - normalUpperTail(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
