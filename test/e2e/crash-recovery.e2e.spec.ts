import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@baseliner/event-store-sqlite';
import { exited } from '../support/run-ts';
import { startServerProcess } from '../support/server-process';
import { client, taskCompleted, validRegistration } from '../support/test-server';

type Batch = ReturnType<typeof taskCompleted>[];

/**
 * Four writers post fresh 100-event batches until the server is SIGKILLed under them, once
 * `killAt` batches are acknowledged (an answer of 202 covering all 100 events). A batch whose
 * connection the kill reset stays unacknowledged.
 */
async function streamUntilKilled(o: { url: string; key: string; deployment: string; batches: Batch[]; acknowledged: Set<number>; killAt: number; child: ChildProcess }) {
  let killed = false;
  const writer = async () => {
    while (!killed) {
      const index = o.batches.push(Array.from({ length: 100 }, () => taskCompleted(o.deployment))) - 1;
      try {
        const reply = await client(o.url, o.key).post('/v1/events', o.batches[index]);
        if (reply.status === 202 && reply.body.accepted + reply.body.duplicates === 100) o.acknowledged.add(index);
      } catch {
        return;
      }
      if (o.acknowledged.size >= o.killAt && !killed) {
        killed = true;
        o.child.kill('SIGKILL');
      }
    }
  };
  await Promise.all([writer(), writer(), writer(), writer()]);
}

describe('crash safety of the HTTP intake', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'baseliner-crash-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('loses no acknowledged event and counts none twice when the server is killed with SIGKILL mid-stream', async () => {
    const first = startServerProcess(dataDir);
    const url = await first.url;
    const adminToken = readFileSync(join(dataDir, 'secrets', 'admin-token'), 'utf8').trim();
    const admin = client(url, adminToken);
    expect((await admin.post('/v1/deployments', validRegistration('crashy'))).status).toBe(201);
    const key = (await admin.post('/v1/deployments/crashy/keys')).body.key as string;

    const batches: Batch[] = [];
    const acknowledged = new Set<number>();
    await streamUntilKilled({ url, key, deployment: 'crashy', batches, acknowledged, killAt: 40, child: first.child });
    expect(await exited(first.child)).toBe('SIGKILL');
    expect(acknowledged.size).toBeGreaterThanOrEqual(40);

    // Every acknowledged event is in the store, once.
    const store = new SqliteEventStore({ path: join(dataDir, 'events.db') });
    const storedIds = (await store.readStream('telemetry-crashy')).map((e) => (e.data as { id: string }).id);
    await store.close();
    expect(new Set(storedIds).size).toBe(storedIds.length);
    const storedSet = new Set(storedIds);
    const lost = [...acknowledged].flatMap((i) => (batches[i] as { id: string }[]).filter((e) => !storedSet.has(e.id)));
    expect(lost).toEqual([]);

    // After a restart, the client retries everything: acknowledged batches come back as duplicates.
    const second = startServerProcess(dataDir);
    const url2 = await second.url;
    let accepted = 0;
    let duplicates = 0;
    for (const [index, batch] of batches.entries()) {
      const reply = await client(url2, key).post('/v1/events', batch);
      expect(reply.status).toBe(202);
      if (acknowledged.has(index)) expect(reply.body.duplicates).toBe(100);
      accepted += reply.body.accepted;
      duplicates += reply.body.duplicates;
    }
    expect(accepted + duplicates).toBe(batches.length * 100);
    expect(duplicates).toBe(storedIds.length);
    second.child.kill('SIGTERM');
    await exited(second.child);

    const reopened = new SqliteEventStore({ path: join(dataDir, 'events.db') });
    expect((await reopened.readStream('telemetry-crashy')).length).toBe(batches.length * 100);
    await reopened.close();
  }, 180_000);

  it('survives 20 SIGKILL/restart cycles during streaming: 0 acknowledged events lost, 0 counted twice', async () => {
    const cyclesDir = mkdtempSync(join(tmpdir(), 'baseliner-cycles-'));
    try {
      const batches: Batch[] = [];
      const acknowledged = new Set<number>();
      let key = '';
      const cycles = 20;
      for (let cycle = 0; cycle < cycles; cycle += 1) {
        const server = startServerProcess(cyclesDir);
        const url = await server.url;
        if (cycle === 0) {
          const admin = client(url, readFileSync(join(cyclesDir, 'secrets', 'admin-token'), 'utf8').trim());
          expect((await admin.post('/v1/deployments', validRegistration('cycles'))).status).toBe(201);
          key = (await admin.post('/v1/deployments/cycles/keys')).body.key as string;
        }
        // Each cycle streams fresh batches; the kill comes after a few acknowledgements, under load.
        await streamUntilKilled({ url, key, deployment: 'cycles', batches, acknowledged, killAt: acknowledged.size + 5, child: server.child });
        expect(await exited(server.child)).toBe('SIGKILL');
      }

      const store = new SqliteEventStore({ path: join(cyclesDir, 'events.db') });
      const storedIds = (await store.readStream('telemetry-cycles', { maxCount: 1_000_000 })).map((e) => (e.data as { id: string }).id);
      await store.close();
      const storedSet = new Set(storedIds);
      expect(storedSet.size).toBe(storedIds.length); // nothing counted twice
      const lost = [...acknowledged].flatMap((i) => (batches[i] as { id: string }[]).filter((e) => !storedSet.has(e.id)));
      expect(acknowledged.size).toBeGreaterThanOrEqual(cycles * 5);
      expect(lost).toEqual([]); // nothing acknowledged lost
    } finally {
      rmSync(cyclesDir, { recursive: true, force: true });
    }
  }, 300_000);
});
