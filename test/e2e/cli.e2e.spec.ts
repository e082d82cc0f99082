import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { EVENT_STORE, type EventStore } from '@baseliner/event-store';
import { exited, spawnTs } from '../support/run-ts';
import { client, deploymentWithKey, startTestServer, type TestServer } from '../support/test-server';
import { runCli as cli } from '../support/cli';


describe('the baseliner CLI', () => {
  let server: TestServer;
  let dir: string;

  beforeAll(async () => {
    server = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'baseliner-cli-'));
  });
  afterAll(async () => {
    await server.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers a deployment from flags, refuses a team as owner, and shows status as a plain table when not a TTY', async () => {
    const refused = await cli(server, ['deployments', 'register', '--id', 'triage', '--name', 'Triage', '--owner-name', 'the team', '--owner-email', 'x.y@example.com']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/422: owner .*name one accountable person/);
    const registered = await cli(server, [
      'deployments', 'register', '--id', 'triage', '--name', 'Triage', '--owner-name', 'Dana Reyes', '--owner-email', 'dana@example.com',
      '--criterion', 'task_duration_p50:relativeChange:-0.3',
    ]);
    expect(registered.code).toBe(0);
    expect(JSON.parse(registered.stdout)).toMatchObject({ id: 'triage', criteria: [{ metric: 'task_duration_p50', relativeChange: -0.3 }] });
    expect((await cli(server, ['deployments', 'go-live', 'triage'])).code).toBe(0);

    const status = await cli(server, ['status']);
    expect(status.code).toBe(0);
    // Adoption and days live are shown when 120 columns have room for them (they do here; reversion does not).
    expect(status.stdout).toMatch(/deployment.*owner.*days live.*verdict.*why.*adoption.*last event/);
    expect(status.stdout.split('\n').filter((line) => [...line].length > 120)).toEqual([]);
    expect(status.stdout).toMatch(/triage.*Dana Reyes.*0.*pending.*ramp-up to \d\d-\d\d/);
    expect(status.stdout.includes(String.fromCharCode(27))).toBe(false); // no colour codes when piped
  }, 60_000);

  it('issues, lists and revokes viewer tokens for the web pages', async () => {
    const issued = await cli(server, ['viewer-tokens', 'issue', 'finance team']);
    expect(issued.code).toBe(0);
    const { tokenId, token } = JSON.parse(issued.stdout) as { tokenId: string; token: string };
    expect(token).toMatch(/^bvt_[0-9a-f]{12}\./);
    const listed = JSON.parse((await cli(server, ['viewer-tokens', 'list'])).stdout) as { tokenId: string; name: string; revokedAt?: string }[];
    expect(listed).toContainEqual(expect.objectContaining({ tokenId, name: 'finance team' }));
    expect(JSON.stringify(listed)).not.toContain(token.split('.')[1]); // the secret is shown once, at issue
    expect((await cli(server, ['viewer-tokens', 'revoke', tokenId])).stdout).toContain(`revoked ${tokenId}`);
    const after = JSON.parse((await cli(server, ['viewer-tokens', 'list'])).stdout) as { tokenId: string; revokedAt?: string }[];
    expect(after.find((t) => t.tokenId === tokenId)?.revokedAt).toEqual(expect.any(String));
    const unknown = await cli(server, ['viewer-tokens', 'revoke', '0123456789ab']);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringMatching(/404.*GET \/v1\/viewer-tokens/) });
  }, 60_000);

  it('prints a scorecard, and JSON with --json', async () => {
    const text = await cli(server, ['scorecard', 'triage']);
    expect(text.stdout).toMatch(/^triage: pending/);
    const json = await cli(server, ['scorecard', 'triage', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ deploymentId: 'triage', verdict: 'pending' });
    const missing = await cli(server, ['scorecard', 'ghost']);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringMatching(/404/) });
  }, 60_000);

  it('imports 100,000 rows with bad ones among them, survives an interruption, and counts every row once', async () => {
    const key = await deploymentWithKey(server.url, server.adminToken, 'history');
    const file = join(dir, 'last-quarter.csv');
    const lines = ['Case ID,Completed At,Handling Time,Reviewer,Status'];
    const start = Date.parse('2026-06-01T08:00:00Z');
    const badRows: number[] = []; // 1-based data row numbers
    for (let i = 0; i < 100_000; i += 1) {
      const when = new Date(start + i * 60_000).toISOString().slice(0, 16).replace('T', ' '); // no offset: --timezone applies
      if (i % 5000 === 17) {
        lines.push(`case-${i},not a date,00:05:00,r${i % 40},success`);
        badRows.push(i + 1);
      } else if (i % 5000 === 99) {
        lines.push(`case-${i},${when},five minutes,r${i % 40},success`);
        badRows.push(i + 1);
      } else {
        lines.push(`case-${i},${when},${i % 2 ? '00:04:30' : '270'},r${i % 40},${i % 11 ? 'success' : 'rework'}`);
      }
    }
    writeFileSync(file, `${lines.join('\n')}\n`);
    const env = { BASELINER_INGEST_KEY: key };
    const args = ['import', file, '--deployment', 'history', '--timezone', 'Europe/Berlin', '--duration-column', 'Handling Time'];

    // Interrupted once it has saved its position.
    const first = spawnTs('apps/cli/src/main.ts', args, { env: { BASELINER_URL: server.url, ...env } });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(`${file}.baseliner-import.json`)) {
          clearInterval(poll);
          first.kill('SIGKILL');
          resolve();
        }
      }, 20);
    });
    await exited(first);
    const savedAt = (JSON.parse(readFileSync(`${file}.baseliner-import.json`, 'utf8')) as { rowsDone: number }).rowsDone;
    expect(savedAt).toBeGreaterThan(0);

    const resumed = await cli(server, args, env);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`rows read: 100000 \\(resumed after row ${savedAt}\\)`));
    const imported = Number(/imported: (\d+)/.exec(resumed.stdout)?.[1]);
    const already = Number(/already there: (\d+)/.exec(resumed.stdout)?.[1]);
    // Every valid row after the saved position was sent again: new ones imported, the rest duplicates.
    expect(imported + already).toBe(100_000 - savedAt - badRows.filter((row) => row > savedAt).length);
    const bad = badRows.length;
    const stored = await server.app.get<EventStore>(EVENT_STORE).readStream('telemetry-history');
    expect(stored).toHaveLength(100_000 - bad);
    expect(new Set(stored.map((e) => (e.data as { id: string }).id)).size).toBe(100_000 - bad);
    // Each bad row once, in row order (the interrupted run's rows after its saved position are not repeated), with its fields.
    const rejected = parse(readFileSync(`${file}.rejected.csv`, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rejected.map((r) => Number(r.rejected_row))).toEqual(badRows);
    expect(rejected).toContainEqual({
      rejected_row: '18', rejected_reason: 'invalid_row', rejected_message: 'time "not a date" is not a date and time',
      'Case ID': 'case-17', 'Completed At': 'not a date', 'Handling Time': '00:05:00', Reviewer: 'r17', Status: 'success',
    });
    expect(rejected).toContainEqual(
      expect.objectContaining({ rejected_row: '100', rejected_reason: 'invalid_row', rejected_message: 'duration "five minutes" is not seconds or hh:mm:ss', 'Case ID': 'case-99' }),
    );
    // Wall times were read in Berlin: 2026-06-01 08:00 there is 06:00Z.
    const first5 = stored.slice(0, 1).map((e) => (e.data as { time: string }).time);
    expect(first5[0]).toBe('2026-06-01T06:00:00.000Z');
    expect(existsSync(`${file}.baseliner-import.json`)).toBe(false);
    const card = (await client(server.url, server.adminToken).get('/v1/deployments/history/scorecard')).body;
    expect(card.deploymentId).toBe('history');
  }, 180_000);
});
