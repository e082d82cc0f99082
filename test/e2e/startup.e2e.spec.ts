import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@baseliner/event-store-sqlite';
import { ProjectorService } from '@baseliner/projector';
import { client, startTestServer } from '../support/test-server';

// Start-up over a long event log with no snapshot: the server listens at once and answers
// liveness while the projector replays; readiness waits until the log is projected.
describe('starting over a long event log', () => {
  it('listens and answers /healthz during the replay; /readyz turns ready only when caught up', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'baseliner-startup-'));
    try {
      const store = new SqliteEventStore({ path: join(dataDir, 'events.db') });
      const at = new Date(Date.now() - 86_400_000).toISOString();
      for (let batch = 0; batch < 150; batch += 1) {
        const events = Array.from({ length: 2_000 }, (_, i) => ({
          id: `e-${batch}-${i}`,
          type: 'task.completed',
          data: { specversion: '1.0', id: `e-${batch}-${i}`, source: 's', type: 'task.completed', time: at, deployment: 'long', data: { taskId: 't', mode: 'ai', outcome: 'success', durationSeconds: 30 } },
        }));
        await store.append('telemetry-long', events);
      }
      await store.close();

      const server = await startTestServer({ dataDir });
      try {
        const projector = server.app.get(ProjectorService);
        const head = 300_000;
        // Listening already, and the replay is still under way.
        expect(projector.checkpoint).toBeLessThan(head);
        const live = await client(server.url).get('/healthz');
        expect(live.status).toBe(200);
        const unready = await client(server.url).get('/readyz');
        expect(unready.status).toBe(503);
        // The runbook's words: which condition, and how far the replay is.
        expect(unready.body).toMatchObject({ status: 'error', error: { startup: { status: 'down', projection: expect.stringMatching(/^replaying the event log: at \d+ of \d+/) } } });
        expect(projector.checkpoint).toBeLessThan(head);
        // Ready once caught up (and evaluated once).
        let ready = 503;
        for (let i = 0; i < 600 && ready !== 200; i += 1) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          ready = (await client(server.url).get('/readyz')).status;
        }
        expect(ready).toBe(200);
        expect(projector.checkpoint).toBe(head);
      } finally {
        await server.dispose();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
