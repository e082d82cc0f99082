import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectorService } from '@baseliner/projector';
import { exited, spawnTs } from '../support/run-ts';
import { chunks, plannedTasks } from '../support/scenario';
import { client, startTestServer, type TestServer } from '../support/test-server';

const DAY = 86_400_000;
const NOW = new Date(Math.floor(Date.now() / DAY) * DAY - DAY + 18 * 3_600_000);
const GO_LIVE = NOW.getTime() - 40 * DAY;

async function backup(dataDir: string, file: string) {
  const child = spawnTs('apps/cli/src/main.ts', ['backup', file, '--data-dir', dataDir], {});
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  return { code: await exited(child), out };
}

async function verdicts(server: TestServer) {
  const projector = server.app.get(ProjectorService);
  await projector.catchUp();
  await projector.evaluate();
  const card = (await client(server.url, server.adminToken).get('/v1/deployments/restored/scorecard')).body;
  const metrics = ((await client(server.url).get('/metrics')).body as string).split('\n').filter((line) => line.includes('deployment="restored"'));
  return { card, metrics };
}

// `baseliner backup` copies the embedded store while the server runs; a server started on the
// copy replays it to the same scorecard and the same metrics.
describe('backup and restore of the embedded store', () => {
  it('backs up a running server, refuses to overwrite, and restores to the same scorecard and metrics', async () => {
    const work = mkdtempSync(join(tmpdir(), 'baseliner-backup-'));
    const file = join(work, 'backup.db');
    const original = await startTestServer({ clock: { now: () => NOW } });
    let before: Awaited<ReturnType<typeof verdicts>>;
    try {
      const admin = client(original.url, original.adminToken);
      await admin.post('/v1/deployments', { id: 'restored', name: 'Restored', owner: { name: 'Dana Reyes', email: 'dana.reyes@example.com' }, criteria: [{ metric: 'task_duration_p50', relativeChange: -0.3 }] });
      await admin.post('/v1/deployments/restored/go-live', { at: new Date(GO_LIVE).toISOString() });
      const events = client(original.url, (await admin.post('/v1/deployments/restored/keys')).body.key as string);
      const tasks = [
        ...plannedTasks(GO_LIVE, { deployment: 'restored', fromDay: -28, toDay: -1, perDay: 30, mode: 'manual', medianSeconds: 600, errorRate: 0.1 }),
        ...plannedTasks(GO_LIVE, { deployment: 'restored', fromDay: 0, toDay: 39, perDay: 30, mode: 'ai', medianSeconds: 240, errorRate: 0.05 }),
      ];
      for (const batch of chunks(tasks, 1000)) expect((await events.post('/v1/events', batch)).status).toBe(202);
      before = await verdicts(original);
      expect(before.card.verdict).toBe('works');

      const made = await backup(original.dataDir, file);
      expect(made).toMatchObject({ code: 0 });
      expect(made.out).toMatch(/backed up [\d,]+ events/);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const again = await backup(original.dataDir, file);
      expect(again.code).toBe(1);
      expect(again.out).toContain('already exists');
    } finally {
      await original.dispose();
    }

    // Restore: the copy as events.db of an empty data directory, then start.
    const restoredDir = mkdtempSync(join(tmpdir(), 'baseliner-restored-'));
    copyFileSync(file, join(restoredDir, 'events.db'));
    const restored = await startTestServer({ dataDir: restoredDir, clock: { now: () => NOW } });
    try {
      const after = await verdicts(restored);
      expect(after.card).toEqual(before.card);
      expect(after.metrics).toEqual(before.metrics);
      expect(after.metrics.length).toBeGreaterThan(20);
    } finally {
      await restored.dispose();
      rmSync(work, { recursive: true, force: true });
    }
    expect(existsSync(restoredDir)).toBe(false);
  }, 120_000);
});
