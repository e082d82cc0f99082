import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited } from '../support/run-ts';
import { startServerProcess } from '../support/server-process';

// The first start as a person meets it: a busy port says so in one line (no stack), and the
// admin token a failed first start generated is still shown on the next start that works.
describe('first start', () => {
  const dirs: string[] = [];
  const dir = () => {
    const made = mkdtempSync(join(tmpdir(), 'baseliner-first-'));
    dirs.push(made);
    return made;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('explains a busy port, then shows the admin token on the first start that listens, and only its location after', async () => {
    const running = startServerProcess(dir());
    const port = new URL(await running.url).port;

    const fresh = dir();
    const blocked = startServerProcess(fresh, { PORT: port });
    await blocked.url.catch(() => undefined);
    expect(await exited(blocked.child)).toBe(1);
    expect(blocked.output()).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(blocked.output()).toContain(`PORT=${Number(port) + 1}`);
    expect(blocked.output()).not.toMatch(/^\s+at /m);
    running.child.kill('SIGTERM');
    await exited(running.child);

    const token = readFileSync(join(fresh, 'secrets', 'admin-token'), 'utf8').trim();
    const first = startServerProcess(fresh);
    await first.url;
    expect(first.output()).toContain(`export BASELINER_ADMIN_TOKEN=${token}`);
    expect(first.output()).toContain(`Pages: ${await first.url}/ (sign in with the admin token`);
    first.child.kill('SIGTERM');
    await exited(first.child);

    const second = startServerProcess(fresh);
    await second.url;
    await new Promise((r) => setTimeout(r, 200));
    expect(second.output()).not.toContain(token);
    expect(second.output()).toContain(`Admin token: in ${join(fresh, 'secrets', 'admin-token')}`);
    second.child.kill('SIGTERM');
    await exited(second.child);
  }, 120_000);
});
