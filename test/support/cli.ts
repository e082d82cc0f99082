import { exited, spawnTs } from './run-ts';
import type { TestServer } from './test-server';

/** Runs the CLI from source against a test server, as its admin; resolves with what it printed. */
export async function runCli(server: TestServer, args: string[], env: Record<string, string> = {}) {
  const child = spawnTs('apps/cli/src/main.ts', args, { env: { BASELINER_URL: server.url, BASELINER_ADMIN_TOKEN: server.adminToken, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await exited(child);
  return { code, stdout, stderr, child };
}
