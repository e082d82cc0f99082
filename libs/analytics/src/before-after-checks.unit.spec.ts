import { baselineDriftCheck, beforeAfterChecks, mixCheck, volumeCheck } from './before-after-checks';
import { emptyDay, emptyModeDay, emptyProjection, type DeploymentProjection } from './deployment-projection';
import { addToSketch } from './duration-sketch';
import { weekdayIndex } from './local-time';
import { assumptionWarnings } from './scorecard-warnings';
import { seededRandom } from './seeded-random';
import type { Windows } from './windows';

// Simulated deployments of known truth, written straight into day buckets. Each day has its own
// conditions, as in the simulation study: tasks ~ Poisson(volume · e^N(0, 0.1²)) (times a weekly
// rhythm where asked), error probability ~ Beta with mean p and κ = 100, log-durations shifted by
// N(0, 0.1²) around the median with a log-sd of 0.6 within the day; segment shares vary by day
// (each share × e^N(0, 0.2²), renormalised).

const GO_LIVE = 20_000; // a local day number
const RAMP_UP = 7;

class Random {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  uniform(): number {
    return this.next();
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
      const u = 1 - this.next();
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }
  beta(mean: number, kappa: number): number {
    const x = this.gamma(mean * kappa);
    return x / (x + this.gamma((1 - mean) * kappa));
  }
  /** Poisson by inversion for small means, normal approximation above 500. */
  poisson(mean: number): number {
    if (mean > 500) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    let k = 0;
    let p = Math.exp(-mean);
    let cumulative = p;
    const u = this.next();
    while (u > cumulative && k < 10_000) {
      k += 1;
      p *= mean / k;
      cumulative += p;
    }
    return k;
  }
  /** Binomial: Bernoulli draws up to 60 trials, the normal approximation above. */
  binomial(n: number, p: number): number {
    if (n <= 60) {
      let k = 0;
      for (let i = 0; i < n; i += 1) if (this.next() < p) k += 1;
      return k;
    }
    return Math.min(n, Math.max(0, Math.round(n * p + Math.sqrt(n * p * (1 - p)) * this.normal())));
  }
}

interface DayTruth {
  tasks: number;
  errorRate: number;
  medianSeconds: number;
  /** Shares of tasks by segment; none = tasks name no segment. */
  shares?: Record<string, number>;
}

type Truth = (offsetFromGoLive: number) => DayTruth;

/**
 * 28 baseline days of manual work, ramp-up, then AI work up to `lastOffset` (inclusive), one
 * bucket per day. For speed a day's durations are 50 draws (or one per task when fewer), each
 * counted for its share of the day's tasks: a noisier median within the day than real work of
 * that volume, which the day-clustered variance sees as day-to-day variation.
 */
function simulate(seed: number, truth: Truth, lastOffset: number, weeklyRhythm = false): DeploymentProjection {
  const random = new Random(seed);
  const projection = emptyProjection('sim');
  for (let offset = -28; offset <= lastOffset; offset += 1) {
    const day = GO_LIVE + offset;
    const t = truth(offset);
    const rhythm = weeklyRhythm && weekdayIndex(day) >= 5 ? 0.4 : 1;
    const tasks = random.poisson(t.tasks * rhythm * Math.exp(0.1 * random.normal()));
    const errorRate = random.beta(t.errorRate, 100);
    const logMedian = Math.log(t.medianSeconds) + 0.1 * random.normal();
    const mode = offset < 0 ? 'manual' : 'ai';
    const bucket = (projection.days[day] = emptyDay());
    const modeDay = (bucket.modes[mode] = emptyModeDay());
    const draws = Math.min(tasks, 50);
    for (let j = 0; j < draws; j += 1) {
      addToSketch(modeDay.durations, Math.exp(logMedian + 0.6 * random.normal()), Math.floor(tasks / draws) + (j < tasks % draws ? 1 : 0));
    }
    const errors = random.binomial(tasks, errorRate);
    modeDay.tasks = tasks;
    modeDay.error = errors;
    modeDay.success = tasks - errors;
    if (!t.shares) continue;
    // Multinomial split of the day's tasks by segment, as successive binomials.
    const names = Object.keys(t.shares);
    const weights = names.map((name) => (t.shares as Record<string, number>)[name]! * Math.exp(0.2 * random.normal()));
    let left = tasks;
    let weightLeft = weights.reduce((a, b) => a + b, 0);
    names.forEach((name, s) => {
      const share = s === names.length - 1 ? left : random.binomial(left, Math.min(1, (weights[s] as number) / weightLeft));
      left -= share;
      weightLeft -= weights[s] as number;
      if (share === 0) return;
      const segmentModeDay = ((((projection.segmentDays ??= {})[name] ??= {})[day] ??= {})[mode] = emptyModeDay());
      segmentModeDay.tasks = share;
      segmentModeDay.error = random.binomial(share, errorRate);
      segmentModeDay.success = share - segmentModeDay.error;
    });
  }
  return projection;
}

