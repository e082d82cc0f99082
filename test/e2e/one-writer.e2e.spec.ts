import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited } from '../support/run-ts';
import { startServerProcess } from '../support/server-process';

// The embedded store has one writer per data directory: a second server on the same directory
// is refused at start with a message a person can act on, and starts once the first is gone —
// even when the first was killed.
describe('one writing process per data directory', () => {
  it('refuses a second server with a clear message, and lets one start after the first is killed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'baseliner-one-writer-'));
    const first = startServerProcess(dataDir);
    try {
      await first.url;
      const second = startServerProcess(dataDir);
      await expect(second.url).rejects.toThrow(/server exited/);
      expect(second.child.exitCode).toBe(1);
      expect(second.output()).toContain(`Cannot start: ${dataDir} is in use by another Baseliner process`);
      expect(second.output()).toContain('BASELINER_DATA_DIR');

      first.child.kill('SIGKILL');
      await exited(first.child);
      const third = startServerProcess(dataDir);
      try {
        expect(await third.url).toMatch(/^http:/);
      } finally {
        third.child.kill('SIGTERM');
        await exited(third.child);
      }
    } finally {
      first.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
