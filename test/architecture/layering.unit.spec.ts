import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/*
 * The layering rules (.dependency-cruiser.js, run by `npm run lint`) catch what they are for:
 * probe files written into libs/domain (a pure library importing a driver and a higher layer, and
 * two files importing each other) are reported under the rules' names, and the rest of the tree
 * passes. The probes are valid TypeScript, so a type check running meanwhile is not disturbed,
 * and they are removed however the test ends.
 */

const repoRoot = resolve(__dirname, '..', '..');
const depcruise = join(repoRoot, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
/** What `npm run lint:layers` checks. */
const CHECKED = ['apps', 'libs', 'test', 'dashboards', 'deploy'];

const probeDir = 'libs/domain/src';
const probe = (name: string) => `${probeDir}/layering-probe-${process.pid}-${name}.ts`;
const PROBES: Record<string, string> = {
  [probe('imports')]: ["import type { Pool } from 'pg';", "import type { ProjectorService } from '@baseliner/projector';", 'export type Probe = [Pool, ProjectorService];', ''].join('\n'),
  [probe('cycle-a')]: [`import type { B } from './layering-probe-${process.pid}-cycle-b';`, 'export interface A { b?: B }', ''].join('\n'),
  [probe('cycle-b')]: [`import type { A } from './layering-probe-${process.pid}-cycle-a';`, 'export interface B { a?: A }', ''].join('\n'),
};
const isProbe = (path: string) => path in PROBES;

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
}

const removeProbes = () => {
  for (const path of Object.keys(PROBES)) rmSync(join(repoRoot, path), { force: true });
};

/** dependency-cruiser's violations over the tree; it exits non-zero when there are any. */
async function cruise(): Promise<Violation[]> {
  const args = [depcruise, '--config', '.dependency-cruiser.js', '--output-type', 'json', ...CHECKED];
  const options = { cwd: repoRoot, maxBuffer: 512 * 1024 * 1024 };
  const stdout = await promisify(execFile)(process.execPath, args, options).then(
    (done) => done.stdout,
    (failed: { stdout?: string; stderr?: string; message: string }) => {
      if (!failed.stdout) throw new Error(`dependency-cruiser failed: ${failed.stderr || failed.message}`);
      return failed.stdout;
    },
  );
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('layering, enforced (dependency-cruiser)', () => {
  let violations: Violation[];

  beforeAll(async () => {
    try {
      for (const [path, text] of Object.entries(PROBES)) writeFileSync(join(repoRoot, path), text);
      violations = await cruise();
    } finally {
      removeProbes();
    }
  }, 180_000);

  afterAll(removeProbes);

  it('reports a pure library importing a driver or a higher layer, under the layer rule', () => {
    const imports = violations.filter((v) => v.from === probe('imports')).map((v) => ({ rule: v.rule.name, to: v.to }));
    expect(imports).toEqual(
      expect.arrayContaining([
        { rule: 'domain', to: expect.stringMatching(/^node_modules\/pg\//) },
        { rule: 'domain', to: 'libs/projector/src/index.ts' },
      ]),
    );
    expect(imports).toHaveLength(2);
  });

  it('reports an import cycle between two files, under no-circular', () => {
    // A cycle is reported once, from the file where the cruise met it first.
    const cycles = violations.filter((v) => v.rule.name === 'no-circular' && isProbe(v.from)).map((v) => [v.from, v.to].sort());
    expect(cycles).toEqual([[probe('cycle-a'), probe('cycle-b')]]);
  });

  it('finds nothing else in the tree', () => {
    const others = violations.filter((v) => !isProbe(v.from) && !isProbe(v.to)).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(others).toEqual([]);
  });
});
