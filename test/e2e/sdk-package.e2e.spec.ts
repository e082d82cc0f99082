import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { promisify } from 'node:util';
import { eventually } from '../support/eventually';
import { exited, onLines, repoRoot } from '../support/run-ts';

// @baseliner/sdk as a user gets it: packed from libs/sdk (which builds it), installed from the
// tarball into a project outside the repository, used with require() and import, type-checked
// against the shipped .d.ts, and sending to the server started from dist as `npm start` does.

const DAY = 86_400_000;
const run = promisify(execFile);
/** npm and node for a child, without the npm_* variables of the npm that may be running jest. */
const childEnv = (extra: Record<string, string> = {}) => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_'))),
  ...extra,
});

function startBuiltServer(dataDir: string): { child: ChildProcess; url: Promise<string> } {
  const main = join(repoRoot, 'dist/apps/baseliner/src/main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build first`);
  const child = spawn(process.execPath, [main], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: childEnv({ PORT: '0', BASELINER_HOST: '127.0.0.1', BASELINER_DATA_DIR: dataDir, BASELINER_LOG_LEVEL: 'warn' }),
  });
  let output = '';
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const url = new Promise<string>((resolve, reject) => {
    onLines(child.stdout, (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) resolve(match[1] as string);
    });
    child.once('exit', () => reject(new Error(`the server exited: ${output}`)));
  });
  return { child, url };
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// The README's quick start as a CommonJS program: flushOnShutdown() sends what is queued before
// the process exits on its own; the stats are printed at exit for the test.
const QUICK_START_CJS = `
const { BaselinerClient } = require('@baseliner/sdk');
const baseliner = new BaselinerClient({
  url: process.env.BASELINER_URL,
  ingestKey: process.env.BASELINER_INGEST_KEY,
  deployment: process.env.BASELINER_DEPLOYMENT,
  source: 'consumer/cjs',
});
baseliner.flushOnShutdown();
const hourAgo = new Date(Date.now() - 3_600_000);
for (let i = 0; i < 7; i += 1) {
  baseliner.taskCompleted({ taskId: 'cjs-' + i, mode: 'ai', outcome: 'success', durationSeconds: 40, actor: 'user-' + (i % 3), time: hourAgo });
}
process.on('exit', () => console.log(JSON.stringify(baseliner.stats)));
`;

// The same as an ES module: a static import, a dynamic import() and require() all give the one copy.
const QUICK_START_ESM = `
import { createRequire } from 'node:module';
import { BaselinerClient, stableId } from '@baseliner/sdk';
const imported = await import('@baseliner/sdk');
const required = createRequire(import.meta.url)('@baseliner/sdk');
if (imported.BaselinerClient !== BaselinerClient || required.BaselinerClient !== BaselinerClient) throw new Error('two copies of the SDK');
const baseliner = new imported.BaselinerClient({
  url: process.env.BASELINER_URL,
  ingestKey: process.env.BASELINER_INGEST_KEY,
  deployment: process.env.BASELINER_DEPLOYMENT,
  source: 'consumer/esm',
});
const hourAgo = new Date(Date.now() - 3_600_000);
for (let i = 0; i < 5; i += 1) {
  baseliner.taskCompleted({ id: stableId('esm', i), taskId: 'esm-' + i, mode: 'ai', outcome: 'success', durationSeconds: 30, actor: 'user-' + i, time: hourAgo });
}
await baseliner.close();
console.log(JSON.stringify(baseliner.stats));
`;

