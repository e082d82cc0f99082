import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

const distRoot = resolve(__dirname, '..', '..');

/** Starts a built app (the all-in-one server by default) on a data dir and any free loopback port; resolves with its URL. */
export async function startBuiltServer(
  dataDir: string,
  options: { app?: 'baseliner' | 'intake' | 'projector' | 'kafka-intake'; env?: Record<string, string> } = {},
): Promise<{ server: ChildProcess; url: string }> {
  const server = spawn(process.execPath, [join(distRoot, `apps/${options.app ?? 'baseliner'}/src/main.js`)], {
    env: { ...process.env, PORT: '0', BASELINER_HOST: '127.0.0.1', BASELINER_DATA_DIR: dataDir, BASELINER_LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    server.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) ok(match[1] as string);
    });
    server.once('exit', (code) => fail(new Error(`server exited ${code}`)));
  });
  return { server, url };
}
