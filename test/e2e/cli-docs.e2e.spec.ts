import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, repoRoot } from '../support/run-ts';
import { client, deploymentWithKey, startTestServer, type TestServer } from '../support/test-server';
import { runCli as cli } from '../support/cli';

// The `baseliner …` commands the runbooks tell an on-call person to run must run as written
// (with <id> filled in): a command missing a required option is no help at 3 a.m. And the
// README's walkthrough, pasted into a shell on any day, must tell the same story: fixed dates
// turned into "silent 20 days" and adoption warnings three weeks after they were written.

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

describe('the README walkthrough', () => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'baseliner-walkthrough-'));
  });
  afterAll(async () => {
    await server.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs as pasted into a fresh shell, whatever the date, and its deployment has nothing to warn about', async () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Walkthrough'), readme.indexOf('## Send events from your system'));
    const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    expect(blocks).toHaveLength(2);
    expect(section).not.toMatch(/"\d{4}-\d\d-\d\dT/); // no fixed times: they age into warnings
    // In a folder laid out as the repository's (data/secrets/admin-token), against the test server.
    mkdirSync(join(dir, 'data/secrets'), { recursive: true });
    writeFileSync(join(dir, 'data/secrets/admin-token'), server.adminToken);
    const script = blocks.join('\n').replaceAll('http://localhost:3000', server.url);
    // Not spawnSync: the server answering the script runs in this process. Without -e: step 9's grep
    // finds nothing until the metrics are next evaluated (the README says so), as a person would see.
    const child = spawn('bash', ['--noprofile', '--norc'], { cwd: dir, env: { PATH: process.env.PATH ?? '' }, stdio: ['pipe', 'pipe', 'pipe'] });
    const shell = { stdout: '', stderr: '', status: null as unknown };
    child.stdout.on('data', (c: Buffer) => (shell.stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (shell.stderr += c.toString()));
    child.stdin.end(script);
    shell.status = await exited(child);
    expect({ status: shell.status, stderr: shell.stderr }).toEqual({ status: 0, stderr: '' });
    expect(shell.stdout).toContain('{"accepted":2,"duplicates":0,"rejected":[]}');
    expect(shell.stdout).toContain('{"accepted":0,"duplicates":2,"rejected":[]}');

    const admin = client(server.url, server.adminToken);
    const card = (await admin.get('/v1/deployments/doc-review/scorecard')).body;
    // The task landed after the ramp-up, the deployment has just heard from its system, and its one user is active.
    expect(card).toMatchObject({ phase: 'live', verdict: 'insufficient_data', windows: { inRampUp: false, current: { tasks: { ai: 1 } } }, warnings: [] });
    const days = (at: string) => (Date.now() - Date.parse(at)) / 86_400_000;
    expect(days((await admin.get('/v1/deployments/doc-review')).body.wentLiveAt)).toBeCloseTo(14, 0);
    const waves = (await admin.get('/v1/deployments/support-replies')).body.waves as { at: string; segments: string[] }[];
    expect(waves.map((w) => [w.segments, Math.round(days(w.at))])).toEqual([[['berlin'], 42], [['lisbon'], 7]]);
  }, 60_000);
});
