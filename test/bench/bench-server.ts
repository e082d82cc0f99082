import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

const distRoot = resolve(__dirname, '..', '..');

/** Starts a built app (the all-in-one server by default) on a data dir and any free loopback port; resolves with its URL. */
export async function startBuiltServer(
  dataDir: string,
  options: { app?: 'baseliner' | 'intake' | 'projector' | 'kafka-intake'; env?: Record<string, string> } = {},
): Promise<{ server: ChildProcess; url: string }> {
  // BENCH_SERVER_NODE_ARGS: flags for the server's node, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
  // to see where a benchmark's server spends its time (NODE_OPTIONS refuses --cpu-prof).
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
  const server = spawn(process.execPath, [...nodeArgs, join(distRoot, `apps/${options.app ?? 'baseliner'}/src/main.js`)], {
    env: { ...process.env, PORT: '0', BASELINER_HOST: '127.0.0.1', BASELINER_DATA_DIR: dataDir, BASELINER_LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((ok, fail) => {
    let out: string | undefined = '';
    server.stdout?.on('data', (c: Buffer) => {
      // With flags of one's own (say --trace-gc), what the server prints is shown, on stderr.
      if (nodeArgs.length > 0) process.stderr.write(c);
      if (out === undefined) return;
      out += c.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        out = undefined; // found: the rest of the output is not kept
        ok(match[1] as string);
      }
    });
    server.once('exit', (code) => fail(new Error(`server exited ${code}`)));
  });
  return { server, url };
}
