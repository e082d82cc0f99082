import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { StartedTestContainer } from 'testcontainers';
import { describeEventStoreConformance, describeSnapshotStoreConformance } from '@baseliner/event-store/testing';
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

const configuredUrl = process.env.BASELINER_KURRENTDB_URL;
const runtime = configuredUrl ? undefined : containerRuntime();
const skipReason =
  configuredUrl || runtime
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
