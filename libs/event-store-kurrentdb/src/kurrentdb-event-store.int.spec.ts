import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { StartedTestContainer } from 'testcontainers';
import { describeEventStoreConformance, describeSnapshotStoreConformance } from '@baseliner/event-store/testing';
import { describeRequiring } from '../../../test/support/requires';
import { kurrentDb, KURRENTDB_CLIENT } from './kurrentdb-client';
import { KurrentDbEventStore } from './kurrentdb-event-store.adapter';

// The shared conformance suites against a real KurrentDB: BASELINER_KURRENTDB_URL when set, else
// a throwaway container when a container runtime is reachable, else reported as skipped (never
// passed): a machine without Docker cannot run KurrentDB.

const IMAGE = 'docker.kurrent.io/kurrent-latest/kurrentdb:25.1';
const HTTP_PORT = 2113;

/**
 * A sign of a container runtime, checked synchronously: Jest collects the tests before any of
 * them (or testcontainers' own asynchronous probe) can run.
 */
function containerRuntime(): string | undefined {
  if (process.env.DOCKER_HOST) return 'DOCKER_HOST';
  const runtimeDir = process.env.XDG_RUNTIME_DIR;
  const candidates = [
    join(homedir(), '.testcontainers.properties'),
    '/var/run/docker.sock',
    join(homedir(), '.docker', 'run', 'docker.sock'),
    join(homedir(), '.docker', 'desktop', 'docker.sock'),
    ...(runtimeDir ? [join(runtimeDir, 'docker.sock'), join(runtimeDir, 'podman', 'podman.sock')] : []),
  ];
  return candidates.find((path) => existsSync(path));
}

/** Where the optional client is installed, if it is. */
function installedClient(): string | undefined {
  try {
    return require.resolve(`${KURRENTDB_CLIENT.name}/package.json`);
  } catch {
    return undefined;
  }
}

const clientPackage = installedClient();
const clientMissing = clientPackage
  ? undefined
  : `${KURRENTDB_CLIENT.name} is not installed (an optional dependency): npm install --no-save --save-prod ${KURRENTDB_CLIENT.name}@${KURRENTDB_CLIENT.version}`;

const configuredUrl = process.env.BASELINER_KURRENTDB_URL;
const runtime = configuredUrl ? undefined : containerRuntime();
const skipReason = clientMissing
  ? `KurrentDB conformance skipped: ${clientMissing}`
  : configuredUrl || runtime
    ? undefined
    : 'KurrentDB conformance skipped: no BASELINER_KURRENTDB_URL and no container runtime (Docker socket) on this machine';

let url = configuredUrl ?? '';
let container: StartedTestContainer | undefined;

async function startKurrentDb(): Promise<void> {
  if (configuredUrl) return;
  // Loaded only here: a machine that skips never loads the Docker client.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { GenericContainer, Wait } = require('testcontainers') as typeof import('testcontainers');
  container = await new GenericContainer(IMAGE)
    .withEnvironment({ KURRENTDB_INSECURE: 'true', KURRENTDB_RUN_PROJECTIONS: 'None' })
    .withExposedPorts(HTTP_PORT)
    .withWaitStrategy(Wait.forHttp('/health/live', HTTP_PORT))
    .withStartupTimeout(120_000)
    .start();
  url = `kurrentdb://${container.getHost()}:${container.getMappedPort(HTTP_PORT)}?tls=false`;
}

async function openEventStore() {
  const store = await KurrentDbEventStore.connect({ url });
  return { store, dispose: () => store.close() };
}

async function openSnapshotStore() {
  const events = await KurrentDbEventStore.connect({ url });
  // A namespace per test: the suite expects an empty store, and every test shares the server.
  const store = events.snapshotStore({ namespace: randomUUID().replace(/-/g, '') });
  return { store, dispose: () => events.close() };
}

if (skipReason) {
  // Straight to stderr, once: Jest's default reporter drops the console output of a file whose
  // tests are all skipped whenever it runs more than one file.
  process.stderr.write(`\n${skipReason}\n\n`);
  describe.skip('KurrentDB event store', () => {
    it.skip(skipReason, () => undefined);
    describeEventStoreConformance('KurrentDB', openEventStore);
    describeSnapshotStoreConformance('KurrentDB', openSnapshotStore);
  });
} else {
  // Over the network, with a 3,000-event catch-up among the tests.
  jest.setTimeout(30_000);
  describe(`KurrentDB event store (${configuredUrl ? 'BASELINER_KURRENTDB_URL' : `${IMAGE} via ${runtime}`})`, () => {
    beforeAll(startKurrentDb, 180_000);
    afterAll(async () => {
      await container?.stop();
    });
    describeEventStoreConformance('KurrentDB', openEventStore);
    describeSnapshotStoreConformance('KurrentDB', openSnapshotStore);
  });
}

// The library declares the part of the client it uses (kurrentdb-client.ts) so that the build does
// not need the package; where the package is installed, the real one must fit those declarations.
describeRequiring('KurrentDB client surface', clientMissing, KURRENTDB_CLIENT.name, () => {
  it(`fits what the library declares (${KURRENTDB_CLIENT.name}@${KURRENTDB_CLIENT.version}), in types and at run time`, () => {
    const installed = JSON.parse(readFileSync(clientPackage as string, 'utf8')) as { version: string };
    expect(installed.version).toBe(KURRENTDB_CLIENT.version);
    // Types: the real module must be assignable to the declared surface, checked by tsc.
    const work = mkdtempSync(join(tmpdir(), 'kurrentdb-surface-'));
    try {
      const check = join(work, 'surface-check.ts');
      const declared = resolve(__dirname, 'kurrentdb-client').replace(/\\/g, '/');
      writeFileSync(
        check,
        [
          `import * as real from ${JSON.stringify(dirname(clientPackage as string).replace(/\\/g, '/'))};`,
          `import type { KurrentDbClient, KurrentDbClientModule } from ${JSON.stringify(declared)};`,
          'export const surface: KurrentDbClientModule = real;',
          "export const client: KurrentDbClient = real.KurrentDBClient.connectionString('kurrentdb://127.0.0.1:2113?tls=false');",
        ].join('\n'),
      );
      const repoRoot = resolve(__dirname, '..', '..', '..');
      const tsc = spawnSync(
        process.execPath,
        [require.resolve('typescript/bin/tsc'), '--noEmit', '--strict', '--skipLibCheck', '--target', 'ES2022', '--module', 'node16', '--moduleResolution', 'node16', '--types', 'node', '--typeRoots', join(repoRoot, 'node_modules', '@types'), check],
        { encoding: 'utf8', timeout: 120_000 },
      );
      expect(`${tsc.stdout}${tsc.stderr}`).toBe('');
      expect(tsc.status).toBe(0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    // Run time: the values the library takes from the module are there.
    const client = kurrentDb();
    expect(typeof client.KurrentDBClient.connectionString).toBe('function');
    expect(client.jsonEvent({ type: 'T', data: {} })).toMatchObject({ type: 'T', id: expect.any(String) });
    expect(client.streamNameFilter({ regex: '^a' })).toMatchObject({ filterOn: expect.any(String) });
    expect(Object.values(client.ErrorType).every((type) => typeof type === 'string')).toBe(true);
  }, 120_000);
});
