import type { RegisteredDeployment } from '@baseliner/domain';
import { applyLifecycleEvent, emptyDay, emptyModeDay, emptyProjection, type DeploymentProjection } from './deployment-projection';
import { DAY_MS, localDay, WEEKDAYS, weekdayIndex } from './local-time';
import { seededRandom } from './seeded-random';
import { normalUpperTail, studentUpperTail } from './statistics';
import { quasiPValue, weekdayPattern } from './weekday-pattern';
import { windowsOf } from './windows';

describe('quasiPValue', () => {
  it('is the p-value itself when φ is known, and a t tail at the same normal deviate when estimated', () => {
    expect(quasiPValue(0.001, Infinity)).toBe(0.001);
    // p = 0.001 is z = 3.0902; P(T₇ > 3.0902) = 0.00877 (tables: t₇ at 0.01 is 2.998, at 0.005 is 3.499).
    expect(quasiPValue(0.001, 7)).toBeCloseTo(studentUpperTail(3.090232, 7), 6);
    expect(quasiPValue(0.001, 7)).toBeGreaterThan(0.0085);
    expect(quasiPValue(0.001, 7)).toBeLessThan(0.009);
    // Many degrees of freedom: close to the normal tail.
    expect(quasiPValue(normalUpperTail(3), 10_000)).toBeCloseTo(normalUpperTail(3), 4);
    // Not evidence either way: unchanged; no degrees of freedom: no evidence.
    expect(quasiPValue(0.7, 7)).toBe(0.7);
    expect(quasiPValue(0.001, 0)).toBe(1);
  });
});

// Seeded simulation with known truth, as in the simulation study: 28 baseline days, go-live,
// 7 days of ramp-up, then 60 daily looks at 18:00 UTC; each day's error probability ~ Beta with
// mean p and concentration κ = 100 (day-to-day variation), its errors Binomial(tasks, p_d).

const GO_LIVE = Date.parse('2026-10-01T08:00:00.000Z');
const GO_LIVE_DAY = localDay(GO_LIVE, 'UTC');
const RAMP_UP = 7;

class Random {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
  }
  /** Marsaglia & Tsang (2000), shape ≥ 1. */
  gamma(shape: number): number {
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      if (Math.log(1 - this.next()) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }
  beta(mean: number, kappa: number): number {
    const x = this.gamma(mean * kappa);
    return x / (x + this.gamma((1 - mean) * kappa));
  }
  /** Bernoulli draws up to 100 trials, the normal approximation above (np ≥ 10 in every use here). */
  binomial(n: number, p: number): number {
    if (n <= 100) {
      let k = 0;
      for (let i = 0; i < n; i += 1) if (this.next() < p) k += 1;
      return k;
    }
    return Math.min(n, Math.max(0, Math.round(n * p + Math.sqrt(n * p * (1 - p)) * this.normal())));
  }
}

function liveProjection(): DeploymentProjection {
  const projection = emptyProjection('weekday');
  const at = new Date(GO_LIVE - 60 * DAY_MS).toISOString();
  applyLifecycleEvent(projection, {
    type: 'DeploymentRegistered',
    data: { id: 'weekday', name: 'Weekday', owner: { name: 'Sim', email: 'sim@example.com' }, timezone: 'UTC', rampUpDays: RAMP_UP, registeredAt: at },
  });
  applyLifecycleEvent(projection, { type: 'CriteriaDefined', data: { criteria: [{ metric: 'error_ratio', atMost: 0.5 }], definedAt: at } });
  const live = new Date(GO_LIVE).toISOString();
  applyLifecycleEvent(projection, { type: 'WentLive', data: { at: live, recordedAt: live } });
  return projection;
}

/** Share of deployments with some weekday (or Tuesday, or another day) flagged at some look in 60. */
function flagRates(tasksPerDay: number, errorRate: number, tuesdayFactor: number, deployments: number, seed: number): { any: number; tuesday: number; other: number } {
  let any = 0;
  let tuesday = 0;
  let other = 0;
  for (let i = 0; i < deployments; i += 1) {
    const random = new Random(seed * 1_000_003 + i);
    const projection = liveProjection();
    const deployment = projection.lifecycle as RegisteredDeployment;
    const addDay = (offset: number, mode: 'manual' | 'ai') => {
      const day = GO_LIVE_DAY + offset;
      const mean = offset >= 0 && weekdayIndex(day) === 1 ? errorRate * tuesdayFactor : errorRate;
      const errors = random.binomial(tasksPerDay, random.beta(mean, 100));
      const modeDay = ((projection.days[day] ??= emptyDay()).modes[mode] = emptyModeDay());
      Object.assign(modeDay, { tasks: tasksPerDay, error: errors, success: tasksPerDay - errors });
    };
    for (let offset = -28; offset < RAMP_UP; offset += 1) addDay(offset, offset < 0 ? 'manual' : 'ai');
    let flagged = { any: false, tuesday: false, other: false };
    for (let look = 1; look <= 60; look += 1) {
      const offset = RAMP_UP + look - 1;
      addDay(offset, 'ai');
      const now = new Date((GO_LIVE_DAY + offset) * DAY_MS + 18 * 3_600_000);
      const { anomaly } = weekdayPattern(projection, deployment, windowsOf(deployment, now));
      flagged = {
        any: flagged.any || WEEKDAYS.some((w) => anomaly[w]),
        tuesday: flagged.tuesday || anomaly.tue,
        other: flagged.other || WEEKDAYS.some((w) => w !== 'tue' && anomaly[w]),
      };
    }
    any += Number(flagged.any);
    tuesday += Number(flagged.tuesday);
    other += Number(flagged.other);
  }
  return { any: any / deployments, tuesday: tuesday / deployments, other: other / deployments };
}

describe('weekday detector calibration (seeded simulation, 60 daily looks)', () => {
  // Treating φ as known flagged 10–18% of these deployments (100–2,000 tasks/day, 2,000 each):
  // the overdispersion grows with volume, and so does the harm of misjudging it from few days.
  it.each([100, 500, 2000])('no weekday effect at %i tasks/day (errors 10%, κ = 100): some weekday flagged in at most 5%', (tasksPerDay) => {
    expect(flagRates(tasksPerDay, 0.1, 1, 300, tasksPerDay).any).toBeLessThanOrEqual(0.05);
  });

  it('a true 3× Tuesday (5% → 15%) at 50 tasks/day is still found within 60 days, and no other day flagged', () => {
    const rates = flagRates(50, 0.05, 3, 200, 7);
    expect(rates.tuesday).toBeGreaterThanOrEqual(0.95);
    expect(rates.other).toBeLessThanOrEqual(0.02);
  });
});
