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

  it('never stores a raw actor, whatever its shape and on event types whose schema has no actor', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'baseliner-store-'));
    const server = startServerProcess(dataDir);
    try {
      const url = await server.url;
      const admin = client(url, readFileSync(join(dataDir, 'secrets', 'admin-token'), 'utf8').trim());
      await admin.post('/v1/deployments', validRegistration('shapes'));
      const key = ((await admin.post('/v1/deployments/shapes/keys')).body as { key: string }).key;
      const email = 'shape.probe@example.com';
      const event = (i: number, type: string, data: Record<string, unknown>) => ({ ...taskCompleted('shapes'), id: `shape-${i}`, type, data });
      const reply = await client(url, key).post('/v1/events', [
        event(1, 'escalation.raised', { to: 'operator', actor: { email } }),
        event(2, 'error.downstream', { stage: 'billing', actor: [email] }),
        event(3, 'escalation.raised', { to: 'builder', actor: email }),
      ]);
      expect(reply.body).toMatchObject({ accepted: 3, rejected: [] });
    } finally {
      server.child.kill('SIGTERM');
      await exited(server.child);
    }
    try {
      // The store's files, WAL included, as bytes: the probe may appear in no form.
      const files = ['events.db', 'events.db-wal'].map((f) => join(dataDir, f));
      const bytes = Buffer.concat(files.map((f) => { try { return readFileSync(f); } catch { return Buffer.alloc(0); } }));
      expect(bytes.length).toBeGreaterThan(0);
      expect(bytes.includes('shape.probe')).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
