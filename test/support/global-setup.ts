import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as leftovers from './leftover-processes';

/*
 * Jest's global setup (jest.config.js): one directory per test run, named in the environment as
 * BASELINER_TEST_RUN_DIR. The workers inherit it, and so does every process a test starts, which
 * is how the global teardown finds what is still running at the end (test/support/leftover-processes.js).
 * The shared Kafka broker (test/support/kafka.ts) lives in it, started when a suite first needs
 * it and stopped by the teardown.
 */


export const RUN_PREFIX = 'baseliner-jest-run-';
const repoRoot = resolve(__dirname, '..', '..');

const running = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Stops what a run started (its shared broker, then anything else marked with its directory) and removes the directory. */
export async function endRun(runDir: string, graceMs: number): Promise<{ pid: number; ppid: number; command: string }[]> {
  if (existsSync(join(runDir, 'kafka'))) {
    await promisify(execFile)(resolve(repoRoot, 'deploy/kafka/kafka-down.sh'), ['--dir', join(runDir, 'kafka')], { timeout: 60_000 }).catch(() => undefined);
  }
  const mark = `BASELINER_TEST_RUN_DIR=${runDir}`;
  const left = await leftovers.settle(mark, graceMs);
  if (left.length > 0) await leftovers.stopProcesses(left);
  rmSync(runDir, { recursive: true, force: true });
  return left;
}

export default async function globalSetup(): Promise<void> {
  // A run that was interrupted (Ctrl-C) never reached its teardown: end what it left, once its Jest is gone.
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith(RUN_PREFIX))) {
    const dir = join(tmpdir(), name);
    try {
      const owner = Number(existsSync(join(dir, 'owner')) ? readFileSync(join(dir, 'owner'), 'utf8') : NaN);
      if (Number.isInteger(owner) ? running(owner) : Date.now() - statSync(dir).mtimeMs < 60_000) continue; // alive, or just being made
      const left = await endRun(dir, 0);
      if (left.length > 0) {
        process.stderr.write(`\nStopped what an interrupted test run left running (${dir}):\n${left.map(leftovers.describeProcess).join('\n')}\n`);
      }
    } catch {
      // another run's teardown removed it meanwhile
    }
  }
  const runDir = mkdtempSync(join(tmpdir(), RUN_PREFIX));
  writeFileSync(join(runDir, 'owner'), String(process.pid));
  process.env.BASELINER_TEST_RUN_DIR = runDir;
}
