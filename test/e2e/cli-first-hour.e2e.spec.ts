import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../support/eventually';
import { chunks, plannedTasks } from '../support/scenario';
import { client, deploymentWithKey, startTestServer, type TestServer } from '../support/test-server';
import { runCli as cli } from '../support/cli';

// What a new user meets in their first hour with the CLI: verdicts that say why, warnings that
// show up, errors that say what to do, plain dates, and scripts that can tell a partial import.

const DAY = 86_400_000;


describe('the first hour with the baseliner CLI', () => {
  let server: TestServer;
  let dir: string;
  let ingestKey: string;

  beforeAll(async () => {
    server = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'baseliner-cli-first-hour-'));
    const admin = client(server.url, server.adminToken);
    // A deployment that got slower: live for 40 days, median time up by half against "30% faster".
    ingestKey = await deploymentWithKey(server.url, server.adminToken, 'slow-review');
    const goLive = Date.now() - 40 * DAY;
    expect((await admin.post('/v1/deployments/slow-review/go-live', { at: new Date(goLive).toISOString() })).status).toBe(200);
    const events = [
      ...plannedTasks(goLive, { deployment: 'slow-review', fromDay: -28, toDay: -1, perDay: 30, mode: 'manual', medianSeconds: 600, errorRate: 0.05 }),
      ...plannedTasks(goLive, { deployment: 'slow-review', fromDay: 0, toDay: 39, perDay: 30, mode: 'ai', medianSeconds: 900, errorRate: 0.05, seed: 2 }),
    ];
    const ingest = client(server.url, ingestKey);
    for (const batch of chunks(events, 1000)) expect((await ingest.post('/v1/events', batch)).status).toBe(202);
    // A deployment that has just gone live and sent nothing yet.
    await deploymentWithKey(server.url, server.adminToken, 'quiet');
    await admin.post('/v1/deployments/quiet/go-live', {});
    const verdict = await eventually(
      async () => (await admin.get('/v1/deployments/slow-review/scorecard')).body.verdict,
      (v) => v === 'failing',
    );
    expect(verdict).toBe('failing');
  }, 60_000);

  afterAll(async () => {
    await server.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('status says why each verdict is what it is, marks warnings and lists them, in 120 columns', async () => {
    const status = await cli(server, ['status']);
    expect(status.code).toBe(0);
    const lines = status.stdout.trimEnd().split('\n');
    expect(lines.filter((line) => [...line].length > 120)).toEqual([]);
    expect(status.stdout).toMatch(/deployment.*owner.*verdict.*why.*time Δ.*errors Δ.*last event.*!/);
    expect(status.stdout).toMatch(/slow-review.*Dana Reyes.*failing.*time p50 \+\d+% vs ≤-30%.*\+\d+%/);
    expect(status.stdout).toMatch(/quiet .*pending.*ramp-up to \d\d-\d\d.*never.*1/);
    expect(lines).toContain('! quiet: live, but no events received yet: is the integration sending?');
    // The last tasks of slow-review were stamped yesterday: the age says so, not "never".
    expect(status.stdout).toMatch(/slow-review.*\b\d+h\b/);
  }, 60_000);

  it('a scorecard starts with why and warnings, and prints no header over nothing', async () => {
    const slow = await cli(server, ['scorecard', 'slow-review']);
    expect(slow.stdout).toMatch(/^slow-review: failing since \d{4}-\d\d-\d\d\nwhy: median task time \+\d+% \(95% interval \+\d+% to \+\d+%\) vs must fall by at least 30%\n/);
    expect(slow.stdout).toContain('changes (current vs baseline, always-valid 95% interval):\n  task_duration_p50');

    const quiet = await cli(server, ['scorecard', 'quiet']);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toMatch(/^quiet: pending\nwhy: in ramp-up: the first days after go-live are left out; the comparison starts on \d{4}-\d\d-\d\d\n/);
    expect(quiet.stdout).toContain('warning: live, but no events received yet');
    expect(quiet.stdout).not.toMatch(/changes|criteria:/);
  }, 60_000);

  it('says the id rule in words, and the kinds of target a criterion can have', async () => {
    const register = ['deployments', 'register', '--name', 'Review', '--owner-name', 'Dana Reyes', '--owner-email', 'dana@example.com'];
    const badId = await cli(server, [...register, '--id', 'Doc_Review']);
    expect(badId.code).toBe(1);
    expect(badId.stderr).toContain('id: must be lower-case letters, digits and dashes, 1–63 characters, starting with a letter or digit (e.g. doc-review)');
    expect(badId.stderr).not.toContain('^[a-z');

    const badKind = await cli(server, [...register, '--id', 'review', '--criterion', 'error_ratio:below:0.1']);
    expect(badKind.code).toBe(1);
    expect(badKind.stderr).toContain('"below" is not a kind of target; use one of relativeChange, atMost, atLeast');

    const file = join(dir, 'review.json');
    writeFileSync(file, JSON.stringify({ id: 'review', name: 'Review', owner: { name: 'Dana Reyes', email: 'dana@example.com' }, criteria: [{ metric: 'error_ratio', below: 0.1 }] }));
    const fromFile = await cli(server, ['deployments', 'register', file]);
    expect(fromFile.code).toBe(1);
    expect(fromFile.stderr).toContain('criteria[0].below: is not a known field (known: metric, relativeChange, atMost, atLeast); remove or rename it');
  }, 60_000);

  it('sets a baseline from plain dates, as whole days in the deployment’s time zone', async () => {
    const admin = client(server.url, server.adminToken);
    await admin.post('/v1/deployments', {
      id: 'berlin',
      name: 'Berlin desk',
      owner: { name: 'Dana Reyes', email: 'dana@example.com' },
      timezone: 'Europe/Berlin',
      criteria: [{ metric: 'error_ratio', atMost: 0.1 }],
    });
    const set = await cli(server, ['deployments', 'baseline', 'berlin', '--from', '2026-09-01', '--to', '2026-09-28']);
    expect(set.code).toBe(0);
    expect(set.stderr).toContain('note: 2026-09-01 to 2026-09-28 in Europe/Berlin is 2026-08-31T22:00:00.000Z to 2026-09-28T22:00:00.000Z');
    expect(JSON.parse(set.stdout)).toMatchObject({ baselineWindow: { from: '2026-08-31T22:00:00.000Z', to: '2026-09-28T22:00:00.000Z' } });
    // The scorecard reads it back as the same local days, both included.
    const card = (await admin.get('/v1/deployments/berlin/scorecard')).body;
    expect(card.windows.baseline).toMatchObject({ from: '2026-09-01', to: '2026-09-28', days: 28 });

    const impossible = await cli(server, ['deployments', 'baseline', 'berlin', '--from', '2026-02-30', '--to', '2026-03-28']);
    expect(impossible).toMatchObject({ code: 1, stderr: expect.stringContaining('"2026-02-30" is not a calendar date: write YYYY-MM-DD') });
  }, 60_000);

  it('import says when rows were rejected, and with --strict exits with status 2', async () => {
    const key = await deploymentWithKey(server.url, server.adminToken, 'history');
    const file = join(dir, 'tasks.csv');
    writeFileSync(file, 'Case ID,Completed At,Duration\ncase-1,2026-06-01 09:00,300\ncase-2,not a date,300\ncase-3,2026-06-01 10:00,240\n');
    const lenient = await cli(server, ['import', file, '--deployment', 'history', '--key', key]);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toContain('imported: 2, already there: 0, rejected: 1');
    expect(lenient.stderr).toBe(
      'note: 1 row of 3 was rejected:\n' +
        '  1 row invalid_row: row 2: time "not a date" is not a date and time\n' +
        `Each is in ${file}.rejected.csv with its row number, its fields and the reason: fix them there and import that file (its rejected_* columns are ignored).\n` +
        'With --strict that is an error (exit status 2).\n',
    );

    const strict = await cli(server, ['import', file, '--deployment', 'history', '--key', key, '--strict']);
    expect(strict.code).toBe(2);
    expect(strict.stdout).toContain('imported: 0, already there: 2, rejected: 1');
    expect(strict.stderr).toContain('baseliner: 1 row of 3 was rejected:\n');
    expect(strict.stderr).toContain('--strict makes that an error (exit status 2).\n');
  }, 60_000);

  it('tells an ingest key used as the admin token, and the admin token used as an ingest key', async () => {
    const wrongForControl = await cli(server, ['status'], { BASELINER_ADMIN_TOKEN: ingestKey });
    expect(wrongForControl.code).toBe(1);
    expect(wrongForControl.stderr).toContain('401: This is an ingest key (blk_…): it only sends events to POST /v1/events. The control API needs the admin token');

    const file = join(dir, 'one.csv');
    writeFileSync(file, 'Case ID,Completed At,Duration\ncase-1,2026-06-01 09:00,300\n');
    const wrongForEvents = await cli(server, ['import', file, '--deployment', 'slow-review', '--key', server.adminToken]);
    expect(wrongForEvents.code).toBe(1);
    expect(wrongForEvents.stderr).toContain('This is the admin token: it is for the control API (/v1/deployments…), not for sending events');
  }, 60_000);
});
