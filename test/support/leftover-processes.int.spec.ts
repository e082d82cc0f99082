import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import globalSetup, { endRun, RUN_PREFIX } from './global-setup';
import { alive as running, processesMarked } from './leftover-processes';
import { exited, repoRoot } from './run-ts';
import { describeRequiring } from './requires';

// `npm test` leaves nothing running: the global teardown stops the run's own Kafka broker and
// anything else a test started (marked by BASELINER_TEST_RUN_DIR in its environment).

const hasProc = existsSync('/proc/self/environ');

describeRequiring('the end of a test run', hasProc ? undefined : 'no /proc here: the teardown finds processes through it (Linux)', 'Linux (/proc)', () => {
  it('stops the broker kept in the run directory (as kafka-down.sh does), then whatever else carries the run mark, and removes the directory', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'baseliner-teardown-test-'));
    const env = { ...process.env, BASELINER_TEST_RUN_DIR: runDir };
    // The "broker": what kafka-up.sh records in <run>/kafka/pid.
    // Started in the background as kafka-up.sh starts it: not this process's child.
    const brokerPid = Number(spawnSync('sh', ['-c', 'sleep 300 >/dev/null 2>&1 & echo $!'], { env, encoding: 'utf8' }).stdout.trim());
    mkdirSync(join(runDir, 'kafka'));
    writeFileSync(join(runDir, 'kafka', 'pid'), String(brokerPid));
    // A server a test forgot, with a child of its own.
    const forgotten = spawn('sh', ['-c', 'sleep 300 & sleep 300'], { env, stdio: 'ignore' });
    const forgottenExit = exited(forgotten);
    await new Promise((r) => setTimeout(r, 300));
    const marked = processesMarked(`BASELINER_TEST_RUN_DIR=${runDir}`) ?? [];
    expect(marked.length).toBe(4); // the broker, sh and its two sleeps

    const left = await endRun(runDir, 0);
    // The broker is the run's own, stopped as such; the rest is what a test left behind.
    expect(left.map((p) => p.pid)).not.toContain(brokerPid);
    expect(left.map((p) => p.pid)).toContain(forgotten.pid);
    expect(left).toHaveLength(3);
    await forgottenExit;
    for (const p of marked) expect(running(p.pid)).toBe(false);
    expect(existsSync(runDir)).toBe(false);
  }, 30_000);

  it('a run interrupted before its teardown (its Jest gone) is ended by the setup of the next run; a live run is left alone', async () => {
    const dead = spawn('true');
    await exited(dead);
    const interrupted = mkdtempSync(join(tmpdir(), RUN_PREFIX));
    writeFileSync(join(interrupted, 'owner'), String(dead.pid));
    const live = mkdtempSync(join(tmpdir(), RUN_PREFIX));
    writeFileSync(join(live, 'owner'), String(process.pid));
    const orphan = Number(spawnSync('sh', ['-c', 'sleep 300 >/dev/null 2>&1 & echo $!'], { env: { ...process.env, BASELINER_TEST_RUN_DIR: interrupted }, encoding: 'utf8' }).stdout.trim());
    const ownRun = process.env.BASELINER_TEST_RUN_DIR;
    try {
      await globalSetup();
      expect(running(orphan)).toBe(false);
      expect(existsSync(interrupted)).toBe(false);
      expect(existsSync(live)).toBe(true);
    } finally {
      if (process.env.BASELINER_TEST_RUN_DIR !== ownRun) rmSync(process.env.BASELINER_TEST_RUN_DIR as string, { recursive: true, force: true });
      process.env.BASELINER_TEST_RUN_DIR = ownRun;
      rmSync(live, { recursive: true, force: true });
    }
  }, 30_000);

  it('with the real Jest configuration: a test that leaves a process running is named, the process stopped, and under CI the run fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baseliner-leftover-jest-'));
    try {
      const config = join(dir, 'jest.fixture.config.js');
      writeFileSync(
        config,
        `const real = require(${JSON.stringify(join(repoRoot, 'jest.config.js'))});
module.exports = { ...real, projects: [{ ...real.projects[0], displayName: 'fixture', testMatch: ['<rootDir>/test/support/fixtures/leaves-a-process.fixture.ts'] }] };
`,
      );
      const report = join(dir, 'report.json');
      const jest = spawnSync(process.execPath, [join(repoRoot, 'node_modules/jest/bin/jest.js'), '-c', config, '--rootDir', repoRoot, '--json', '--outputFile', report], {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, CI: 'true' },
        timeout: 120_000,
      });
      const output = `${jest.stdout}${jest.stderr}`;
      const pid = Number(/left running: (\d+)/.exec(output)?.[1]);
      expect({ pid, output }).toMatchObject({ pid: expect.any(Number) });
      expect(output).toMatch(/Tests left 3 process\(es\) running; the global teardown stopped them/);
      expect(output).toContain('sleep 300');
      expect(jest.status).toBe(1);
      // …and Jest still writes its report, which .ci/run tallies.
      expect(existsSync(report)).toBe(true);
      expect(running(pid)).toBe(false);
      // Nothing of that run is left: no process carries its mark, and its directory is gone.
      const runDir = /\(run (\S+)\)/.exec(output)?.[1] as string;
      expect(processesMarked(`BASELINER_TEST_RUN_DIR=${runDir}`)).toEqual([]);
      expect(existsSync(runDir)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
