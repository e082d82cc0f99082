import type { Worker } from 'node:worker_threads';
import { EVENT_STORE } from '@baseliner/event-store';
import type { SqliteEventStore } from '@baseliner/event-store-sqlite';
import { client, startTestServer, type TestServer } from '../support/test-server';

// A writer thread that dies never comes back: liveness must fail with readiness, so that an
// orchestrator restarts the process instead of keeping a green, useless instance.
describe('a dead writer thread', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.dispose());

  it('turns /healthz and /readyz red together', async () => {
    expect((await client(server.url).get('/healthz')).status).toBe(200);
    const store = server.app.get<SqliteEventStore>(EVENT_STORE);
    const writer = (store as unknown as { groupCommit: { writer: Worker } }).groupCommit.writer;
    const gone = new Promise((resolve) => writer.once('exit', resolve));
    await writer.terminate();
    await gone;
    const live = await client(server.url).get('/healthz');
    expect(live.status).toBe(503);
    expect(live.body).toMatchObject({ status: 'error', error: { eventStore: { status: 'down', message: expect.stringContaining('needs a restart') } } });
    expect((await client(server.url).get('/readyz')).status).toBe(503);
  });
});
