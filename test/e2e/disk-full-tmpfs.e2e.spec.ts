import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited } from '../support/run-ts';
import { startServerProcess } from '../support/server-process';
import { client, taskCompleted, validRegistration } from '../support/test-server';

// A real full disk: the data directory on a small tmpfs, filled up by the intake itself. Needs
// root to mount; skipped with the reason elsewhere, and required under CI (which runs as root).
const mountPoint = mkdtempSync(join(tmpdir(), 'baseliner-tmpfs-'));
let mounted = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountPoint], { stdio: 'ignore' });
  mounted = true;
} catch {
  rmSync(mountPoint, { recursive: true, force: true });
  if (process.env.CI) throw new Error('CI must be able to mount a tmpfs (run as root) for the disk-full test');
  console.warn('cannot mount a tmpfs here (needs root): skipping the real disk-full test');
}

(mounted ? describe : describe.skip)('a real full disk (tmpfs)', () => {
  afterAll(() => {
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it('stays up while full (503 + Retry-After for 60 s, through snapshot passes), and accepts again within 5 s once space is freed', async () => {
    const dataDir = join(mountPoint, 'data');
    mkdirSync(dataDir);
    // Leave the store a few MiB: the filler is what gets deleted to "free space".
    const filler = join(mountPoint, 'filler');
    writeFileSync(filler, Buffer.alloc(17 * 1024 * 1024));
    const server = startServerProcess(dataDir);
    try {
      const url = await server.url;
      const admin = client(url, readFileSync(join(dataDir, 'secrets', 'admin-token'), 'utf8').trim());
      await admin.post('/v1/deployments', validRegistration('full'));
      const events = client(url, (await admin.post('/v1/deployments/full/keys')).body.key as string);
      const batch = (n: number) => Array.from({ length: 500 }, (_, i) => taskCompleted('full', { id: `f-${n}-${i}` }, { notes: 'x'.repeat(400) }));

      // Fill it.
      let n = 0;
      let reply = await events.post('/v1/events', batch(n));
      while (reply.status === 202 && n < 2_000) reply = await events.post('/v1/events', batch((n += 1)));
      expect(reply.status).toBe(503);
      expect(Number(reply.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

      // Full for 60 s — longer than the projector's 30 s snapshot interval — and still up.
      const fullUntil = Date.now() + 60_000;
      while (Date.now() < fullUntil) {
        const attempt = await events.post('/v1/events', batch((n += 1)));
        expect([503, 202]).toContain(attempt.status);
        expect(server.child.exitCode).toBeNull();
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      expect((await client(url).get('/healthz')).status).toBe(200);

      // Space returns: accepted again within 5 s.
      rmSync(filler);
      const freed = Date.now();
      let status = 0;
      while (status !== 202 && Date.now() - freed < 10_000) {
        status = (await events.post('/v1/events', batch((n += 1)))).status;
        if (status !== 202) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(status).toBe(202);
      expect(Date.now() - freed).toBeLessThanOrEqual(5_000);
      expect(server.child.exitCode).toBeNull();
    } finally {
      server.child.kill('SIGTERM');
      await exited(server.child);
    }
  }, 150_000);
});
