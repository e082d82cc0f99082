// Generators of simulated deployments with known truth, for the simulation study (study.ts,
// simulate.ts) and its unit spec. Pure and seeded: the same seed gives the same deployment.
//
// Data model (the realistic case, with day-to-day variation). Each local day d has its own
// conditions: a log-duration shift δ_d ~ N(0, σ_δ), an error probability p_d ~ Beta(pκ, (1−p)κ)
// and a log-cost shift δc_d ~ N(0, σ_c). Within the day, every task's duration is
// exp(log(median) + δ_d + 0.6·Z), its cost costMedian·exp(δc_d + 0.8·Z), and the day's errors are
// Binomial(tasks, p_d). Pooled over days, durations are log-normal with log-sd √(0.6² + σ_δ²), so
// a "no change" deployment has a true relative change of exactly 0 in every compared metric.
import type { Criterion, TaskMode, TelemetryEvent } from '@baseliner/contracts';
import type { DeploymentEvent } from '@baseliner/domain';
import {
  addToSketch,
  applyLifecycleEvent,
  applyTelemetryEvent,
  DAY_MS,
  emptyDay,
  emptyModeDay,
  emptyProjection,
  localDay,
  scorecardOf,
  seededRandom,
  type DayBucket,
  type DeploymentProjection,
  type Scorecard,
} from '@baseliner/analytics';

// ---------------------------------------------------------------------------------------------
// Random variates