/** The windows of a look `lastOffset` days after go-live (today), as `windowsOf` draws them. */
function windowsAt(lastOffset: number): Windows {
  const today = GO_LIVE + lastOffset;
  return {
    today,
    baseline: { fromDay: GO_LIVE - 28, toDay: GO_LIVE - 1 },
    current: { fromDay: Math.max(today - 27, GO_LIVE + RAMP_UP), toDay: today },
    inRampUp: false,
  };
}

const steady: DayTruth = { tasks: 100, errorRate: 0.1, medianSeconds: 300 };
const MIX = { a: 0.5, b: 0.3, c: 0.2 };
const DEPLOYMENTS = 200;
/** Looks at one, two, three and four whole weeks after ramp-up. */
const LOOKS = [RAMP_UP + 8, RAMP_UP + 15, RAMP_UP + 22, RAMP_UP + 29];

/** Share of simulated deployments where `fires` holds at some look. */
function rate(truth: Truth, fires: (projection: DeploymentProjection, windows: Windows) => boolean, options: { seed?: number; weeklyRhythm?: boolean; looks?: number[] } = {}): number {
  const looks = options.looks ?? LOOKS;
  let fired = 0;
  for (let i = 0; i < DEPLOYMENTS; i += 1) {
    const projection = simulate((options.seed ?? 1) * 100_003 + i, truth, Math.max(...looks), options.weeklyRhythm);
    if (looks.some((look) => fires(projection, windowsAt(look)))) fired += 1;
  }
  return fired / DEPLOYMENTS;
}

const driftFires = (p: DeploymentProjection, w: Windows) => baselineDriftCheck(p, w)?.drifted === true;
const volumeFires = (p: DeploymentProjection, w: Windows) => volumeCheck(p, w)?.shifted === true;
const mixFires = (p: DeploymentProjection, w: Windows) => mixCheck(p, w)?.shifted === true;

describe('before/after checks: no change at go-live', () => {
  it('each check fires on at most 5% of 200 deployments over four weekly looks (100 tasks/day, day-to-day variation)', () => {
    const truth: Truth = () => ({ ...steady, shares: MIX });
    expect(rate(truth, driftFires, { looks: [LOOKS.at(-1) as number] })).toBeLessThanOrEqual(0.05);
    expect(rate(truth, volumeFires)).toBeLessThanOrEqual(0.05);
    expect(rate(truth, mixFires)).toBeLessThanOrEqual(0.05);
  });

  it('stays quiet with a weekly rhythm (weekends at 40% of weekdays) and at 2,000 and 10 tasks per day', () => {
    expect(rate(() => steady, volumeFires, { seed: 2, weeklyRhythm: true })).toBeLessThanOrEqual(0.05);
    const busy: Truth = () => ({ ...steady, tasks: 2000, shares: MIX });
    expect(rate(busy, (p, w) => volumeFires(p, w) || mixFires(p, w) || driftFires(p, w), { seed: 3, looks: [LOOKS.at(-1) as number] })).toBeLessThanOrEqual(0.05);
    const quiet: Truth = () => ({ ...steady, tasks: 10, shares: MIX });
    expect(rate(quiet, (p, w) => volumeFires(p, w) || mixFires(p, w) || driftFires(p, w), { seed: 4 })).toBeLessThanOrEqual(0.05);
  });
});

describe('before/after checks: what changed at go-live', () => {
  it('volume ×2 at go-live: volume_shift on at least 90% of deployments once three weeks are in', () => {
    const truth: Truth = (offset) => ({ ...steady, tasks: offset >= 0 ? 200 : 100 });
    expect(rate(truth, volumeFires, { looks: [RAMP_UP + 22] })).toBeGreaterThanOrEqual(0.9);
    // A weekly rhythm does not hide it, and neither does a halving.
    expect(rate(truth, volumeFires, { seed: 5, weeklyRhythm: true, looks: [RAMP_UP + 22] })).toBeGreaterThanOrEqual(0.9);
    expect(rate((offset) => ({ ...steady, tasks: offset >= 0 ? 50 : 100 }), volumeFires, { seed: 6, looks: [RAMP_UP + 22] })).toBeGreaterThanOrEqual(0.9);
  });

  it('the busy season of the simulations (volume ×2, errors ×1.3, time ×1.2 at go-live) is warned about', () => {
    const season: Truth = (offset) => (offset >= 0 ? { tasks: 200, errorRate: 0.13, medianSeconds: 360 } : steady);
    expect(rate(season, volumeFires, { seed: 7, looks: [RAMP_UP + 8] })).toBeGreaterThanOrEqual(0.9);
  });

  it('a segment mix that moves 30 points at go-live: mix_shift on at least 90%', () => {
    const truth: Truth = (offset) => ({ ...steady, shares: offset >= 0 ? { a: 0.2, b: 0.6, c: 0.2 } : MIX });
    expect(rate(truth, mixFires, { looks: [RAMP_UP + 8] })).toBeGreaterThanOrEqual(0.9);
    // Easy work routed elsewhere: segment `easy` drops from half the work to a fifth, volume too.
    const rerouted: Truth = (offset) => ({ ...steady, tasks: offset >= 0 ? 62 : 100, shares: offset >= 0 ? { easy: 0.2, hard: 0.8 } : { easy: 0.5, hard: 0.5 } });
    expect(rate(rerouted, mixFires, { seed: 8, looks: [RAMP_UP + 8] })).toBeGreaterThanOrEqual(0.9);
  });

  it('a baseline that drifts fast (time +20% a week) is caught; a slow drift (3% a week) mostly is not', () => {
    const drift = (perWeek: number): Truth => (offset) => ({ ...steady, medianSeconds: 300 * Math.pow(1 + perWeek, (offset + 28) / 7) });
    expect(rate(drift(0.2), driftFires, { seed: 9, looks: [RAMP_UP + 8] })).toBeGreaterThanOrEqual(0.9);
    // Said in the warning and the docs: a 28-day baseline cannot see this.
    expect(rate(drift(0.03), driftFires, { seed: 10, looks: [RAMP_UP + 8] })).toBeLessThan(0.15);
  });
});

