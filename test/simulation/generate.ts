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
  segmentDayOf,
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

  /** Poisson(mean), exact: the same inversion from the mode outwards as `binomial`. */
  poisson(mean: number): number {
    if (!(mean > 0)) return 0;
    const mode = Math.floor(mean);
    const pmfMode = Math.exp(mode * Math.log(mean) - mean - logGamma(mode + 1));
    let u = this.next() - pmfMode;
    if (u < 0) return mode;
    let lo = mode;
    let pmfLo = pmfMode;
    let hi = mode;
    let pmfHi = pmfMode;
    for (;;) {
      pmfHi *= mean / (hi + 1);
      hi += 1;
      u -= pmfHi;
      if (u < 0) return hi;
      if (lo > 0) {
        pmfLo *= lo / mean;
        lo -= 1;
        u -= pmfLo;
        if (u < 0) return lo;
      } else if (pmfHi < 1e-300) {
        return mode; // only reached through rounding
      }
    }
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
  /**
   * Escalations per task (operator escalations; may exceed 1) and downstream errors per task.
   * Absent: none are simulated, and no random numbers are drawn for them.
   */
  escalationsPerTask?: number;
  downstreamErrorRate?: number;
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
  /** The day's escalations per task and downstream error probability, when the truth has them. */
  escalationRate?: number;
  downstreamErrorRate?: number;
}

/** The optional per-day rates: escalations per task ~ Gamma with CV 1/√κ, downstream errors ~ Beta(κ). */
function drawExtraRates(rng: Rng, truth: Truth, variation: Variation): Pick<DayConditions, 'escalationRate' | 'downstreamErrorRate'> {
  const extra: Pick<DayConditions, 'escalationRate' | 'downstreamErrorRate'> = {};
  if (truth.escalationsPerTask !== undefined) {
    const kappa = variation.errorKappa;
    extra.escalationRate = Number.isFinite(kappa) && truth.escalationsPerTask > 0 ? (truth.escalationsPerTask * rng.gamma(kappa)) / kappa : truth.escalationsPerTask;
  }
  if (truth.downstreamErrorRate !== undefined) extra.downstreamErrorRate = rng.betaMeanConcentration(truth.downstreamErrorRate, variation.errorKappa);
  return extra;
}

export function drawDayConditions(rng: Rng, truth: Truth, variation: Variation): DayConditions {
  return {
    durationShift: variation.durationShiftSd * rng.normal(),
    costShift: variation.costShiftSd * rng.normal(),
    errorRate: rng.betaMeanConcentration(truth.errorRate, variation.errorKappa),
    ...drawExtraRates(rng, truth, variation),
  };
}

/**
 * Day conditions that persist: AR(1) with correlation ρ from one day to the next, same marginal
 * spread as `drawDayConditions` for the shifts. Three latent standard normals z follow
 * z_d = ρ·z_{d−1} + √(1−ρ²)·ε_d (started from their stationary N(0, 1)); the duration and cost
 * shifts are σ·z, the error probability is logit-normal, logit p_d = logit p + s·z with
 * s = 1/√(p(1−p)(κ+1)), the delta-method match of Beta(pκ, (1−p)κ)'s spread. ρ = 0 draws exactly
 * what `drawDayConditions` draws. Stationary, so a deployment whose truth does not change has
 * the same expected conditions before and after go-live.
 */
export class DayConditionsProcess {
  private readonly state: [number, number, number];

  constructor(
    private readonly rng: Rng,
    private readonly variation: Variation,
    private readonly rho: number,
  ) {
    this.state = rho > 0 ? [rng.normal(), rng.normal(), rng.normal()] : [0, 0, 0];
  }