/** 32-bit FNV-1a of a string: independent-looking seeds for (study seed, cell, deployment). */
export function hashSeed(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('\u0000')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Lanczos approximation of ln Γ(x) for x > 0 (g = 7, 9 coefficients; Numerical Recipes §6.1),
 * relative error below 1e-14 — enough for binomial probabilities.
 */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0] as number;
  const t = z + 7.5;
  for (let i = 1; i < 9; i += 1) a += (LANCZOS[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Seeded random variates on top of `seededRandom` (mulberry32). */
export class Rng {
  private readonly next: () => number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.next = seededRandom(seed);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.next();
  }

  /** Standard normal by Box–Muller; the second value of each pair is kept for the next call. */
  normal(): number {
    if (this.spare !== undefined) {
      const z = this.spare;
      this.spare = undefined;
      return z;
    }
    const r = Math.sqrt(-2 * Math.log(1 - this.next())); // 1 − U ∈ (0, 1]: no log(0)
    const theta = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /**
   * Gamma(shape, 1) by Marsaglia & Tsang (2000), "A simple method for generating gamma
   * variables"; for shape < 1 the usual boost Gamma(shape + 1)·U^(1/shape).
   */
  gamma(shape: number): number {
    if (!(shape > 0)) throw new Error(`gamma shape must be positive, got ${shape}`);
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(1 - this.next(), 1 / shape);
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
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Beta(a, b) as X/(X+Y) with X ~ Gamma(a), Y ~ Gamma(b). */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    const y = this.gamma(b);
    return x / (x + y);
  }

  /** Beta with mean p and concentration κ = α + β (variance p(1−p)/(κ+1)). */
  betaMeanConcentration(p: number, kappa: number): number {
    if (p <= 0 || p >= 1 || !Number.isFinite(kappa)) return p;
    return this.beta(p * kappa, (1 - p) * kappa);
  }

  /**
   * Binomial(n, p), exact for every n: inversion of the CDF with the outcomes visited from the
   * mode outwards (alternately below and above). Any fixed visiting order with interval lengths
   * equal to the pmf samples exactly; starting at the mode makes the expected number of steps
   * O(√(np(1−p))) instead of O(np), and the pmf at the mode (from ln Γ) never underflows.
   * Neighbouring pmf values follow from the ratio P(k+1)/P(k) = (n−k)/(k+1)·p/(1−p).
   */
  binomial(n: number, p: number): number {
    if (n <= 0 || p <= 0) return 0;
    if (p >= 1) return n;
    const q = 1 - p;
    const mode = Math.min(n, Math.floor((n + 1) * p));
    const logPmfMode = logGamma(n + 1) - logGamma(mode + 1) - logGamma(n - mode + 1) + mode * Math.log(p) + (n - mode) * Math.log(q);
    const pmfMode = Math.exp(logPmfMode);
    let u = this.next() - pmfMode;
    if (u < 0) return mode;
    const odds = p / q;
    let lo = mode;
    let pmfLo = pmfMode;
    let hi = mode;
    let pmfHi = pmfMode;
    while (lo > 0 || hi < n) {
      if (hi < n) {
        pmfHi *= ((n - hi) / (hi + 1)) * odds;
        hi += 1;
        u -= pmfHi;
        if (u < 0) return hi;
      }
      if (lo > 0) {
        pmfLo *= (lo / (n - lo + 1)) / odds;
        lo -= 1;
        u -= pmfLo;
        if (u < 0) return lo;
      }
    }
    return mode; // only reached through rounding (total mass summed to just under 1)
  }
}

// ---------------------------------------------------------------------------------------------
// Truth and conditions

/** The truth of one mode on one day, before day-to-day variation. */
export interface Truth {
  /** Median task duration, seconds. */
  durationMedian: number;
  /** Mean error probability. */
  errorRate: number;
  /** Median cost per task, USD. */
  costMedian: number;
}

export const NO_CHANGE_TRUTH: Truth = { durationMedian: 300, errorRate: 0.1, costMedian: 2 };

/** Within-day log-sd of durations and costs. */
export const DURATION_LOG_SD = 0.6;
export const COST_LOG_SD = 0.8;

/** Day-to-day variation; zeros and κ = Infinity turn it off. */
export interface Variation {
  durationShiftSd: number;
  costShiftSd: number;
  /** Concentration κ of the day's error probability ~ Beta(pκ, (1−p)κ). */
  errorKappa: number;
}

export const DAY_VARIATION: Variation = { durationShiftSd: 0.1, costShiftSd: 0.1, errorKappa: 100 };
export const NO_VARIATION: Variation = { durationShiftSd: 0, costShiftSd: 0, errorKappa: Infinity };

/** One day's draw of the conditions. */
export interface DayConditions {
  durationShift: number;
  costShift: number;
  errorRate: number;
}

export function drawDayConditions(rng: Rng, truth: Truth, variation: Variation): DayConditions {
  return {
    durationShift: variation.durationShiftSd * rng.normal(),
    costShift: variation.costShiftSd * rng.normal(),
    errorRate: rng.betaMeanConcentration(truth.errorRate, variation.errorKappa),
  };
}

// ---------------------------------------------------------------------------------------------
// The deployment: lifecycle and the fast path into day buckets

/** Go-live at 08:00 UTC on a fixed date (a Thursday); the timezone is UTC throughout. */
export const GO_LIVE_MS = Date.parse('2026-10-01T08:00:00.000Z');
export const GO_LIVE_DAY = localDay(GO_LIVE_MS, 'UTC');
export const RAMP_UP_DAYS = 7;
export const BASELINE_DAYS = 28;
/** Evaluation hour (UTC) of each daily look; all simulated events of a day happen before it. */
export const LOOK_HOUR = 18;
const HOUR_MS = 3_600_000;

/** Epoch ms of `hour`:00 UTC on the day `offset` days from the go-live day. */
export function timeOnDay(offset: number, hour: number): number {
  return (GO_LIVE_DAY + offset) * DAY_MS + hour * HOUR_MS;
}

/**
 * The day offset (from the go-live day) of look k = 1, 2, …: the k-th day of the current
 * window, so look 1 is the first day after ramp-up and look 28 the first with a full 28-day
 * current window. 60 looks run from go-live + 7 days to go-live + 66 days (18:00 UTC each).
 */
export function lookDayOffset(look: number): number {
  return RAMP_UP_DAYS + look - 1;
}

export function lookTime(look: number): Date {
  return new Date(timeOnDay(lookDayOffset(look), LOOK_HOUR));
}

export interface DeploymentSetup {
  id: string;
  criteria: Criterion[];
  eligibleUsers?: number;
}

/** Registers the deployment and defines its criteria (applied through the real lifecycle fold). */
export function registeredProjection(setup: DeploymentSetup): DeploymentProjection {
  const projection = emptyProjection(setup.id);
  const registeredAt = new Date(timeOnDay(-60, 9)).toISOString();
  const events: DeploymentEvent[] = [
    {
      type: 'DeploymentRegistered',
      data: {
        id: setup.id,
        name: `Simulated ${setup.id}`,
        owner: { name: 'Sim Ulation', email: 'sim@example.com' },
        timezone: 'UTC',
        rampUpDays: RAMP_UP_DAYS,
        registeredAt,
        ...(setup.eligibleUsers !== undefined && { eligibleUsers: setup.eligibleUsers }),
      },
    },
    { type: 'CriteriaDefined', data: { criteria: setup.criteria, definedAt: registeredAt } },
  ];
  for (const event of events) applyLifecycleEvent(projection, event);
  return projection;
}

export function goLive(projection: DeploymentProjection): void {
  const at = new Date(GO_LIVE_MS).toISOString();
  applyLifecycleEvent(projection, { type: 'WentLive', data: { at, recordedAt: at } });
}

function dayBucket(projection: DeploymentProjection, day: number): DayBucket {
  return (projection.days[day] ??= emptyDay());
}

/**
 * Fast path: `tasks` tasks of `mode` on the day `offset` days from go-live, written straight
 * into the day bucket as the projector would have folded one task.completed event each
 * (counts, duration sketch, cost sums), without building events. Events happen 08:00–17:00 UTC.
 */
export function addTaskDay(
  projection: DeploymentProjection,
  rng: Rng,
  offset: number,
  mode: TaskMode,
  tasks: number,
  truth: Truth,
  conditions: DayConditions,
): void {
  const day = GO_LIVE_DAY + offset;
  const bucket = dayBucket(projection, day);
  const modeDay = (bucket.modes[mode] ??= emptyModeDay());
  const logMedian = Math.log(truth.durationMedian) + conditions.durationShift;
  const costScale = truth.costMedian * Math.exp(conditions.costShift);
  let costSum = 0;
  let costSumOfSquares = 0;
  for (let i = 0; i < tasks; i += 1) {
    addToSketch(modeDay.durations, Math.exp(logMedian + DURATION_LOG_SD * rng.normal()));
    const cost = costScale * Math.exp(COST_LOG_SD * rng.normal());
    costSum += cost;
    costSumOfSquares += cost * cost;
  }
  const errors = rng.binomial(tasks, conditions.errorRate);
  modeDay.tasks += tasks;
  modeDay.error += errors;
  modeDay.success += tasks - errors;
  modeDay.costCount += tasks;
  modeDay.costSum += costSum;
  modeDay.costSumOfSquares += costSumOfSquares;
  if (tasks > 0) {
    projection.events += tasks;
    const last = timeOnDay(offset, 17);
    projection.lastEventTime = Math.max(projection.lastEventTime ?? last, last);
  }
}

// ---------------------------------------------------------------------------------------------
// Task-volume deployments (cells A–D, F–H)

export interface TaskDeploymentSpec {
  id: string;
  criteria: Criterion[];
  tasksPerDay: number;
  /** Manual work before go-live, by day offset (−28 … −1). */
  baseline: Truth | ((offset: number) => Truth);
  /** AI work from go-live on (ramp-up included), by day offset (0 …). */
  current: Truth | ((offset: number) => Truth);
  variation: Variation;
  looks: number;
}

const truthOn = (truth: Truth | ((offset: number) => Truth), offset: number) => (typeof truth === 'function' ? truth(offset) : truth);

/**
 * Runs one deployment day by day: 28 baseline days of manual work, go-live, 7 ramp-up days of AI
 * work, then one day of AI work and one scorecard (at 18:00 UTC of that day) per look. `visit`
 * sees look k = 1…looks; returning `false` stops early (later looks are not simulated).
 */
export function runTaskDeployment(
  spec: TaskDeploymentSpec,
  seed: number,
  visit: (look: number, card: Scorecard, projection: DeploymentProjection, now: Date) => boolean | void,
): DeploymentProjection {
  const rng = new Rng(seed);
  const projection = registeredProjection({ id: spec.id, criteria: spec.criteria });
  const addDay = (offset: number, mode: TaskMode, truth: Truth) =>
    addTaskDay(projection, rng, offset, mode, spec.tasksPerDay, truth, drawDayConditions(rng, truth, spec.variation));
  for (let offset = -BASELINE_DAYS; offset < 0; offset += 1) addDay(offset, 'manual', truthOn(spec.baseline, offset));
  goLive(projection);
  for (let offset = 0; offset < RAMP_UP_DAYS; offset += 1) addDay(offset, 'ai', truthOn(spec.current, offset));
  for (let look = 1; look <= spec.looks; look += 1) {
    const offset = lookDayOffset(look);
    addDay(offset, 'ai', truthOn(spec.current, offset));
    const now = lookTime(look);
    const card = scorecardOf(projection, now);
    if (!card) throw new Error('simulated deployment is not registered');
    if (visit(look, card, projection, now) === false) break;
  }
  return projection;
}

// ---------------------------------------------------------------------------------------------
// Adoption deployments (cell E): real telemetry events with actors

export interface AdoptionDeploymentSpec {
  id: string;
  criteria: Criterion[];
  users: number;
  /** Probability that a user uses the AI on a given day. */
  dailyUseProbability: number;
  tasksPerUserPerDay: number;
  truth: Truth;
  variation: Variation;
  /** First day of user activity, as an offset from go-live (negative: before go-live). */
  firstActiveOffset: number;
  looks: number;
}

/**
 * Each user, each day from `firstActiveOffset` on, uses the AI with probability q (one
 * `ai.used` event) and does `tasksPerUserPerDay` tasks — mode 'ai' on days they used it, else
 * 'manual' — all applied as real events through `applyTelemetryEvent`, so actors are tracked as
 * in production. Scorecards as in `runTaskDeployment`.
 */
export function runAdoptionDeployment(
  spec: AdoptionDeploymentSpec,
  seed: number,
  visit: (look: number, card: Scorecard, projection: DeploymentProjection, now: Date) => boolean | void,
): DeploymentProjection {
  const rng = new Rng(seed);
  const projection = registeredProjection({ id: spec.id, criteria: spec.criteria, eligibleUsers: spec.users });
  let n = 0;
  const emit = (at: number, event: Pick<TelemetryEvent, 'type' | 'data'>) => {
    n += 1;
    applyTelemetryEvent(projection, {
      specversion: '1.0',
      id: `${spec.id}-${n}`,
      source: 'simulation',
      time: new Date(at).toISOString(),
      deployment: spec.id,
      ...event,
    } as TelemetryEvent);
  };
  const addDay = (offset: number) => {
    const conditions = drawDayConditions(rng, spec.truth, spec.variation);
    const logMedian = Math.log(spec.truth.durationMedian) + conditions.durationShift;
    const costScale = spec.truth.costMedian * Math.exp(conditions.costShift);
    for (let user = 0; user < spec.users; user += 1) {
      const actor = `user-${user}`;
      const used = rng.uniform() < spec.dailyUseProbability;
      const start = timeOnDay(offset, 9) + user * 60_000;
      if (used) emit(start, { type: 'ai.used', data: { actor } });
      for (let task = 0; task < spec.tasksPerUserPerDay; task += 1) {
        emit(start + (task + 1) * HOUR_MS, {
          type: 'task.completed',
          data: {
            taskId: `${spec.id}-${offset}-${user}-${task}`,
            mode: used ? 'ai' : 'manual',
            outcome: rng.uniform() < conditions.errorRate ? 'error' : 'success',
            durationSeconds: Math.exp(logMedian + DURATION_LOG_SD * rng.normal()),
            costUsd: costScale * Math.exp(COST_LOG_SD * rng.normal()),
            actor,
          },
        });
      }
    }
  };
  for (let offset = spec.firstActiveOffset; offset < 0; offset += 1) addDay(offset);
  goLive(projection);
  for (let offset = 0; offset < RAMP_UP_DAYS; offset += 1) addDay(offset);
  for (let look = 1; look <= spec.looks; look += 1) {
    addDay(lookDayOffset(look));
    const now = lookTime(look);
    const card = scorecardOf(projection, now);
    if (!card) throw new Error('simulated deployment is not registered');
    if (visit(look, card, projection, now) === false) break;
  }
  return projection;
}
