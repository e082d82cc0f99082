import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ALLOWED, summarize, tally } from './ci-summary';
import { allowedToSkipUnderCi } from './requires';

// .ci/run's closing line counts skipped tests, lists each with its reason, and lets a test skip
// under CI only in a file of test/support/ci-allowed-skips.json.

const root = resolve(__dirname, '..', '..');
const KURRENT = 'libs/event-store-kurrentdb/src/kurrentdb-event-store.int.spec.ts';
const collectedFrom = expect.getState().testPath;

const test = (status: string, title: string, ancestorTitles: string[] = []) => ({ status, title, ancestorTitles });
const report = (suites: { file: string; tests: ReturnType<typeof test>[] }[], extra: Record<string, number> = {}, at = root) => ({
  numPassedTests: suites.flatMap((s) => s.tests).filter((t) => t.status === 'passed').length,
  numFailedTests: suites.flatMap((s) => s.tests).filter((t) => t.status === 'failed').length,
  numRuntimeErrorTestSuites: 0,
  ...extra,
  testResults: suites.map((s) => ({ name: join(at, s.file), assertionResults: s.tests })),
});

describe('the CI tally of skipped tests', () => {
  it('counts an allowed skip as skipped, with the allow-list reason', () => {
    const t = tally(report([{ file: KURRENT, tests: [test('pending', 'a'), test('pending', 'b')] }, { file: 'x.unit.spec.ts', tests: [test('passed', 'c')] }]));
    expect(t).toMatchObject({ passed: 1, failed: 0, skipped: 2 });
    expect(t.skippedFiles).toEqual([{ file: KURRENT, count: 2, allowed: true, reason: expect.stringMatching(/^no KurrentDB server can run on these machines/) }]);
  });

  it('counts a skip in any other file as a failure, with the reason its titles give', () => {
    const t = tally(
      report([
        { file: 'deploy/deploy.int.spec.ts', tests: [test('pending', 'kubectl kustomize renders the overlays (skipped without kubectl)'), test('passed', 'ok')] },
        { file: 'test/e2e/pages.e2e.spec.ts', tests: [test('pending', 'shows a page', ['web pages in Chromium (skipped: chromium is not installed)'])] },
        { file: 'test/e2e/other.e2e.spec.ts', tests: [test('todo', 'one day')] },
      ]),
    );
    expect(t).toMatchObject({ passed: 1, failed: 3, skipped: 0 });
    expect(t.skippedFiles.map((s) => [s.file, s.allowed, s.reason])).toEqual([
      ['deploy/deploy.int.spec.ts', false, 'without kubectl'],
      ['test/e2e/pages.e2e.spec.ts', false, 'chromium is not installed'],
      ['test/e2e/other.e2e.spec.ts', false, 'no reason given in its titles'],
    ]);
  });

  it('reads a report from another checkout (the second runtime runs in a clone), and counts files that could not run', () => {
    const t = tally(report([{ file: KURRENT, tests: [test('pending', 'a')] }], { numRuntimeErrorTestSuites: 2 }, '/tmp/lts/repo'), '/tmp/lts/repo');
    expect(t).toMatchObject({ failed: 2, skipped: 1, skippedFiles: [{ file: KURRENT, allowed: true }] });
  });

  it('sums the reports, lists the skipped ones above, and counts a missing report or one with no passing test as a failure', () => {
    const dir = mkdtempSync(join(tmpdir(), 'baseliner-ci-summary-'));
    try {
      writeFileSync(join(dir, 'main.json'), JSON.stringify(report([{ file: KURRENT, tests: [test('pending', 'a')] }, { file: 'a.unit.spec.ts', tests: [test('passed', 'p'), test('failed', 'f')] }])));
      writeFileSync(join(dir, 'empty.json'), JSON.stringify(report([{ file: KURRENT, tests: [test('pending', 'a')] }])));
      const lines: string[] = [];
      const totals = summarize(
        [
          { label: 'main', file: join(dir, 'main.json'), root },
          { label: 'Node LTS unit-int', file: join(dir, 'empty.json'), root },
          { label: 'Node LTS e2e', file: join(dir, 'missing.json'), root },
        ],
        (line: string) => lines.push(line),
      );
      expect(totals).toEqual({ passed: 1, failed: 1 + 1 + 1, skipped: 2 });
      expect(lines).toContain('Node LTS e2e: no report (' + join(dir, 'missing.json') + ')');
      expect(lines).toContain('Skipped (allowed under CI: test/support/ci-allowed-skips.json):');
      expect(lines.filter((l) => l.includes(KURRENT))).toEqual([`  ${KURRENT} (tests skipped: main 1, Node LTS unit-int 1): ${ALLOWED[0]?.reason}`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('describeRequiring under CI', () => {
  it('knows the file being collected, and lets only the allow-listed files skip', () => {
    expect(collectedFrom).toBe(__filename);
    expect(allowedToSkipUnderCi(join(root, KURRENT))).toMatchObject({ file: KURRENT });
    expect(allowedToSkipUnderCi(join(root, 'test/e2e/kafka-intake.e2e.spec.ts'))).toBeUndefined();
    expect(allowedToSkipUnderCi(__filename)).toBeUndefined();
  });
});
