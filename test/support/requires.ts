import { relative, resolve } from 'node:path';
import allowList from './ci-allowed-skips.json';

const repoRoot = resolve(__dirname, '..', '..');

/**
 * The allow-list entry of a test file (default: the one being collected) if it is one of the
 * files that may skip under CI, else undefined.
 */
export function allowedToSkipUnderCi(testPath = expect.getState().testPath): { file: string; reason: string } | undefined {
  if (!testPath) return undefined;
  const file = relative(repoRoot, testPath);
  return allowList.suites.find((suite) => suite.file === file);
}

/**
 * A describe that needs a service or tool: defined when `reason` is undefined; otherwise skipped
 * with the reason printed, and under CI (where the service is part of the build) one failing
 * test that says what is missing, unless the file is one of those allowed to skip under CI
 * (test/support/ci-allowed-skips.json: a service these machines cannot run).
 */
export function describeRequiring(name: string, reason: string | undefined, needs: string, body: () => void): void {
  if (!reason) return describe(name, body);
  if (process.env.CI && !allowedToSkipUnderCi()) {
    return describe(name, () => {
      it(`needs ${needs}, which CI provides`, () => {
        throw new Error(reason);
      });
    });
  }
  // Straight to stderr: Jest's default reporter drops the console output of a file whose tests are
  // all skipped when it runs more than one file. .ci/run lists the skip with its reason at the end.
  process.stderr.write(`\n${name}: skipped: ${reason}\n`);
  describe.skip(`${name} (skipped: ${reason})`, body);
}
