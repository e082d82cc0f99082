import { seededRandom as rng } from './seeded-random';
import { addToSketch, emptySketch, mergeInto, quantile, sketchBuckets, sortSketch } from './duration-sketch';
import { alwaysValidMultiplier, binomialCdf, differenceInterval, normalUpperTail, ratioInterval, studentQuantile, widenForDegreesOfFreedom, wilsonInterval, Z95 } from './statistics';
import { clusteredProportion } from './clustered-estimates';
import { evaluateCriteria, type EvaluationInputs } from './criteria-evaluation';
import type { WindowStatistics } from './window-metrics';

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

  it('keeps a finite lower limit when the baseline interval reaches past twice its estimate', () => {
    // x = 9% [3.2%, 22.4%] over y = 3% [1.2%, 7%]: uy > 2y, so the quadratic's leading term is negative.
    const x = { estimate: 0.09, lower: 0.032, upper: 0.224, n: 700 };
    const y = { estimate: 0.03, lower: 0.012, upper: 0.07, n: 700 };
    const ratio = ratioInterval(x, y);
    // The MOVER-R limit solves (x − θy)² = (x − lx)² + θ²(uy − y)²: check the root directly …
    const residual = (theta: number) => (x.estimate - theta * y.estimate) ** 2 - (x.estimate - x.lower) ** 2 - theta ** 2 * (y.upper - y.estimate) ** 2;
    expect(ratio.lower).toBeGreaterThan(0.5);
    expect(Math.abs(residual(ratio.lower))).toBeLessThan(1e-15);
    // … and against the log-scale MOVER, which agrees closely for such intervals.
    const logLower = Math.exp(Math.log(3) - Math.hypot(Math.log(0.09 / 0.032), Math.log(0.07 / 0.03)));
    expect(ratio.lower).toBeCloseTo(logLower, 1);
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
    expect([...sketchBuckets(merged)]).toEqual([...sketchBuckets(whole)]);
    expect(merged.count).toBe(whole.count);
    expect(merged.sum).toBeCloseTo(whole.sum, 6);
  });

  it('keeps zero durations', () => {
    expect(quantile(sortSketch(sketchOf([0, 0, 0, 10])), 0.5)).toBe(0);
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
});

describe('Student t quantiles (against published tables)', () => {
  it.each([
    [0.025, 1, 12.7062],
    [0.025, 5, 2.570582],
    [0.005, 10, 3.169273],
    [0.025, 30, 2.042272],
    [0.0005, 4, 8.610302],
  ])('upper tail %p with %p degrees of freedom is %p', (tail, df, t) => {
    expect(studentQuantile(tail, df)).toBeCloseTo(t, 4);
  });

  it('widening leaves z alone without estimated variance and turns it into t otherwise', () => {
    expect(widenForDegreesOfFreedom(Z95, Infinity)).toBe(Z95);
    expect(widenForDegreesOfFreedom(Z95, 5)).toBeCloseTo(2.570582, 4);
    expect(normalUpperTail(3)).toBeCloseTo(0.0013498980, 9);
  });
});

describe('always-valid multiplier (normal mixture)', () => {
  it('follows sqrt((1+1/r)(ln(1+r) + 2 ln 20)) with r = 7.5 at 28 days', () => {
    expect(alwaysValidMultiplier(28)).toBeCloseTo(Math.sqrt((1 + 1 / 7.5) * (Math.log(8.5) + 2 * Math.log(20))), 12);
    expect(alwaysValidMultiplier(28)).toBeCloseTo(3.0357, 3);
    expect(alwaysValidMultiplier(7)).toBeCloseTo(3.287, 2);
    // Tightest at the planning point: a little wider on either side.
    expect(alwaysValidMultiplier(14)).toBeGreaterThan(alwaysValidMultiplier(28));
    expect(alwaysValidMultiplier(56)).toBeGreaterThan(alwaysValidMultiplier(28));
  });

  it('keeps a running mean inside mean ± z·σ/√t at every one of 365 daily looks in ≥ 95% of paths', () => {
    // The defining property of a confidence sequence, checked on Gaussian days with known truth 0.
    const random = rng(2021);
    const paths = 2000;
    let escaped = 0;
    for (let p = 0; p < paths; p += 1) {
      let sum = 0;
      for (let t = 1; t <= 365; t += 1) {
        sum += normal(random);
        if (Math.abs(sum / t) > alwaysValidMultiplier(t) / Math.sqrt(t)) {
          escaped += 1;
          break;
        }
      }
    }
    expect(escaped / paths).toBeLessThanOrEqual(0.05);
    // …whereas the one-look 1.96 escapes far more often over the same looks.
    const oneLook = (() => {
      const r = rng(2021);
      let out = 0;
      for (let p = 0; p < 500; p += 1) {
        let sum = 0;
        for (let t = 1; t <= 365; t += 1) {
          sum += normal(r);
          if (Math.abs(sum / t) > Z95 / Math.sqrt(t)) {
            out += 1;
            break;
          }
        }
      }
      return out / 500;
    })();
    expect(oneLook).toBeGreaterThan(0.3);
  });
});

describe('difference of two estimates (MOVER-D) and a zero baseline', () => {
  it('is Newcombe’s hybrid score interval with Wilson limits', () => {
    // Newcombe (1998) example: 56/70 vs 48/80 → difference 0.2, 95% interval [0.0524, 0.3339] (method 10).
    const d = differenceInterval(wilsonInterval(56, 70), wilsonInterval(48, 80));
    expect(d.estimate).toBeCloseTo(0.2, 12);
    expect(d.lower).toBeCloseTo(0.0524, 4);
    expect(d.upper).toBeCloseTo(0.3339, 4);
  });

  it('judges downstream errors 0 of 600 → 120 of 600 with relativeChange 0 as not_met, on the difference in percentage points', () => {
    // 20 identical days of 30 tasks (design effect 1). Always-valid z at 20 days = 3.0504;
    // Wilson(120, 600) lower 0.15494, Wilson(0, 600) upper z²/(600 + z²) = 0.01527:
    // difference 0.2 − hypot(0.2 − 0.15494, 0.01527) = 0.15242 > 0.
    const days = (k: number) => clusteredProportion(Array(20).fill(k), Array(20).fill(30));
    const inputs: EvaluationInputs = {
      baseline: { downstream_error_ratio: days(0) } as unknown as WindowStatistics,
      current: { downstream_error_ratio: days(6) } as unknown as WindowStatistics,
      adoption: { activeUsers7d: 0, eligibleUsers: null, eligibleDeclared: false, weeklyActiveUsers: [], revertedUsers: 0, recentAdopters: 0, aiTaskShare: null, overrides: null },
      currentTasks: 600,
      currentDays: 20,
      baselineDays: 20,
    };
    expect(alwaysValidMultiplier(20)).toBeCloseTo(3.0504, 4);
    const [result] = evaluateCriteria([{ metric: 'downstream_error_ratio', relativeChange: 0 }], inputs);
    expect(result?.status).toBe('not_met');
    expect(result?.estimate).toBeCloseTo(0.2, 12);
    expect(result?.lower).toBeCloseTo(0.15242, 4);
    expect(result?.upper).toBeCloseTo(0.25422, 4);
    expect(result?.reason).toContain('the baseline was 0%: judged on the difference in percentage points');
    // No rise at all (0 of 600 after too) cannot be shown better than a zero baseline: inconclusive, never met.
    const flat = evaluateCriteria([{ metric: 'downstream_error_ratio', relativeChange: 0 }], { ...inputs, current: inputs.baseline });
    expect(flat[0]?.status).toBe('inconclusive');
  });
});
