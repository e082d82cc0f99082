import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/run-ts';
import { client, deploymentWithKey, startTestServer, type TestServer } from '../support/test-server';
import { runCli as cli } from '../support/cli';

// The `baseliner …` commands the runbooks tell an on-call person to run must run as written
// (with <id> filled in): a command missing a required option is no help at 3 a.m.

/** The words of a command as a shell would split them (double-quoted strings kept whole). */
const words = (command: string) => [...command.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');

describe('the commands in docs/runbooks.md', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('run as written against a live deployment', async () => {
    const runbooks = readFileSync(join(repoRoot, 'docs/runbooks.md'), 'utf8');
    const commands = [...runbooks.matchAll(/`baseliner ([^`]+)`/g)].map((m) => m[1] as string);
    expect(commands).toEqual(expect.arrayContaining([expect.stringMatching(/^deployments retire <id>/)]));
    await deploymentWithKey(server.url, server.adminToken, 'on-call');
    expect((await client(server.url, server.adminToken).post('/v1/deployments/on-call/go-live', {})).status).toBe(200);
    // Retiring last: the others need a deployment that is not retired.
    const ordered = [...commands.filter((c) => !c.includes(' retire ')), ...commands.filter((c) => c.includes(' retire '))];
    for (const command of ordered) {
      const result = await cli(server, words(command.replaceAll('<id>', 'on-call')));
      expect({ command, code: result.code, stderr: result.stderr }).toEqual({ command, code: 0, stderr: '' });
    }
    const retired = (await client(server.url, server.adminToken).get('/v1/deployments/on-call')).body;
    expect(retired).toMatchObject({ phase: 'retired' });
  }, 120_000);
});
