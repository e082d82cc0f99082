import { ProjectorService } from '@baseliner/projector';
import type { SqliteSnapshotStore } from '@baseliner/event-store-sqlite';
import { client, startTestServer, taskCompleted, validRegistration, type TestServer } from '../support/test-server';

// The projector's snapshots run from a timer. A full disk there must not take the process down:
// it keeps serving from memory and saves what it could not once space returns.
describe('a full disk under the projector', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.dispose());

  it('a snapshot pass on a full disk resolves, logs, keeps serving, and saves everything once space returns', async () => {
    const admin = client(server.url, server.adminToken);
    await admin.post('/v1/deployments', validRegistration('full-disk'));
    const key = ((await admin.post('/v1/deployments/full-disk/keys')).body as { key: string }).key;
    expect((await client(server.url, key).post('/v1/events', [taskCompleted('full-disk')])).status).toBe(202);
    const projector = server.app.get(ProjectorService);
    await projector.catchUp();

    // "Full": the snapshot database may not grow by a single page.
    const snapshots = (projector as unknown as { snapshotStore: SqliteSnapshotStore }).snapshotStore;
    const pages = snapshots.pragma('page_count') as number;
    snapshots.pragma(`max_page_count = ${pages}`);
    // New deployments with events: new snapshot rows that need new pages.
    for (let i = 0; i < 40; i += 1) {
      const id = `more-${i}`;
      await admin.post('/v1/deployments', validRegistration(id));
      const more = ((await admin.post(`/v1/deployments/${id}/keys`)).body as { key: string }).key;
      expect((await client(server.url, more).post('/v1/events', [taskCompleted(id)])).status).toBe(202);
    }
    await projector.catchUp();
    await expect(projector.snapshot()).resolves.toBeUndefined();
    expect(projector.snapshotFailing).toBe(true);
    expect((await client(server.url).get('/healthz')).status).toBe(200);
    expect((await admin.get('/v1/deployments/full-disk/scorecard')).status).toBe(200);

    // Space returns: the next pass saves what the failed one could not.
    snapshots.pragma('max_page_count = 1073741823');
    await projector.snapshot();
    expect(projector.snapshotFailing).toBe(false);
    expect((snapshots.pragma('page_count') as number) > pages).toBe(true);
  }, 60_000);
});