// A TypeScript consumer: every export it needs is typed, and a wrong field is a compile error. It
// uses nothing of Node.js or the DOM itself (not even console), so that it compiles where the
// project has neither: then only the SDK's declarations could need them.
const TS_CONSUMER = `
import { BaselinerClient, DeliveryError, QueueFullError, stableId, type BaselinerClientOptions, type CloudEvent, type Rejection } from '@baseliner/sdk';

const seen: string[] = [];
const options: BaselinerClientOptions = {
  url: 'http://localhost:3000',
  ingestKey: 'blk_x.y',
  deployment: 'doc-review',
  source: 'doc-review/eu-1',
  closeTimeoutMs: 5_000,
  onRejected: (rejections: Rejection[]) => seen.push(...rejections.map((r) => r.reason + ' ' + r.event.id)),
  onError: (error: Error, events: CloudEvent[]) => {
    if (error instanceof DeliveryError) seen.push(error.problem + error.url + error.status + events.length);
  },
  sleep: async (ms: number, signal) => {
    if (signal?.aborted || ms < 0) return;
  },
};
const baseliner = new BaselinerClient(options);
const removeHooks: () => void = baseliner.flushOnShutdown(['SIGTERM', 'SIGINT', 'SIGHUP']);
// @ts-expect-error not a signal
baseliner.flushOnShutdown(['SIGTERMINATE']);
const event: CloudEvent = baseliner.taskCompleted({ id: stableId('task', 1), taskId: '1', mode: 'assisted', outcome: 'rework', durationSeconds: 3 });
const stats: number = baseliner.stats.failed + baseliner.pending;
// @ts-expect-error mode is ai, assisted or manual
baseliner.taskCompleted({ taskId: '2', mode: 'robot', outcome: 'success', durationSeconds: 1 });
// @ts-expect-error feedback scores run from 1 to 5
baseliner.feedbackGiven({ score: 9 });
export async function stop(): Promise<void> {
  await baseliner.flush({ timeoutMs: 1_000 });
  await baseliner.close({ timeoutMs: 2_000 });
  removeHooks();
  if (new QueueFullError(1).name !== 'QueueFullError') throw new Error(event.id + stats + seen.length);
}
`;