  next(truth: Truth): DayConditions {
    const { rng, variation, rho } = this;
    if (!(rho > 0)) return drawDayConditions(rng, truth, variation);
    const innovation = Math.sqrt(1 - rho * rho);
    for (let i = 0; i < 3; i += 1) this.state[i] = rho * (this.state[i] as number) + innovation * rng.normal();
    const [zd, zc, ze] = this.state;
    const p = truth.errorRate;
    let errorRate = p;
    if (p > 0 && p < 1 && Number.isFinite(variation.errorKappa)) {
      const s = 1 / Math.sqrt(p * (1 - p) * (variation.errorKappa + 1));
      errorRate = 1 / (1 + Math.exp(-(Math.log(p / (1 - p)) + s * ze)));
    }
    return { durationShift: variation.durationShiftSd * zd, costShift: variation.costShiftSd * zc, errorRate, ...drawExtraRates(rng, truth, variation) };
  }
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

/** Go-live at GO_LIVE_MS; with `segments`, only those go live (a staggered go-live's first wave). */
export function goLive(projection: DeploymentProjection, segments?: string[]): void {
  const at = new Date(GO_LIVE_MS).toISOString();
  applyLifecycleEvent(projection, { type: 'WentLive', data: { at, recordedAt: at, ...(segments && { segments }) } });
}

function dayBucket(projection: DeploymentProjection, day: number): DayBucket {
  return (projection.days[day] ??= emptyDay());
}

export interface TaskDayOptions {
  /** The tasks' `data.segment`: counted in `projection.segmentDays[segment]` too, as the projector does. */
  segment?: string;
  /** Durations are logged rounded to a multiple of this many seconds (60: whole minutes). */
  durationUnit?: number;
}

/**
 * Fast path: `tasks` tasks of `mode` on the day `offset` days from go-live, written straight
 * into the day bucket as the projector would have folded one task.completed event each
 * (counts, duration sketch, cost sums), without building events. Events happen 08:00–17:00 UTC.
 * With a segment the same counts, sketch and costs go into the segment's day as well
 * (`segmentDayOf`, as `applyTelemetryEvent` does for a task naming `data.segment`). Escalations
 * (Poisson) and downstream errors (binomial), when the conditions carry their rates, go to the
 * day bucket, which counts them without mode or segment.
 */
export function addTaskDay(
  projection: DeploymentProjection,
  rng: Rng,
  offset: number,
  mode: TaskMode,
  tasks: number,
  truth: Truth,
  conditions: DayConditions,
  options: TaskDayOptions = {},
): void {
  const day = GO_LIVE_DAY + offset;
  const bucket = dayBucket(projection, day);
  const modeDay = (bucket.modes[mode] ??= emptyModeDay());
  const segmentModeDay = options.segment === undefined ? undefined : (segmentDayOf(projection, options.segment, day)[mode] ??= emptyModeDay());
  const unit = options.durationUnit;
  const logMedian = Math.log(truth.durationMedian) + conditions.durationShift;
  const costScale = truth.costMedian * Math.exp(conditions.costShift);
  let costSum = 0;
  let costSumOfSquares = 0;
  for (let i = 0; i < tasks; i += 1) {
    let duration = Math.exp(logMedian + DURATION_LOG_SD * rng.normal());
    if (unit !== undefined) duration = Math.round(duration / unit) * unit;
    addToSketch(modeDay.durations, duration);
    if (segmentModeDay) addToSketch(segmentModeDay.durations, duration);
    const cost = costScale * Math.exp(COST_LOG_SD * rng.normal());
    costSum += cost;
    costSumOfSquares += cost * cost;
  }
  const errors = rng.binomial(tasks, conditions.errorRate);
  for (const target of segmentModeDay ? [modeDay, segmentModeDay] : [modeDay]) {
    target.tasks += tasks;
    target.error += errors;
    target.success += tasks - errors;
    target.costCount += tasks;
    target.costSum += costSum;
    target.costSumOfSquares += costSumOfSquares;
  }
  let otherEvents = 0;
  if (conditions.escalationRate !== undefined) {
    const escalations = rng.poisson(tasks * conditions.escalationRate);
    bucket.operatorEscalations += escalations;
    otherEvents += escalations;
  }
  if (conditions.downstreamErrorRate !== undefined) {
    const downstream = rng.binomial(tasks, conditions.downstreamErrorRate);
    bucket.downstreamErrors += downstream;
    otherEvents += downstream;
  }
  if (tasks > 0) {
    projection.events += tasks + otherEvents;
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
  /** Probability that a user uses the AI on a given day (per user: user index 0 … users − 1). */
  dailyUseProbability: number | ((user: number) => number);
  /** Declare `users` as the deployment's eligible users (default); false: Baseliner counts them from the actors it sees. */
  declareEligible?: boolean;
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
  const projection = registeredProjection({ id: spec.id, criteria: spec.criteria, ...(spec.declareEligible !== false && { eligibleUsers: spec.users }) });
  const useProbability = spec.dailyUseProbability;
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
      const used = rng.uniform() < (typeof useProbability === 'number' ? useProbability : useProbability(user));
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

// ---------------------------------------------------------------------------------------------
// Scenarios (situations.ts): several streams of work, segments, persistent conditions

/** A value fixed for the whole run, or one per day offset from go-live. */
export type ByDay<T> = T | ((offset: number) => T);
const onDay = <T>(value: ByDay<T>, offset: number): T => (typeof value === 'function' ? (value as (offset: number) => T)(offset) : value);

/**
 * One stream of work: tasks of one kind, optionally naming a segment. Before go-live it is
 * manual work with the `before` truth; from go-live on it is AI work with the `after` truth if
 * its segment goes live (or the whole deployment does), else it stays manual (`after` is then
 * the comparison segment's own truth, season and all). Each stream draws its own day conditions.
 */
export interface Stream {
  segment?: string;
  tasks: ByDay<number>;
  before: ByDay<Truth>;
  after: ByDay<Truth>;
}

export interface ScenarioSpec {
  id: string;
  criteria: Criterion[];
  streams: Stream[];
  variation: Variation;
  /** AR(1) correlation of each stream's day conditions from one day to the next (0: independent days). */
  correlation?: number;
  /** Durations logged rounded to this many seconds. */
  durationUnit?: number;
  /** Go-live names these segments (a staggered go-live); absent: the whole deployment goes live. */
  liveSegments?: string[];
  looks: number;
}

/**
 * Like `runTaskDeployment`, for several streams: 28 baseline days, go-live (of `liveSegments`
 * only, when given), 7 ramp-up days, then one day and one scorecard per look.
 */
export function runScenario(
  spec: ScenarioSpec,
  seed: number,
  visit: (look: number, card: Scorecard, projection: DeploymentProjection, now: Date) => boolean | void,
): DeploymentProjection {
  const rng = new Rng(seed);
  const projection = registeredProjection({ id: spec.id, criteria: spec.criteria });
  const processes = spec.streams.map(() => new DayConditionsProcess(rng, spec.variation, spec.correlation ?? 0));
  const goesLive = (stream: Stream) => !spec.liveSegments || (stream.segment !== undefined && spec.liveSegments.includes(stream.segment));
  const addDay = (offset: number) =>
    spec.streams.forEach((stream, i) => {
      const live = offset >= 0 && goesLive(stream);
      const truth = onDay(offset < 0 ? stream.before : stream.after, offset);
      const conditions = (processes[i] as DayConditionsProcess).next(truth);
      addTaskDay(projection, rng, offset, live ? 'ai' : 'manual', onDay(stream.tasks, offset), truth, conditions, {
        ...(stream.segment !== undefined && { segment: stream.segment }),
        ...(spec.durationUnit !== undefined && { durationUnit: spec.durationUnit }),
      });
    });
  for (let offset = -BASELINE_DAYS; offset < 0; offset += 1) addDay(offset);
  goLive(projection, spec.liveSegments);
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
