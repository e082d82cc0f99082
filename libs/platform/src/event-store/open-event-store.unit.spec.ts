import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as KurrentDbAdapter from '@baseliner/event-store-kurrentdb';

type OpenEventStoreModule = typeof import('./open-event-store');

const KURRENTDB = { engine: 'kurrentdb', url: 'kurrentdb://127.0.0.1:2113?tls=false' } as const;

/** Fresh copies of the modules, with `@kurrent/kurrentdb-client` failing to load as given. */
function withKurrentDbClientFailing(error: Error): { root: OpenEventStoreModule; adapter: typeof KurrentDbAdapter } {
  let loaded: { root: OpenEventStoreModule; adapter: typeof KurrentDbAdapter } | undefined;
  jest.isolateModules(() => {
    // Virtual: npm ci does not install the client, so there may be no module to stand in for.
    jest.doMock(
      '@kurrent/kurrentdb-client',
      () => {
        throw error;
      },
      { virtual: true },
    );
    loaded = {
      root: jest.requireActual<OpenEventStoreModule>('./open-event-store'),
      adapter: jest.requireActual<typeof KurrentDbAdapter>('@baseliner/event-store-kurrentdb'),
    };
  });
  return loaded as { root: OpenEventStoreModule; adapter: typeof KurrentDbAdapter };
}

function notFound(name: string): Error {
  return Object.assign(new Error(`Cannot find module '${name}' from 'libs/event-store-kurrentdb/src/kurrentdb-client.ts'`), { code: 'MODULE_NOT_FOUND' });
}

describe('the KurrentDB client, an optional dependency', () => {
  afterEach(() => jest.dontMock('@kurrent/kurrentdb-client'));

  it('given it is not installed, when the kurrentdb engine is chosen, says what to install', async () => {
    const { root } = withKurrentDbClientFailing(notFound('@kurrent/kurrentdb-client'));
    const opening = root.openEventStore(KURRENTDB);
    // By name: the start prints the message alone for it (run-main.ts).
    await expect(opening).rejects.toMatchObject({ name: 'KurrentDbClientMissingError' });
    await expect(opening).rejects.toThrow(
      'BASELINER_EVENT_STORE=kurrentdb needs @kurrent/kurrentdb-client, which is not installed (it is optional, for the few who use KurrentDB): npm install --save-prod @kurrent/kurrentdb-client@1.3.1',
    );
  });

  it('given one of its own dependencies is missing, passes that error on unchanged', async () => {
    const broken = notFound('@grpc/grpc-js');
    const { root } = withKurrentDbClientFailing(broken);
    await expect(root.openEventStore(KURRENTDB)).rejects.toBe(broken);
  });

  it('is not loaded with the adapter library, nor by another engine', async () => {
    // Both modules load while the client would throw: neither requires it.
    const { root } = withKurrentDbClientFailing(new Error('the client was loaded'));
    const memory = await root.openEventStore({ engine: 'memory' });
    await expect(memory.events.close()).resolves.toBeUndefined();
  });

  it('names the version package.json declares as an optional peer dependency, and no other kind', () => {
    const { KURRENTDB_CLIENT } = jest.requireActual<typeof KurrentDbAdapter>('@baseliner/event-store-kurrentdb');
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'package.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    expect(manifest.peerDependencies?.[KURRENTDB_CLIENT.name]).toBe(KURRENTDB_CLIENT.version);
    expect(manifest.peerDependenciesMeta?.[KURRENTDB_CLIENT.name]).toEqual({ optional: true });
    for (const kind of ['dependencies', 'devDependencies', 'optionalDependencies']) expect(manifest[kind]?.[KURRENTDB_CLIENT.name]).toBeUndefined();
  });
});