describe('before/after checks: when they stay silent, and what they say', () => {
  it('need a whole week of the current window, enough days, and segments for the mix', () => {
    const projection = simulate(11, () => steady, RAMP_UP + 5);
    expect(volumeCheck(projection, windowsAt(RAMP_UP + 5))).toBeUndefined(); // six days after ramp-up
    expect(volumeCheck(projection, { ...windowsAt(RAMP_UP + 5), current: undefined, inRampUp: true })).toBeUndefined();
    expect(mixCheck(projection, windowsAt(RAMP_UP + 5))).toBeUndefined();
    expect(baselineDriftCheck(projection, windowsAt(RAMP_UP + 5))).toMatchObject({ days: 28, drifted: false });
    expect(baselineDriftCheck(projection, { ...windowsAt(RAMP_UP + 5), baseline: { fromDay: GO_LIVE - 10, toDay: GO_LIVE - 1 } })).toBeUndefined();
    const later = simulate(11, () => steady, RAMP_UP + 8);
    expect(volumeCheck(later, windowsAt(RAMP_UP + 8))).toMatchObject({ baselineDays: 28, currentDays: 7 });
    expect(mixCheck(later, windowsAt(RAMP_UP + 8))).toBeUndefined(); // no task names a segment
  });

  it('warn with the numbers and what to do', () => {
    const truth: Truth = (offset) => ({
      tasks: offset >= 0 ? 200 : 100,
      errorRate: 0.1,
      medianSeconds: offset < 0 ? 250 + (200 * (offset + 28)) / 27 : 450,
      shares: offset >= 0 ? { a: 0.2, b: 0.6, c: 0.2 } : MIX,
    });
    const projection = simulate(12, truth, RAMP_UP + 22);
    const checks = beforeAfterChecks(projection, windowsAt(RAMP_UP + 22));
    expect(checks.volume).toMatchObject({ shifted: true, baselineDays: 28, currentDays: 21 });
    expect(checks.volume!.change).toBeGreaterThan(0.7);
    expect(checks.mix).toMatchObject({ shifted: true, segments: 3 });
    expect(Math.abs(checks.mix!.change)).toBeGreaterThan(0.2);
    expect(checks.drift).toMatchObject({ metric: 'task_duration_p50', drifted: true, days: 28 });

    const warnings = assumptionWarnings(checks);
    expect(warnings.map((w) => w.kind)).toEqual(['baseline_drift', 'volume_shift', 'mix_shift']);
    const [drift, volume, mix] = warnings;
    expect(drift!.message).toMatch(/^the baseline was not steady: median duration went from \d+ s to \d+ s over its 28 days \(\+\d+%, beyond doubt\)/);
    expect(drift!.message).toContain('add a comparison segment: go live per segment, or set a longer baseline');
    expect(drift!.message).toContain('cannot be seen in a 28-day baseline');
    expect(volume!.message).toMatch(/^tasks per day changed at go-live: \d+ before, \d+ now \(\+\d+%, 99.9% interval \+\d+% to \+\d+%, same weekdays compared\)/);
    expect(volume!.message).toContain('add a comparison segment: go live per segment');
    expect(volume).toMatchObject({ kind: 'volume_shift', short: expect.stringMatching(/^volume \+\d+%$/) });
    expect(mix!.message).toMatch(/^the mix of work changed at go-live: segment [ab] was \d+% of tasks before, \d+% now \([+-]\d+ points, beyond doubt; \d+% of the work moved between segments\)/);
    expect(mix).toMatchObject({ kind: 'mix_shift', totalVariation: checks.mix!.totalVariation });

    expect(assumptionWarnings({})).toEqual([]);
    expect(assumptionWarnings(beforeAfterChecks(simulate(13, () => steady, RAMP_UP + 22), windowsAt(RAMP_UP + 22)))).toEqual([]);
  });
});
