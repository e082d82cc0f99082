import { seededRandom as rng } from './seeded-random';
import { addToSketch, emptySketch, mergeInto, quantile, sortSketch } from './duration-sketch';
import { binomialCdf, meanInterval, normalUpperTail, quantileInterval, ratioInterval, wilsonInterval, Z95 } from './statistics';

const normal = (random: () => number) => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const binomial = (random: () => number, n: number, p: number) => Array.from({ length: n }, random).filter((u) => u < p).length;
const sketchOf = (values: number[]) => {
  const sketch = emptySketch();
  for (const v of values) addToSketch(sketch, v);
  return sketch;
};

describe('Wilson interval', () => {
  it('matches the interval found by solving the score equation numerically', () => {
    for (const [k, n] of [[81, 263], [15, 148], [1, 29], [29, 30], [5, 1000]] as const) {
      const p = k / n;
      // The Wilson limits are the p where |p̂ − p| = z·sqrt(p(1−p)/n): find both by bisection.
      const solve = (lo: number, hi: number, rising: boolean) => {
        for (let i = 0; i < 200; i += 1) {
          const mid = (lo + hi) / 2;
          const f = Math.abs(p - mid) - Z95 * Math.sqrt((mid * (1 - mid)) / n);
          if (f > 0 === rising) hi = mid;
          else lo = mid;
        }
        return (lo + hi) / 2;
      };
      const interval = wilsonInterval(k, n);
      expect(interval.lower).toBeCloseTo(solve(0, p, false), 9);
      expect(interval.upper).toBeCloseTo(solve(p, 1, true), 9);
    }
  });

  it('gives the closed form z²/(n+z²) as the upper limit for 0 successes', () => {
    expect(wilsonInterval(0, 10).upper).toBeCloseTo((Z95 * Z95) / (10 + Z95 * Z95), 12);
    expect(wilsonInterval(0, 10).lower).toBe(0);
  });
});

describe('ratio of two proportions (MOVER-R with Wilson limits)', () => {
  it('covers the true ratio about 95% of the time (simulated, small and unequal samples)', () => {
    const random = rng(42);
    for (const [p1, n1, p0, n0] of [[0.1, 120, 0.2, 150], [0.3, 40, 0.25, 60]] as const) {
      let covered = 0;
      const trials = 2000;
      for (let i = 0; i < trials; i += 1) {
        const ratio = ratioInterval(wilsonInterval(binomial(random, n1, p1), n1), wilsonInterval(binomial(random, n0, p0), n0));
        if (ratio.lower <= p1 / p0 && p1 / p0 <= ratio.upper) covered += 1;
      }
      expect(covered / trials).toBeGreaterThan(0.93);
      expect(covered / trials).toBeLessThan(0.975);
    }
  });

  it('is unbounded above when the baseline rate is zero', () => {
    expect(ratioInterval(wilsonInterval(3, 50), wilsonInterval(0, 50)).upper).toBe(Infinity);
  });
});

describe('duration sketch', () => {
  const random = rng(7);
  const durations = Array.from({ length: 20_000 }, () => Math.exp(4 + 1.2 * normal(random))); // skewed, like work times

  it('reads quantiles within 1% of the exact sample quantile', () => {
    const sorted = [...durations].sort((a, b) => a - b);
    const sketch = sortSketch(sketchOf(durations));
    for (const q of [0.01, 0.5, 0.9, 0.99]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1] as number;
      expect(Math.abs(quantile(sketch, q) - exact) / exact).toBeLessThanOrEqual(0.01);
    }
  });

  it('merges exactly: two halves merged equal the whole', () => {
    const merged = sketchOf(durations.slice(0, 7000));
    mergeInto(merged, sketchOf(durations.slice(7000)));
    const whole = sketchOf(durations);
    expect(merged.buckets).toEqual(whole.buckets);
    expect(merged.count).toBe(whole.count);
    expect(merged.sum).toBeCloseTo(whole.sum, 6);
  });

  it('keeps zero durations', () => {
    expect(quantile(sortSketch(sketchOf([0, 0, 0, 10])), 0.5)).toBe(0);
  });
});

describe('quantile interval from order statistics', () => {
  it('uses X(6)..X(15) for the median of 20 observations, as the binomial tables give', () => {
    const values = Array.from({ length: 20 }, (_, i) => (i + 1) * 10); // X(k) = 10k, distinct buckets
    const interval = quantileInterval(sortSketch(sketchOf(values)), 0.5);
    expect(Math.abs(interval.lower - 60) / 60).toBeLessThan(0.01);
    expect(Math.abs(interval.upper - 150) / 150).toBeLessThan(0.01);
  });

  it('cannot bound the upper side with 5 observations', () => {
    expect(quantileInterval(sortSketch(sketchOf([1, 2, 3, 4, 5])), 0.9).upper).toBe(Infinity);
  });

  it('covers the true median ratio about 95% of the time for skewed durations (simulated)', () => {
    const random = rng(11);
    const trueRatio = Math.exp(3.5) / Math.exp(4); // medians of two log-normals
    let covered = 0;
    const trials = 600;
    for (let i = 0; i < trials; i += 1) {
      const current = sortSketch(sketchOf(Array.from({ length: 60 }, () => Math.exp(3.5 + normal(random)))));
      const baseline = sortSketch(sketchOf(Array.from({ length: 80 }, () => Math.exp(4 + normal(random)))));
      const ratio = ratioInterval(quantileInterval(current, 0.5), quantileInterval(baseline, 0.5));
      if (ratio.lower <= trueRatio && trueRatio <= ratio.upper) covered += 1;
    }
    // Order-statistic intervals are conservative (coverage ≥ 95% by construction, discreteness adds more).
    expect(covered / trials).toBeGreaterThan(0.93);
    expect(covered / trials).toBeLessThan(0.995);
  });
});

describe('helpers', () => {
  it('binomial CDF equals a direct sum', () => {
    const choose = (n: number, k: number): number => (k === 0 ? 1 : (choose(n, k - 1) * (n - k + 1)) / k);
    for (const k of [0, 3, 10, 19]) {
      let direct = 0;
      for (let i = 0; i <= k; i += 1) direct += choose(20, i) * 0.3 ** i * 0.7 ** (20 - i);
      expect(binomialCdf(k, 20, 0.3)).toBeCloseTo(direct, 12);
    }
  });

  it('normal tail at 1.96 is 2.5%', () => {
    expect(normalUpperTail(Z95)).toBeCloseTo(0.025, 6);
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 6);
  });

  it('mean interval is mean ± 1.96·s/√n', () => {
    const values = [2, 4, 4, 4, 5, 5, 7, 9];
    const n = values.length;
    const mean = 5;
    const s = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
    const interval = meanInterval(n, 40, values.reduce((a, v) => a + v * v, 0));
    expect(interval.estimate).toBe(5);
    expect(interval.upper).toBeCloseTo(mean + (Z95 * s) / Math.sqrt(n), 12);
  });
});
