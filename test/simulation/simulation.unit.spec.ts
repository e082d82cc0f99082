// Fixed-seed statistical checks that keep the method from regressing: a few cells of the
// simulation study (study.ts) at a few hundred deployments, each judged against the study's own
// targets with a slack for Monte Carlo error only. The full report is `npm run simulate`.
//
// Slack: two binomial standard errors at the target, 2·√(t(1−t)/n), for the n deployments the
// share is over. At n = 200:
//   t = 2.5% (false works / false failing)   SE 1.10% → pass if ≤ 4.7%
//   t = 5%   (first verdict, weekday flags)  SE 1.54% → pass if ≤ 8.1%
//   t = 80%  (clear win by day 28, Tuesday)  SE 2.83% → pass if ≥ 74.3%
//   t = 95%  (coverage, adoption)            SE 1.54% → pass if ≥ 91.9%
//   93–97%   (fixed-look coverage)           SE 1.80% / 1.21% → pass if 89.4%–99.4%
//   35–65%   (days-to-verdict, n = the deployments given a prediction, e.g. 150) SE 3.9% → 27.2%–72.8%
// With fixed seeds the outcome is deterministic; the slack only keeps a method that truly meets
// a target from failing on the luck of one small sample.
//
// Speed: the cells run on two worker threads outside Jest's module sandbox (in which the same
// code runs 3–4× slower), loading the TypeScript through ts-node (transpile only). Cells marked
// `slow` run only with SIMULATION_SLOW=1; the rest keep this file within about a minute
// (about 45 s on two cores when written; the two situation cells added later, whole minutes and a
// zero baseline, add about 35 s on an idle machine). SIMULATION_SLOW=1 adds the rest, of which the
// situation cells (a year of looks, four comparison cells) add roughly 10 minutes on two busy
// cores (about 4 idle) — trim there first if CI time matters.
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DAY_VARIATION, DayConditionsProcess, GO_LIVE_DAY, NO_CHANGE_TRUTH, addTaskDay, hashSeed, registeredProjection, Rng } from './generate';
import type { Row } from './study';

const SEED = 20_260_101;
const SLOW = process.env.SIMULATION_SLOW === '1';
// Generous: a test awaits cells queued for both workers since beforeAll (the year of looks alone takes minutes).
const TIMEOUT = 1_200_000;
const WORKERS = 2;

const slack = (target: number, n: number) => 2 * Math.sqrt((target * (1 - target)) / Math.max(1, n));

/** The row against its target with the Monte Carlo slack (shares only; plain numbers are reported, not asserted). */
function withinTarget(row: Row): boolean {
  const t = row.target;
  if (!t || row.unit !== 'share') return true;
  if (Number.isNaN(row.value)) return false;
  if ('atMost' in t) return row.value <= t.atMost + slack(t.atMost, row.n);
  if ('atLeast' in t) return row.value >= t.atLeast - slack(t.atLeast, row.n);
  const [lo, hi] = t.between;
  return row.value >= lo - slack(lo, row.n) && row.value <= hi + slack(hi, row.n);
}

/** The measures that miss their targets beyond the slack (empty = all good). */
const misses = (rows: Row[]) =>
  rows.filter((row) => !withinTarget(row)).map((row) => `${row.cell} · ${row.measure}: ${(row.value * 100).toFixed(1)}% of ${row.n} (target ${JSON.stringify(row.target)})`);

