import { clusteredMean, clusteredProportion, clusteredQuantile, intervalAt } from './clustered-estimates';
import { addToSketch, emptySketch, type DurationSketch } from './duration-sketch';
import { seededRandom as rng } from './seeded-random';
import { Z95 } from './statistics';

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
