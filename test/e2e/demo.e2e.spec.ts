import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoDirectoryRefusedError, runDemo } from '../../apps/demo/src/demo';
import { exited, onLines, spawnTs } from '../support/run-ts';
import { client } from '../support/test-server';

describe('npm run demo', () => {
  it('shows seven deployments with verdicts — some work, some fail, one judged against a desk not yet live — well within two minutes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baseliner-demo-'));
    const started = Date.now();
    const demo = await runDemo({ port: 0, dataDir: join(dir, 'data'), live: true, liveEveryMs: 200 });
    try {
      const seconds = (Date.now() - started) / 1000;
      expect(seconds).toBeLessThan(120);
      expect(demo.backfilledEvents).toBeGreaterThan(5_000);
      const list = (await client(demo.url, demo.adminToken).get('/v1/deployments')).body as { id: string; verdict?: string }[];
      expect(Object.fromEntries(list.map((d) => [d.id, d.verdict]))).toEqual({
        'doc-review': 'works',
        dispatch: 'failing',
        governance: 'works',
        // Works overall (errors down from 10% to about 5%) but breaks every Tuesday: a warning.
        'invoice-sync': 'works',
        'claims-triage': 'failing',
        'hr-pilot': 'insufficient_data',
        // Rolled out desk by desk: judged against the desk not yet live (difference-in-differences).
        'support-replies': 'works',
      });
      const scorecard = async (id: string) => (await client(demo.url, demo.adminToken).get(`/v1/deployments/${id}/scorecard`)).body;
      const invoices = await scorecard('invoice-sync');
      expect(Object.entries(invoices.weekday.anomaly).filter(([, flagged]) => flagged).map(([day]) => day)).toEqual(['tue']);
      expect(invoices.warnings).toEqual([expect.objectContaining({ kind: 'weekday_pattern', weekday: 'tue', message: expect.stringMatching(/^Tuesdays fail more/) })]);
      expect(invoices.metrics.error_ratio.change.estimate).toBeLessThan(0);
      // Failing for a reason the scorecard names: the errors it moved downstream.
      const support = await scorecard('support-replies');
      expect(support.comparison).toMatchObject({ design: 'difference_in_differences', liveSegments: ['berlin'], comparisonSegments: ['lisbon'] });
      const claims = await scorecard('claims-triage');
      expect(claims.decidedBy).toMatchObject({ metric: 'downstream_error_ratio', status: 'not_met', sentence: expect.stringMatching(/^downstream error ratio \+\d+%/) });
      // Right after the start, every deployment's last event is the live stream's, minutes old at most.
      for (const d of list) expect(Date.now() - Date.parse((await scorecard(d.id)).lastEventAt)).toBeLessThan(120_000);
      // Live events keep arriving after the backfill (ticks every 200 ms here; the SDK sends within 1 s).
      const lastEventAt = async () => Date.parse((await client(demo.url, demo.adminToken).get('/v1/deployments/doc-review/scorecard')).body.lastEventAt);
      const before = await lastEventAt();
      let after = before;
      for (let i = 0; i < 40 && after <= before; i += 1) {
        await new Promise((r) => setTimeout(r, 250));
        after = await lastEventAt();
      }
      expect(after).toBeGreaterThan(before);
    } finally {
      await demo.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});

/** `npm run demo`'s entry in a child process, without a terminal; `until` resolves on the first line matching it. */
function startDemoProcess(dataDir: string) {
  const child = spawnTs('apps/demo/src/main.ts', [], { env: { PORT: '0', BASELINER_DATA_DIR: dataDir } });
  let output = '';
  const waiters: { pattern: RegExp; resolve(): void }[] = [];
  const onLine = (line: string) => {
    output += `${line}\n`;
    for (const waiter of waiters.filter((w) => w.pattern.test(line))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  onLines(child.stdout, onLine);
  onLines(child.stderr, onLine);
  const until = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      waiters.push({ pattern, resolve });
      child.once('exit', () => reject(new Error(`the demo exited before ${pattern}: ${output}`)));
    });
  return { child, until, output: () => output };
}

/** A data directory as it is: each file with its contents. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => [join(entry.parentPath, entry.name).slice(dir.length), readFileSync(join(entry.parentPath, entry.name), 'utf8')]),
  );
}

describe('npm run demo and its data directory', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'baseliner-demo-dir-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('refuses a directory it did not create (a real store) and leaves it as it was; without a terminal it says what to do', async () => {
    const store = join(root, 'store');
    mkdirSync(join(store, 'secrets'), { recursive: true });
    writeFileSync(join(store, 'secrets', 'admin-token'), 'bla_the-real-admin-token\n');
    writeFileSync(join(store, 'events.db'), 'every event\n');
    const before = snapshot(store);

    await expect(runDemo({ port: 0, dataDir: store, live: false })).rejects.toThrow(DemoDirectoryRefusedError);
    expect(snapshot(store)).toEqual(before);

    const demo = startDemoProcess(store);
    expect(await exited(demo.child)).toBe(2);
    expect(demo.output()).toContain(`The demo will not use ${store}: it holds events.db, secrets/ (a Baseliner store`);
    expect(demo.output()).toMatch(/point BASELINER_DATA_DIR at a new or empty directory, or unset it/);
    expect(demo.output()).toContain('The demo did not start.');
    expect(snapshot(store)).toEqual(before);
  }, 60_000);

  it('stops on SIGTERM during the backfill and on Ctrl-C once running, the store closed both times (no WAL, no lock journal); a second run starts its own directory afresh', async () => {
    const dataDir = join(root, 'demo');
    const leftBehind = () => readdirSync(dataDir).filter((f) => /-wal$|-journal$|-shm$/.test(f));

    const first = startDemoProcess(dataDir);
    await first.until(/backfilling/);
    first.child.kill('SIGTERM');
    expect({ status: await exited(first.child), output: first.output() }).toMatchObject({ status: 0 });
    expect(leftBehind()).toEqual([]);
    const firstToken = readFileSync(join(dataDir, 'secrets', 'admin-token'), 'utf8');

    const second = startDemoProcess(dataDir);
    await second.until(/^ {2}Data {17}/);
    second.child.kill('SIGINT');
    expect({ status: await exited(second.child), output: second.output() }).toMatchObject({ status: 0 });
    expect(second.output()).toContain('SIGINT: stopping');
    expect(leftBehind()).toEqual([]);
    expect(readdirSync(dataDir).sort()).toEqual(['.baseliner-demo', 'events.db', 'events.db.lock', 'projector.db', 'secrets']);
    // Fresh data: the second run made its own admin token.
    expect(readFileSync(join(dataDir, 'secrets', 'admin-token'), 'utf8')).not.toBe(firstToken);
  }, 240_000);
});
