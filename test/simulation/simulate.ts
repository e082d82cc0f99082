// npm run simulate — the simulation study: simulated deployments of known truth through the real
// analytics (day buckets → scorecard once a day at 18:00 UTC over 60 days after ramp-up), and a
// markdown table of error rates, coverages and calibration against their targets. A report, not
// a timed test; the fixed-seed regression checks live in simulation.unit.spec.ts.
//
//   node dist/test/simulation/simulate.js [--deployments N] [--seed S] [--cells a,b] [--workers W]
//
// --deployments: per cell (default 1000; a size listed in study.ts SIZE_CAP runs fewer, and says so).
// --cells: cell names or tags (first-verdict, no-change-sizes, coverage, no-change-sizes/100,
//   clear-win, adoption, weekday-null, weekday-golive-drop, weekday-effect, days-to-verdict, …).
// --workers: worker threads per cell (default 2, at most the CPUs; 0 = in this thread).
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { cellNamed, CELLS, passes, selectCells, simulateRange, type Cell, type Outcome, type Row, type Target } from './study';

interface Job {
  cell: string;
  seed: number;
  from: number;
  to: number;
}

/** Deployments per job handed to a worker: small enough to balance two workers, large enough to be cheap to ship. */
const CHUNK = 25;

function parseArgs(argv: string[]): { deployments: number; seed: number; cells?: string[]; workers: number } {
  const options = { deployments: 1000, seed: 1, workers: Math.min(2, availableParallelism()) } as { deployments: number; seed: number; cells?: string[]; workers: number };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=') ? (arg.split('=', 2) as [string, string]) : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[(i += 1)];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const integer = (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a non-negative integer, got ${v}`);
      return n;
    };
    switch (flag) {
      case '--deployments':
        options.deployments = integer(value());
        break;
      case '--seed':
        options.seed = integer(value());
        break;
      case '--cells':
        options.cells = value()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        break;
      case '--workers':
        options.workers = integer(value());
        break;
      case '--help':
      case '-h':
        console.log('node dist/test/simulation/simulate.js [--deployments N] [--seed S] [--cells a,b] [--workers W]');
        console.log(`cells: ${CELLS.map((c) => `${c.name}${c.tags.length ? ` (${c.tags.join(', ')})` : ''}`).join('; ')}`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${arg}`);
    }
  }
  return options;
}

/** Runs a cell's deployments on a pool of workers (or in this thread), outcomes in deployment order. */
class Pool {
  private readonly workers: Worker[];

  constructor(size: number) {
    this.workers = Array.from({ length: size }, () => new Worker(__filename));
  }

  async run(cell: Cell, seed: number, deployments: number): Promise<Outcome[]> {
    if (this.workers.length === 0) return simulateRange(cell, seed, 0, deployments);
    const jobs: Job[] = [];
    for (let from = 0; from < deployments; from += CHUNK) jobs.push({ cell: cell.name, seed, from, to: Math.min(deployments, from + CHUNK) });
    const results: Outcome[][] = [];
    let next = 0;
    const drive = (worker: Worker) =>
      new Promise<void>((resolve, reject) => {
        let current = -1;
        const send = () => {
          if (next >= jobs.length) {
            worker.off('message', onMessage);
            worker.off('error', reject);
            resolve();
            return;
          }
          current = next;
          next += 1;
          worker.postMessage(jobs[current]);
        };
        const onMessage = (outcomes: Outcome[]) => {
          results[current] = outcomes;
          send();
        };
        worker.on('message', onMessage);
        worker.once('error', reject);
        send();
      });
    await Promise.all(this.workers.map(drive));
    return results.flat();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function formatTarget(target: Target | undefined, unit: Row['unit']): string {
  if (!target) return '';
  const f = (x: number) => formatValue(x, unit);
  if ('atMost' in target) return `≤ ${f(target.atMost)}`;
  if ('atLeast' in target) return `≥ ${f(target.atLeast)}`;
  return `${f(target.between[0])}–${f(target.between[1])}`;
}

function formatValue(value: number, unit: Row['unit']): string {
  if (Number.isNaN(value)) return 'n/a';
  if (value === Infinity) return '∞';
  if (unit === 'share') return `${(value * 100).toFixed(1)}%`;
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const cells = selectCells(options.cells);
  const pool = new Pool(options.workers);
  const started = Date.now();
  console.log(`# Simulation study\n`);
  console.log(
    `seed ${options.seed}, ${options.deployments} deployments per cell requested, ${options.workers} worker thread(s), node ${process.version}; ` +
      `looks: daily at 18:00 UTC for 60 days after a 7-day ramp-up; single look = day 28 after ramp-up.\n`,
  );
  const rows: Row[] = [];
  const timings: { cell: string; deployments: number; ms: number }[] = [];
  try {
    for (const cell of cells) {
      const deployments = cell.deploymentsFor(options.deployments);
      const t0 = Date.now();
      const outcomes = await pool.run(cell, options.seed, deployments);
      timings.push({ cell: cell.name, deployments, ms: Date.now() - t0 });
      rows.push(...cell.summarise(outcomes));
      process.stderr.write(`${cell.name}: ${deployments} deployments in ${seconds(Date.now() - t0)}\n`);
    }
  } finally {
    await pool.close();
  }

  console.log('| cell | measure | value | n | target | pass |');
  console.log('|---|---|---:|---:|---|---|');
  for (const row of rows) {
    const pass = passes(row);
    const verdict = pass === undefined ? '' : pass ? 'pass' : '**FAIL**';
    const note = row.note ? ` (${row.note})` : '';
    console.log(`| ${row.cell} | ${row.measure}${note} | ${formatValue(row.value, row.unit)} | ${row.n} | ${formatTarget(row.target, row.unit)} | ${verdict} |`);
  }
  const judged = rows.filter((r) => passes(r) !== undefined);
  console.log(`\n${judged.filter((r) => passes(r)).length} of ${judged.length} targets met.\n`);
  console.log('| cell | deployments | wall time |');
  console.log('|---|---:|---:|');
  for (const t of timings) console.log(`| ${t.cell} | ${t.deployments} | ${seconds(t.ms)} |`);
  console.log(`\nTotal wall time ${seconds(Date.now() - started)}.`);
  console.log('\nCells:');
  for (const cell of cells) console.log(`- ${cell.name}: ${cell.description}`);
}

if (isMainThread) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
} else {
  parentPort?.on('message', (job: Job) => {
    parentPort?.postMessage(simulateRange(cellNamed(job.cell), job.seed, job.from, job.to));
  });
}
