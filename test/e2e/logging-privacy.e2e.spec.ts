import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited } from '../support/run-ts';
import { startServerProcess } from '../support/server-process';
import { client, taskCompleted, validRegistration } from '../support/test-server';

describe('what the server writes to its logs', () => {
  it('never contains raw actor ids or ingest keys, even at the most verbose level', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'baseliner-logs-'));
    const server = startServerProcess(dataDir, { BASELINER_LOG_LEVEL: 'verbose' });
    try {
      const url = await server.url;
      const adminToken = readFileSync(join(dataDir, 'secrets', 'admin-token'), 'utf8').trim();
      const admin = client(url, adminToken);
      await admin.post('/v1/deployments', validRegistration('private'));
      const issued = (await admin.post('/v1/deployments/private/keys')).body as { key: string; keyId: string };
      const actor = 'privacy.probe.actor@example.com';
      const events = client(url, issued.key);
      await events.post('/v1/events', [taskCompleted('private', {}, { actor }), taskCompleted('private', { time: 'bad' }, { actor })]);
      await events.post('/v1/events', [{ ...taskCompleted('private'), type: 'ai.used', data: { actor } }]);
      await events.post('/v1/events', '{"broken":', { 'content-type': 'application/json' });
      await client(url, `${issued.key}x`).post('/v1/events', [taskCompleted('private', {}, { actor })]);
      await admin.delete(`/v1/deployments/private/keys/${issued.keyId}`);
      await events.post('/v1/events', [taskCompleted('private', {}, { actor })]);

      const output = server.output();
      expect(output).toContain('"level"'); // it did log, as JSON lines
      expect(output).not.toContain(actor);
      expect(output).not.toContain(issued.key.split('.')[1]);
      // The admin token appears only in the first-start banner (the token and its export line), by design.
      expect(output.split(adminToken).length - 1).toBe(2);
    } finally {
      server.child.kill('SIGTERM');
      await exited(server.child);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
