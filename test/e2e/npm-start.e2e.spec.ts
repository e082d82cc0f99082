import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { eventually } from '../support/eventually';
import { exited, onLines, repoRoot } from '../support/run-ts';
import { client, deploymentWithKey, taskCompleted } from '../support/test-server';
import { freePort } from '../support/free-port';

// `npm start` as a person runs it, on a tree that is already built: it must not build again, and
// a signal to npm's own process must stop the server cleanly (npm passes it to its child only,
// so nothing may stand between npm and the server). Run on a copy of the build inputs and dist/,
// so the shared dist/ is never rebuilt under other suites that run it.

const BUILD_INPUTS = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts', 'apps', 'libs', 'dashboards/src', 'test/bench', 'test/simulation', 'dist'];


const running = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm start on a built tree', () => {
  let tree: string;
  const stamp = () => join(tree, 'dist/.build-stamp');
  /** What a finished build leaves: a stamp newer than every input. */
  const markBuilt = () => {
    writeFileSync(stamp(), '{}\n');
    const now = Date.now() / 1000 + 1;
    utimesSync(stamp(), now, now);
  };
  const check = () => spawnSync(process.execPath, ['scripts/ensure-built.js', '--check'], { cwd: tree, encoding: 'utf8' });

  beforeAll(() => {
    if (!existsSync(join(repoRoot, 'dist/apps/baseliner/src/main.js'))) throw new Error('dist/ is missing: run npm run build first');
    tree = mkdtempSync(join(tmpdir(), 'baseliner-npm-start-'));
    for (const path of BUILD_INPUTS) {
      cpSync(join(repoRoot, path), join(tree, path), { recursive: true, filter: (source) => !source.split(sep).includes('node_modules') });
    }
    symlinkSync(join(repoRoot, 'node_modules'), join(tree, 'node_modules'), 'dir');
    markBuilt();
  });
  afterAll(() => {
    if (tree) rmSync(tree, { recursive: true, force: true });
  });

  it('ensure-built sees a changed, added or deleted source, and not a changed test', () => {
    expect(check()).toMatchObject({ status: 0, stderr: 'dist/ is up to date\n' });
    const later = Date.now() / 1000 + 5;
    utimesSync(join(tree, 'libs/analytics/src/scorecard.unit.spec.ts'), later, later);
    expect(check()).toMatchObject({ status: 0 });
    utimesSync(join(tree, 'libs/analytics/src/windows.ts'), later, later);
    expect(check()).toMatchObject({ status: 1, stderr: 'build needed: libs/analytics/src/windows.ts changed since the last build\n' });
    markBuilt();
    utimesSync(join(tree, 'libs/analytics/src/windows.ts'), 0, 0);

    writeFileSync(join(tree, 'libs/analytics/src/added.ts'), 'export const added = 1;\n');
    utimesSync(join(tree, 'libs/analytics/src/added.ts'), 0, 0); // only its directory says it is new
    utimesSync(join(tree, 'libs/analytics/src'), later, later);
    expect(check()).toMatchObject({ status: 1, stderr: 'build needed: libs/analytics/src changed since the last build\n' });
    unlinkSync(join(tree, 'libs/analytics/src/added.ts'));
    markBuilt();
    expect(check()).toMatchObject({ status: 0 });

    rmSync(stamp());
    expect(check()).toMatchObject({ status: 1, stderr: 'build needed: no record of a complete build in dist/\n' });
    writeFileSync(join(tree, 'dist/.build-failed'), '{}\n');
    expect(check()).toMatchObject({ status: 1, stderr: 'build needed: the last build failed\n' });
    rmSync(join(tree, 'dist/.build-failed'));
    markBuilt();
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`starts without building, answers /healthz, and stops cleanly on ${signal} to npm's own process`, async () => {
      const port = await freePort();
      const dataDir = mkdtempSync(join(tmpdir(), 'baseliner-npm-start-data-'));
      let output = '';
      const started = Date.now();
      const npm: ChildProcess = spawn('npm', ['start'], {
        cwd: tree,
        env: { ...process.env, PORT: String(port), BASELINER_HOST: '127.0.0.1', BASELINER_DATA_DIR: dataDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      onLines(npm.stdout, (line) => (output += `${line}\n`));
      onLines(npm.stderr, (line) => (output += `${line}\n`));
      let server: number | undefined;
      try {
        let healthyAfterMs: number | undefined;
        while (healthyAfterMs === undefined && Date.now() - started < 30_000 && npm.exitCode === null) {
          try {
            if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) healthyAfterMs = Date.now() - started;
          } catch {
            await new Promise((r) => setTimeout(r, 50));
          }
        }
        expect({ healthy: healthyAfterMs !== undefined, output }).toMatchObject({ healthy: true });
        expect(output).not.toContain('Building dist/');
        expect(output).not.toMatch(/tsc -p/);
        // Generous for a loaded two-core machine: README gives the measured median (about 2 s).
        expect(healthyAfterMs).toBeLessThan(10_000);

        // npm's child is the server itself, not a shell that would swallow the signal or orphan the server.
        const children = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(npm.pid)], { encoding: 'utf8' }).stdout.trim().split('\n');
        expect(children).toHaveLength(1);
        const [pid, ...args] = (children[0] as string).trim().split(/\s+/);
        expect(args.join(' ')).toBe('node dist/apps/baseliner/src/main.js');
        server = Number(pid);

        // Something for the shutdown to keep: a deployment with one event.
        const base = `http://127.0.0.1:${port}`;
        const adminToken = readFileSync(join(dataDir, 'secrets/admin-token'), 'utf8').trim();
        const key = await deploymentWithKey(base, adminToken, 'doc-review');
        expect((await client(base, key).post('/v1/events', [taskCompleted('doc-review')])).status).toBe(202);
        await eventually(
          async () => (await client(base, adminToken).get('/v1/deployments/doc-review/scorecard')).body?.lastEventAt,
          (lastEventAt) => lastEventAt !== undefined,
        );

        const before = output;
        const signalledAt = Date.now();
        process.kill(npm.pid as number, signal);
        await exited(npm);
        // Shutdown closes the server and writes the last projector snapshot (the deployment's), well inside its 10 s deadline.
        expect(Date.now() - signalledAt).toBeLessThan(10_000);
        expect(running(server as number)).toBe(false);
        expect(output.slice(before.length)).toMatch(/projection snapshot saved.*"deployments":1\b/);
        expect(output).not.toContain('shutdown took over');
        await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
      } finally {
        if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
        if (server !== undefined && running(server)) process.kill(server, 'SIGKILL');
        rmSync(dataDir, { recursive: true, force: true });
      }
    }, 60_000);
  }
});
