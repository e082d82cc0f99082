import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, onLines, spawnTs } from '../../../test/support/run-ts';

// The exit path nobody plans for: an exception nobody caught. The process still ends (exit 1), but
// through the shutdown a signal takes, so the store is closed: its WAL checkpointed away and the
// writer lock's journal gone. Without it Node ends at once and leaves both behind.

const FIXTURE = 'test/support/fixtures/crash-after-start.ts';

async function crashAfterStart(mode: 'run-main' | 'stop-on-exit', ready: RegExp) {
  const dataDir = mkdtempSync(join(tmpdir(), `baseliner-${mode}-`));
  const child = spawnTs(FIXTURE, [mode], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PORT: '0', BASELINER_HOST: '127.0.0.1', BASELINER_DATA_DIR: dataDir, BASELINER_LOG_LEVEL: 'warn' },
  });
  let output = '';
  onLines(child.stderr, (line) => (output += `${line}\n`));
  try {
    await new Promise<void>((resolve, reject) => {
      onLines(child.stdout, (line) => {
        output += `${line}\n`;
        if (ready.test(line)) resolve();
      });
      child.once('exit', () => reject(new Error(`exited before it was ready: ${output}`)));
    });
    // The store is open and written to: its WAL is there (what a crash would leave behind).
    expect(readdirSync(dataDir)).toEqual(expect.arrayContaining(['events.db', 'events.db-wal']));
    child.stdin?.write('crash\n');
    const status = await exited(child);
    return { status, output, files: readdirSync(dataDir).filter((f) => f.startsWith('events.db')).sort() };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('an uncaught exception closes the store before the process ends', () => {
  it('runMain (every app): exit 1, the error logged, no WAL or lock journal left', async () => {
    const { status, output, files } = await crashAfterStart('run-main', /listening on http/);
    expect(status).toBe(1);
    expect(output).toMatch(/uncaught exception; closing the store and exiting/);
    expect(output).toContain('a bug nobody caught');
    expect(files).toEqual(['events.db', 'events.db.lock']);
  }, 90_000);

  it('stopOnExit (the demo): exit 1, no WAL or lock journal left', async () => {
    const { status, output, files } = await crashAfterStart('stop-on-exit', /^ready$/);
    expect(status).toBe(1);
    expect(output).toContain('a bug nobody caught');
    expect(files).toEqual(['events.db', 'events.db.lock']);
  }, 60_000);
});