const ROOT = resolve(__dirname, '..', '..');
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { join } = require('node:path');
const req = require('node:module').createRequire(join(workerData.root, 'package.json'));
req('ts-node').register({ transpileOnly: true, project: join(workerData.root, 'tsconfig.json') });
const paths = req('tsconfig-paths');
const config = paths.loadConfig(workerData.root);
paths.register({ baseUrl: config.absoluteBaseUrl, paths: config.paths });
const { runCell } = req(join(workerData.root, 'test/simulation/study.ts'));
parentPort.on('message', (job) => parentPort.postMessage(runCell(job.cell, job.seed, job.deployments)));
`;

/** Runs cells on worker threads, in the order asked, two at a time. */
class CellPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: (() => void)[] = [];

  constructor(size: number) {
    for (let i = 0; i < size; i += 1) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { root: ROOT } });
      this.all.push(worker);
      this.idle.push(worker);
    }
  }

  run(cell: string, deployments: number): Promise<Row[]> {
    return new Promise<Row[]>((resolveRows, reject) => {
      const start = () => {
        const worker = this.idle.pop() as Worker;
        const done = () => {
          worker.off('message', onMessage);
          worker.off('error', onError);
          this.idle.push(worker);
          this.queue.shift()?.();
        };
        const onMessage = (rows: Row[]) => {
          done();
          resolveRows(rows);
        };
        const onError = (error: unknown) => {
          done();
          reject(error);
        };
        worker.on('message', onMessage);
        worker.once('error', onError);
        worker.postMessage({ cell, seed: SEED, deployments });
      };
      if (this.idle.length > 0) start();
      else this.queue.push(start);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}

describe('simulation generators', () => {
  const moments = (draw: () => number, n: number) => {
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < n; i += 1) {
      const x = draw();
      sum += x;
      squares += x * x;
    }
    const mean = sum / n;
    return { mean, variance: (squares - n * mean * mean) / (n - 1) };
  };

  it('normal, gamma and beta draws have the right mean and variance', () => {
    const rng = new Rng(hashSeed(SEED, 'variates'));
    const normal = moments(() => rng.normal(), 100_000);
    expect(normal.mean).toBeCloseTo(0, 1);
    expect(normal.variance).toBeCloseTo(1, 1);
    const gamma = moments(() => rng.gamma(5), 100_000); // mean 5, variance 5
    expect(gamma.mean).toBeCloseTo(5, 1);
    expect(gamma.variance).toBeCloseTo(5, 0);
    const small = moments(() => rng.gamma(0.5), 100_000); // shape < 1 goes through the boost
    expect(small.mean).toBeCloseTo(0.5, 1);
    const beta = moments(() => rng.betaMeanConcentration(0.1, 100), 100_000); // κ = 100: variance p(1−p)/(κ+1)
    expect(beta.mean).toBeCloseTo(0.1, 3);
    expect(beta.variance / ((0.1 * 0.9) / 101)).toBeCloseTo(1, 1);
  });

  it('binomial draws follow the exact pmf for small n and the right moments for large n', () => {
    const rng = new Rng(hashSeed(SEED, 'binomial'));
    const n = 200_000;
    const counts = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < n; i += 1) {
      const k = rng.binomial(5, 0.1);
      counts[k] = (counts[k] as number) + 1;
    }
    const pmf = [0.59049, 0.32805, 0.0729, 0.0081, 0.00045, 0.00001];
    counts.forEach((c, k) => expect(Math.abs(c / n - (pmf[k] as number))).toBeLessThan(4 * Math.sqrt(((pmf[k] as number) * (1 - (pmf[k] as number))) / n) + 1e-5));
    for (const [trials, p] of [
      [2000, 0.1],
      [2000, 0.5],
      [3000, 0.999],
    ] as const) {
      const m = moments(() => rng.binomial(trials, p), 20_000);
      expect(Math.abs(m.mean - trials * p)).toBeLessThan(4 * Math.sqrt((trials * p * (1 - p)) / 20_000));
      expect(m.variance / (trials * p * (1 - p))).toBeCloseTo(1, 1);
    }
  });

  it('poisson draws have mean and variance equal to the mean, small and large', () => {
    const rng = new Rng(hashSeed(SEED, 'poisson'));
    for (const mean of [0.3, 4, 150]) {
      const m = moments(() => rng.poisson(mean), 50_000);
      expect(Math.abs(m.mean - mean)).toBeLessThan(4 * Math.sqrt(mean / 50_000));
      expect(m.variance / mean).toBeCloseTo(1, 1);
    }
  });

  it('AR(1) day conditions keep the marginal spread and have lag-1 correlation ρ', () => {
    for (const rho of [0.5, 0.8]) {
      const process = new DayConditionsProcess(new Rng(hashSeed(SEED, 'ar1', rho)), DAY_VARIATION, rho);
      const shifts = Array.from({ length: 50_000 }, () => process.next(NO_CHANGE_TRUTH).durationShift);
      const mean = shifts.reduce((a, b) => a + b, 0) / shifts.length;
      const variance = shifts.reduce((a, x) => a + (x - mean) ** 2, 0) / shifts.length;
      let lagged = 0;
      for (let i = 1; i < shifts.length; i += 1) lagged += ((shifts[i] as number) - mean) * ((shifts[i - 1] as number) - mean);
      expect(Math.sqrt(variance)).toBeCloseTo(DAY_VARIATION.durationShiftSd, 2);
      expect(lagged / (shifts.length - 1) / variance).toBeCloseTo(rho, 1);
    }
  });

  it("the fast path writes a segment's tasks into the day and into the segment's day alike", () => {
    const projection = registeredProjection({ id: 'fast-path', criteria: [{ metric: 'error_ratio', relativeChange: 0 }] });
    const rng = new Rng(hashSeed(SEED, 'fast-path'));
    const truth = { ...NO_CHANGE_TRUTH, escalationsPerTask: 1.5, downstreamErrorRate: 0.2 };
    const conditions = { durationShift: 0, costShift: 0, errorRate: 0.1, escalationRate: 1.5, downstreamErrorRate: 0.2 };
    addTaskDay(projection, rng, 3, 'ai', 40, truth, conditions, { segment: 'team-a', durationUnit: 60 });
    addTaskDay(projection, rng, 3, 'ai', 25, truth, conditions, { segment: 'team-b' });
    const day = projection.days[GO_LIVE_DAY + 3];
    const a = projection.segmentDays?.['team-a']?.[GO_LIVE_DAY + 3]?.ai;
    const b = projection.segmentDays?.['team-b']?.[GO_LIVE_DAY + 3]?.ai;
    expect(day?.modes.ai?.tasks).toBe(65);
    expect(a?.tasks).toBe(40);
    expect(b?.tasks).toBe(25);
    expect((a?.error ?? 0) + (b?.error ?? 0)).toBe(day?.modes.ai?.error);
    expect((a?.costSum ?? 0) + (b?.costSum ?? 0)).toBeCloseTo(day?.modes.ai?.costSum ?? Number.NaN, 9);
    expect((a?.durations.count ?? 0) + (b?.durations.count ?? 0)).toBe(day?.modes.ai?.durations.count);
    expect((a?.durations.sum ?? 0) % 60).toBe(0); // whole minutes
    expect(day?.operatorEscalations).toBeGreaterThan(0);
    expect(day?.downstreamErrors).toBeGreaterThan(0);
  });
});

interface Case {
  title: string;
  cells: string[];
  deployments: number;
  slow?: boolean;
}

const CASES: Case[] = [
  { title: 'A first-verdict: truth on the threshold, at most 5% ever reach works or failing in 60 daily looks', cells: ['first-verdict'], deployments: 200 },
  { title: 'B/C no change at 20 tasks/day: false works/failing ≤ 2.5% per criterion and verdict; intervals cover the truth', cells: ['no-change-sizes/20'], deployments: 200 },
  { title: 'D clear win: works within 28 days after ramp-up in ≥ 80%, failing (wrongly) in ≤ 2.5%', cells: ['clear-win'], deployments: 200 },
  { title: 'F weekday-null: no weekday flagged in ≥ 95% of deployments over 60 looks', cells: ['weekday-null'], deployments: 200 },
  { title: 'E adoption: ≤ 1 verdict change in ≥ 95% of deployments, never failing in ≥ 95%', cells: ['adoption'], deployments: 200 },
  { title: 'B/C no change at 5 tasks/day', cells: ['no-change-sizes/5'], deployments: 200, slow: true },
  { title: 'B/C no change at 100 tasks/day', cells: ['no-change-sizes/100'], deployments: 200, slow: true },
  { title: 'B/C no change at 500 tasks/day (day-to-day variation dominates)', cells: ['no-change-sizes/500'], deployments: 200, slow: true },
  { title: 'F weekday-golive-drop: errors halving at go-live flag no weekday in ≥ 95%', cells: ['weekday-golive-drop'], deployments: 200, slow: true },
  // The 20 tasks/day cell misses its 28-day target by design (docs/statistics.md explains
  // why no test can meet it and the false-alarm target together); this guards the detector's power.
  { title: 'G weekday-effect/50: a 3× Tuesday at 50 tasks/day is found within 60 days in ≥ 95%, no other day in ≥ 95%', cells: ['weekday-effect/50'], deployments: 200, slow: true },
  { title: 'H days-to-verdict (p50 criterion) at 20 and 100 tasks/day: 35–65% conclusive by the predicted day', cells: ['days-to-verdict/20', 'days-to-verdict/100'], deployments: 200, slow: true },
  // Situations (situations.ts) that meet their targets at this seed. Cells that still miss one
  // (busy season and mix shift before/after: a verdict before the shift warning; AR(1) days) are
  // reported by npm run simulate and not asserted here; see docs/statistics.md, "Simulation study".
  { title: 'Whole-minute durations, no change, p50 rc 0: a wrong verdict in ≤ 5%', cells: ['minutes/no-change'], deployments: 200 },
  { title: 'Zero baseline: downstream errors 0% → 20% against rc 0 are failing within 28 days in ≥ 95%', cells: ['downstream/zero-baseline'], deployments: 200 },
  { title: 'Whole-minute durations, AI 5% slower: works (wrongly) in ≤ 2.5%', cells: ['minutes/slower'], deployments: 200, slow: true },
  { title: 'Escalations 1.5 → 0.8 per task against rc −0.2: works within 28 days in ≥ 80%, failing in ≤ 2.5%', cells: ['escalations/1.5-to-0.8'], deployments: 200, slow: true },
  {
    title: 'Adoption rules: 18 of 20 declared users active every week meet ≥ 60% at look 28 in ≥ 95%; undeclared users at 50% never works in ≥ 95%',
    cells: ['adoption/declared-18-of-20', 'adoption/undeclared-50'],
    deployments: 200,
    slow: true,
  },
  { title: 'A year of daily looks (365), no change: a wrong verdict in ≤ 5%', cells: ['year/no-change'], deployments: 200, slow: true },
  {
    title: 'Comparison segment, no effect (season, trend, mix shift in both segments): a wrong works/failing in ≤ 5%',
    cells: ['comparison/season', 'comparison/trend', 'comparison/mix-shift'],
    deployments: 200,
    slow: true,
  },
  { title: 'Comparison segment, a true effect under a season: works within 28 days in ≥ 80%', cells: ['comparison/effect-in-season'], deployments: 200, slow: true },
  { title: 'Weekday detector, no weekday effect, at 100 / 500 / 2,000 tasks/day: warned in ≤ 5%', cells: ['weekday-null/100', 'weekday-null/500', 'weekday-null/2000'], deployments: 200, slow: true },
  { title: 'Quiet season from go-live, before/after: a decisive verdict without a shift warning in ≤ 10%', cells: ['season/quiet'], deployments: 200, slow: true },
  {
    title: 'Busy season and re-routed work (mix shift) from go-live, before/after: a decisive verdict without a shift warning in ≤ 10%',
    cells: ['season/busy', 'mix-shift'],
    deployments: 200,
    slow: true,
  },
];

describe('simulation study (fixed seed, targets with Monte Carlo slack)', () => {
  let pool: CellPool | undefined;
  const results = new Map<string, Promise<Row[]>>();

  beforeAll(() => {
    const enabled = CASES.filter((c) => SLOW || !c.slow);
    pool = new CellPool(WORKERS);
    // All cells are queued now, so both workers stay busy while the tests await in turn.
    for (const c of enabled) for (const cell of c.cells) results.set(cell, pool.run(cell, c.deployments));
    // A rejection is reported by the test that awaits it; keep Node from calling it unhandled meanwhile.
    for (const p of results.values()) p.catch(() => undefined);
  });

  afterAll(async () => {
    await pool?.close();
  });

  for (const c of CASES) {
    (c.slow && !SLOW ? it.skip : it)(
      c.title,
      async () => {
        const rows = (await Promise.all(c.cells.map((cell) => results.get(cell) as Promise<Row[]>))).flat();
        expect(rows.length).toBeGreaterThan(0);
        expect(misses(rows)).toEqual([]);
      },
      TIMEOUT,
    );
  }
});
