import { endRun } from './global-setup';
import * as leftovers from './leftover-processes';


/**
 * Jest's global teardown: stops the shared Kafka broker this run started, then anything else a
 * test started and left running (found by BASELINER_TEST_RUN_DIR in its environment), after 5 s
 * for processes still on their way out. A test that left one is named; under CI the run fails
 * (exit 1).
 */
export default async function globalTeardown(): Promise<void> {
  const runDir = process.env.BASELINER_TEST_RUN_DIR;
  if (!runDir) return;
  const left = await endRun(runDir, 5_000);
  if (left.length === 0) return;
  const message =
    `Tests left ${left.length} process(es) running; the global teardown stopped them (run ${runDir}). ` +
    `A test stops what it starts (afterAll/finally):\n${left.map(leftovers.describeProcess).join('\n')}`;
  process.stderr.write(`\n${message}\n`);
  // Under CI the run fails. Not by throwing: Jest would then skip writing its report (--json),
  // which .ci/run tallies; it keeps an exit code set here.
  if (process.env.CI) process.exitCode = 1;
}
