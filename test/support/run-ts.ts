import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..', '..');

/**
 * Starts a TypeScript entry point in a child process, transpiled on the fly with the
 * repository's path aliases, so crash tests can SIGKILL a real process without a build step.
 */
export function spawnTs(entry: string, args: string[] = [], options: SpawnOptions = {}): ChildProcess {
  return spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', resolve(repoRoot, entry), ...args],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...options,
      env: { ...process.env, TS_NODE_PROJECT: resolve(repoRoot, 'tsconfig.json'), ...options.env },
    },
  );
}

/** Calls `onLine` for each complete line a stream writes. */
export function onLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  let buffered = '';
  stream?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let newline = buffered.indexOf('\n');
    while (newline !== -1) {
      onLine(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
    }
  });
}

export function exited(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  return new Promise((resolveExit) => {
    if (child.exitCode !== null || child.signalCode !== null) resolveExit(child.signalCode ?? child.exitCode);
    else child.once('exit', (code, signal) => resolveExit(signal ?? code));
  });
}
