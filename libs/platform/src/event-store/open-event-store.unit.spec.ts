import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type OpenEventStoreModule = typeof import('./open-event-store');

/** A fresh copy of the composition root, with `@kurrent/kurrentdb-client` failing to load as given. */
function withKurrentDbClientFailing(error: Error): OpenEventStoreModule {
  let loaded: OpenEventStoreModule | undefined;
  jest.isolateModules(() => {
    jest.doMock('@kurrent/kurrentdb-client', () => {
      throw error;
    });
    loaded = jest.requireActual<OpenEventStoreModule>('./open-event-store');
  });
  return loaded as OpenEventStoreModule;
}

function notFound(name: string): Error {
  return Object.assign(new Error(`Cannot find module '${name}' from 'libs/event-store-kurrentdb/src/kurrentdb-support.ts'`), { code: 'MODULE_NOT_FOUND' });
}

describe('the KurrentDB client, an optional dependency', () => {
  afterEach(() => jest.dontMock('@kurrent/kurrentdb-client'));

  it('given it is not installed, when the kurrentdb engine is chosen, says what to install', async () => {
    const root = withKurrentDbClientFailing(notFound('@kurrent/kurrentdb-client'));
    const opening = root.openEventStore({ engine: 'kurrentdb', url: 'kurrentdb://127.0.0.1:2113?tls=false' });
    await expect(opening).rejects.toBeInstanceOf(root.EventStoreDriverMissingError);
    await expect(opening).rejects.toThrow(
      'BASELINER_EVENT_STORE=kurrentdb needs @kurrent/kurrentdb-client, which is not installed (it is optional, for the few who use KurrentDB): npm install --no-save @kurrent/kurrentdb-client@1.3.1',
    );
  });

  it('given one of its own dependencies is missing, passes that error on unchanged', async () => {
    const broken = notFound('@grpc/grpc-js');
    const root = withKurrentDbClientFailing(broken);
    await expect(root.openEventStore({ engine: 'kurrentdb', url: 'kurrentdb://127.0.0.1:2113?tls=false' })).rejects.toBe(broken);
  });

  it('names the version package.json declares, as a dev and an optional peer dependency', () => {
    const { KURRENTDB_CLIENT } = jest.requireActual<OpenEventStoreModule>('./open-event-store');
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'package.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    expect(manifest.dependencies?.[KURRENTDB_CLIENT.name]).toBeUndefined();
    expect(manifest.devDependencies?.[KURRENTDB_CLIENT.name]).toBe(KURRENTDB_CLIENT.version);
    expect(manifest.peerDependencies?.[KURRENTDB_CLIENT.name]).toBe(KURRENTDB_CLIENT.version);
    expect(manifest.peerDependenciesMeta?.[KURRENTDB_CLIENT.name]).toEqual({ optional: true });
  });

  it('given it is installed (as here), loads the adapter', () => {
    const { loadKurrentDbAdapter } = jest.requireActual<OpenEventStoreModule>('./open-event-store');
    expect(typeof loadKurrentDbAdapter().KurrentDbEventStore.connect).toBe('function');
  });
});