describe('@baseliner/sdk installed from its tarball', () => {
  const dirs: string[] = [];
  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
  let project: string;
  let packedFiles: string[];
  let server: { child: ChildProcess; url: Promise<string> };
  let url: string;
  let adminToken: string;
  let key: string;

  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };

  /** Runs one of the consumer's programs with node, as its user would. */
  const consumer = async (file: string, env: Record<string, string>) => {
    const child = spawn(process.execPath, [file], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'], env: childEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const started = Date.now();
    const code = await exited(child);
    return { code, stdout, stderr, seconds: (Date.now() - started) / 1000 };
  };

  beforeAll(async () => {
    const work = tempDir('baseliner-sdk-pack-');
    // `npm pack ./libs/sdk`, as the README says: its prepack script builds dist first.
    const packed = await run('npm', ['pack', './libs/sdk', '--json', '--pack-destination', work], { cwd: repoRoot, env: childEnv(), timeout: 120_000 });
    const [manifest] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
    packedFiles = manifest.files.map((f) => f.path).sort();

    project = tempDir('baseliner-sdk-consumer-');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'sdk-consumer', version: '1.0.0', private: true }));
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(work, manifest.filename)], { cwd: project, env: childEnv(), timeout: 120_000 });
    writeFileSync(join(project, 'quick-start.cjs'), QUICK_START_CJS);
    writeFileSync(join(project, 'quick-start.mjs'), QUICK_START_ESM);

    const dataDir = tempDir('baseliner-sdk-server-');
    server = startBuiltServer(dataDir);
    url = await server.url;
    adminToken = readFileSync(join(dataDir, 'secrets', 'admin-token'), 'utf8').trim();
    await admin('POST', '/v1/deployments', {
      id: 'consumer',
      name: 'SDK consumer',
      owner: { name: 'Dana Reyes', email: 'dana.reyes@example.com' },
      criteria: [{ metric: 'task_duration_p50', relativeChange: -0.3 }],
      rampUpDays: 0,
    });
    await admin('POST', '/v1/deployments/consumer/go-live', { at: new Date(Date.now() - 5 * DAY).toISOString() });
    key = (await admin('POST', '/v1/deployments/consumer/keys')).key as string;
  }, 240_000);

  afterAll(async () => {
    if (server?.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await exited(server.child);
    }
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('ships the built JavaScript, its declarations and the README, and nothing else', () => {
    expect(packedFiles).toEqual([
      'README.md',
      'dist/client.d.ts',
      'dist/client.js',
      'dist/delivery.d.ts',
      'dist/delivery.js',
      'dist/errors.d.ts',
      'dist/errors.js',
      'dist/event-builders.d.ts',
      'dist/event-builders.js',
      'dist/events.d.ts',
      'dist/events.js',
      'dist/index.d.ts',
      'dist/index.js',
      'dist/options.d.ts',
      'dist/options.js',
      'dist/reporting.d.ts',
      'dist/reporting.js',
      'dist/retry.d.ts',
      'dist/retry.js',
      'dist/send-queue.d.ts',
      'dist/send-queue.js',
      'dist/transport.d.ts',
      'dist/transport.js',
      'dist/wording.d.ts',
      'dist/wording.js',
      'package.json',
    ]);
    const installed = JSON.parse(readFileSync(join(project, 'node_modules/@baseliner/sdk/package.json'), 'utf8'));
    expect(installed).toMatchObject({ version: '0.2.0', dependencies: {} });
  });

  it('sends events from require() and from import, and the server stores them', async () => {
    const env = { BASELINER_URL: url, BASELINER_INGEST_KEY: key, BASELINER_DEPLOYMENT: 'consumer' };
    const cjs = await consumer('quick-start.cjs', env);
    expect({ code: cjs.code, stderr: cjs.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(cjs.stdout)).toMatchObject({ queued: 7, accepted: 7, failed: 0 });
    const esm = await consumer('quick-start.mjs', env);
    expect({ code: esm.code, stderr: esm.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(esm.stdout)).toMatchObject({ queued: 5, accepted: 5, failed: 0 });

    // Stored and projected: the scorecard counts the 12 AI tasks in the window after go-live.
    const card = await eventually(
      () => admin('GET', '/v1/deployments/consumer/scorecard'),
      (c) => c?.windows?.current?.tasks?.ai === 12,
    );
    expect(card.windows.current.tasks.ai).toBe(12);
  }, 60_000);

  it('says so on stderr when the ingest key is refused, naming the key id but not its secret', async () => {
    const wrong = 'blk_000000000000.not-the-secret-of-any-key';
    const refused = await consumer('quick-start.cjs', { BASELINER_URL: url, BASELINER_INGEST_KEY: wrong, BASELINER_DEPLOYMENT: 'consumer' });
    expect(refused.stderr).toContain(`[baseliner] Baseliner at ${url} refused the ingest key blk_000000000000… (401`);
    expect(refused.stderr).toContain('deployment "consumer"');
    expect(refused.stderr).toContain('7 events were dropped');
    expect(refused.stderr).not.toContain('not-the-secret');
    expect(refused.stderr.match(/\[baseliner\]/g)).toHaveLength(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ accepted: 0, failed: 7 });
  }, 60_000);

  it('gives up within the default 10 s when nothing listens, saying how many events did not reach which URL', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const result = await consumer('quick-start.cjs', { BASELINER_URL: dead, BASELINER_INGEST_KEY: key, BASELINER_DEPLOYMENT: 'consumer' });
    expect(result.code).toBe(0);
    expect(result.seconds).toBeGreaterThanOrEqual(9.5);
    expect(result.seconds).toBeLessThan(20);
    expect(result.stderr).toContain(`[baseliner] Cannot reach Baseliner at ${dead} (connect ECONNREFUSED`);
    expect(result.stderr).toContain(`Gave up after 10 s: 7 events were not delivered to ${dead}/v1/events.`);
    expect(JSON.parse(result.stdout)).toMatchObject({ accepted: 0, failed: 7 });
  }, 60_000);

  // A project with @types/node; one without it (the default libraries, DOM included: TS2503 "Cannot
  // find namespace 'NodeJS'" was what it got); and one with neither Node nor DOM types.
  const TYPE_SETUPS = {
    'with @types/node': { typeRoots: [join(repoRoot, 'node_modules/@types')], types: ['node'] },
    'without @types/node': { types: [] },
    'with neither Node nor DOM types': { lib: ['ES2022'], types: [] },
  };
  it.each(Object.entries(TYPE_SETUPS))('type-checks a TypeScript consumer, CommonJS and ESM, against the shipped declarations, %s', async (setup, types) => {
    const dir = join(project, `types-${setup.replace(/\W+/g, '-')}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'consumer.ts'), TS_CONSUMER);
    writeFileSync(join(dir, 'consumer.mts'), TS_CONSUMER);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'types-check', private: true }));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'node16',
          moduleResolution: 'node16',
          strict: true,
          noEmit: true,
          skipLibCheck: false, // the shipped declarations are checked too
          ...types,
        },
        files: ['consumer.ts', 'consumer.mts'],
      }),
    );
    const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
    // Errors make tsc exit non-zero (run rejects with them, in stdout); the list shows the shipped .d.ts was what it read.
    const checked = await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--listFiles'], { cwd: dir, timeout: 120_000 }).catch(
      (error: { stdout: string }) => ({ stdout: error.stdout, failed: true }),
    );
    expect(checked.stdout.split('\n').filter((line) => line.includes('error TS'))).toEqual([]);
    expect(checked.stdout).toContain(join(project, 'node_modules/@baseliner/sdk/dist/index.d.ts'));
    expect(checked.stdout).toContain(join(project, 'node_modules/@baseliner/sdk/dist/client.d.ts'));
    expect(checked.stdout.includes('@types/node')).toBe(setup === 'with @types/node');
  }, 60_000);

  it('packing it is not a source change: the next npm start does not rebuild, and git does not see the tarball', async () => {
    // On a copy of the build inputs and dist/ (as npm-start.e2e does), built once by ensure-built itself.
    const tree = tempDir('baseliner-sdk-pack-tree-');
    for (const path of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts', 'apps', 'libs', 'dashboards/src', 'test/bench', 'test/simulation', 'dist']) {
      cpSync(join(repoRoot, path), join(tree, path), { recursive: true, filter: (source) => !source.split(sep).includes('node_modules') });
    }
    symlinkSync(join(repoRoot, 'node_modules'), join(tree, 'node_modules'), 'dir');
    const ensureBuilt = (...args: string[]) => run(process.execPath, ['scripts/ensure-built.js', ...args], { cwd: tree, env: childEnv(), timeout: 300_000 });
    // Without a stamp (a dist/ built by \`npm run build\`, as CI's, has none; a copied one is dropped)
    // ensure-built builds (incrementally) and writes its own.
    rmSync(join(tree, 'dist/.build-stamp'), { force: true });
    await expect(ensureBuilt()).resolves.toMatchObject({ stderr: expect.stringContaining('Building dist/ (') });
    await expect(ensureBuilt('--check')).resolves.toMatchObject({ stderr: 'dist/ is up to date\n' });

    // As the README used to say (the tarball left in the folder), and from inside libs/sdk.
    await run('npm', ['pack', './libs/sdk'], { cwd: tree, env: childEnv(), timeout: 120_000 });
    await run('npm', ['pack'], { cwd: join(tree, 'libs/sdk'), env: childEnv(), timeout: 120_000 });
    expect(existsSync(join(tree, 'baseliner-sdk-0.2.0.tgz')) && existsSync(join(tree, 'libs/sdk/baseliner-sdk-0.2.0.tgz'))).toBe(true);
    await expect(ensureBuilt('--check')).resolves.toMatchObject({ stderr: 'dist/ is up to date\n' });

    // A source added (even with an old time), deleted or renamed still is one.
    writeFileSync(join(tree, 'libs/sdk/src/added.ts'), 'export const added = 1;\n');
    utimesSync(join(tree, 'libs/sdk/src/added.ts'), 0, 0);
    await expect(ensureBuilt('--check')).rejects.toMatchObject({ code: 1, stderr: 'build needed: libs/sdk/src/added.ts added since the last build\n' });
    rmSync(join(tree, 'libs/sdk/src/added.ts'));
    await expect(ensureBuilt('--check')).resolves.toMatchObject({ stderr: 'dist/ is up to date\n' });
    renameSync(join(tree, 'libs/sdk/src/events.ts'), join(tree, 'libs/sdk/src/event-types.ts'));
    await expect(ensureBuilt('--check')).rejects.toMatchObject({ code: 1, stderr: 'build needed: libs/sdk/src/event-types.ts added since the last build\n' });
    rmSync(join(tree, 'libs/sdk/src/event-types.ts'));
    await expect(ensureBuilt('--check')).rejects.toMatchObject({ code: 1, stderr: 'build needed: libs/sdk/src/events.ts deleted since the last build\n' });

    // In the repository, a tarball packed there is ignored.
    const ignored = await run('git', ['check-ignore', 'baseliner-sdk-0.2.0.tgz', 'libs/sdk/baseliner-sdk-0.2.0.tgz'], { cwd: repoRoot });
    expect(ignored.stdout).toBe('baseliner-sdk-0.2.0.tgz\nlibs/sdk/baseliner-sdk-0.2.0.tgz\n');
  }, 420_000);
});
