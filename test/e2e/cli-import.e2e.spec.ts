import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { EVENT_STORE, type EventStore } from '@baseliner/event-store';
import { repoRoot } from '../support/run-ts';
import { client, deploymentWithKey, startTestServer, type TestServer } from '../support/test-server';
import { runCli as cli } from '../support/cli';

// `baseliner import` and the rows it cannot import: each one must come back to the user with its
// row number, its own fields and the reason, in a file that imports again once fixed; and a file
// refused whole must fail loudly, not exit 0 with the reason tucked away in a file.

const run = promisify(execFile);
type Rejected = Record<string, string> & { rejected_row: string; rejected_reason: string; rejected_message: string };
const readRejected = (file: string) => parse(readFileSync(file, 'utf8'), { columns: true }) as Rejected[];

describe('baseliner import: the rows it cannot import', () => {
  let server: TestServer;
  let dir: string;
  let key: string;
  const stored = async (deployment: string) => (await server.app.get<EventStore>(EVENT_STORE).readStream(`telemetry-${deployment}`)).length;

  beforeAll(async () => {
    server = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'baseliner-cli-import-'));
    key = await deploymentWithKey(server.url, server.adminToken, 'history');
    await deploymentWithKey(server.url, server.adminToken, 'other');
  });
  afterAll(async () => {
    await server.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes every row the server refuses to <file>.rejected.csv with its row number, its fields and the reason; fixed, that file imports', async () => {
    const file = join(dir, 'quarter.csv');
    const lines = ['Case ID,Completed At,Duration,Reviewer,Note'];
    const expected = new Map<number, string>(); // row → reason
    for (let i = 1; i <= 1500; i += 1) {
      let id = `case-${i}`;
      let when = `2026-06-01 ${String(8 + (i % 10)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`;
      if (i % 100 === 7) {
        when = '2099-01-01 09:00'; // the server refuses times in the future
        expected.set(i, 'time_in_future');
      } else if (i % 250 === 3) {
        id = `case-${i}-${'x'.repeat(300)}`; // task ids are at most 256 characters
        expected.set(i, 'invalid_data');
      } else if (i === 10) {
        when = 'yesterday'; // not read: refused before sending
        expected.set(i, 'invalid_row');
      }
      lines.push(`${id},${when},${240 + (i % 50)},r${i % 7},"note ${i}, with a comma"`);
    }
    writeFileSync(file, `${lines.join('\n')}\n`);

    const first = await cli(server, ['import', file, '--deployment', 'history', '--key', key]);
    expect(first.code).toBe(0);
    const refused = expected.size;
    expect(first.stdout).toContain(`imported: ${1500 - refused}, already there: 0, rejected: ${refused} (in ${file}.rejected.csv)`);
    expect(first.stderr).toContain(`note: ${refused} rows of 1500 were rejected:\n`);
    expect(first.stderr).toContain('  15 rows time_in_future, e.g. row 7: time 2099-01-01T09:00:00.000Z is');
    expect(first.stderr).toContain('  6 rows invalid_data, e.g. row 3: data.taskId');
    expect(first.stderr).toContain('  1 row invalid_row: row 10: time "yesterday" is not a date and time');
    expect(first.stderr).toContain(`Each is in ${file}.rejected.csv with its row number, its fields and the reason`);

    const rejected = readRejected(`${file}.rejected.csv`);
    expect(rejected).toHaveLength(refused);
    expect(new Map(rejected.map((r) => [Number(r.rejected_row), r.rejected_reason]))).toEqual(expected);
    // Each with the row's own fields, as they were in the file.
    for (const r of rejected) {
      const [id, when, duration, reviewer, note] = parse(lines[Number(r.rejected_row)] as string)[0] as string[];
      expect(r).toEqual({ ...r, 'Case ID': id, 'Completed At': when, Duration: duration, Reviewer: reviewer, Note: note });
    }
    expect(rejected.find((r) => r.rejected_row === '7')?.rejected_message).toMatch(/^time 2099-01-01T09:00:00.000Z is \d+ s ahead of the server clock/);

    // Fixed where they are, the rejected rows import from that file.
    const fixed: Rejected[] = rejected.map((r) => ({
      ...r,
      'Case ID': r['Case ID']?.slice(0, 20),
      'Completed At': r.rejected_reason === 'invalid_data' ? r['Completed At'] : '2026-06-02 10:00',
    }));
    const header = Object.keys(rejected[0] as Rejected);
    const cell = (v: string | undefined) => `"${(v ?? '').replace(/"/g, '""')}"`;
    writeFileSync(`${file}.rejected.csv`, `${[header.join(','), ...fixed.map((r) => header.map((h) => cell(r[h])).join(','))].join('\n')}\n`);
    const again = await cli(server, ['import', `${file}.rejected.csv`, '--deployment', 'history', '--key', key]);
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: '' });
    expect(again.stdout).toContain(`imported: ${refused}, already there: 0, rejected: 0\n`);
    expect(existsSync(`${file}.rejected.csv.rejected.csv`)).toBe(false);
    expect(await stored('history')).toBe(1500);
  }, 120_000);

  it('an NDJSON file’s rejected rows go to <file>.rejected.ndjson as the objects they were', async () => {
    const file = join(dir, 'tasks.ndjson');
    const rows = [
      { task_id: 'n-1', time: '2026-06-03T09:00:00Z', duration: 120, queue: 'north' },
      { task_id: 'n-2', time: '2099-06-03T09:00:00Z', duration: 130, queue: 'south' },
      'not json',
      { task_id: 'n-4', time: '2026-06-03T10:00:00Z', duration: 'soon', queue: 'north' },
    ];
    writeFileSync(file, `${rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n')}\n`);
    const result = await cli(server, ['import', file, '--deployment', 'history', '--key', key]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`imported: 1, already there: 0, rejected: 3 (in ${file}.rejected.ndjson)`);
    const rejected = readFileSync(`${file}.rejected.ndjson`, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(rejected).toEqual([
      { rejected_row: 2, rejected_reason: 'time_in_future', rejected_message: expect.stringContaining('ahead of the server clock'), ...(rows[1] as object) },
      { rejected_row: 3, rejected_reason: 'invalid_row', rejected_message: 'the line is not a JSON object', rejected_line: 'not json' },
      { rejected_row: 4, rejected_reason: 'invalid_row', rejected_message: 'duration "soon" is not seconds or hh:mm:ss', ...(rows[3] as object) },
    ]);
  }, 60_000);

  it('a file refused whole (an unknown deployment, another deployment’s key) exits 1 and says why on stderr', async () => {
    const file = join(dir, 'refused.csv');
    const lines = ['task_id,completed_at,duration'];
    for (let i = 1; i <= 82; i += 1) lines.push(`r-${i},2026-06-04 09:${String(i % 60).padStart(2, '0')},300`);
    writeFileSync(file, `${lines.join('\n')}\n`);

    const unknown = await cli(server, ['import', file, '--deployment', 'histroy', '--key', key]);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('imported: 0, already there: 0, rejected: 82');
    expect(unknown.stderr).toContain(
      `baseliner: nothing was imported: all 82 rows of ${file} were rejected:\n  82 rows unknown_deployment, e.g. row 1: No deployment "histroy" is registered`,
    );
    expect(readRejected(`${file}.rejected.csv`).map((r) => Number(r.rejected_row))).toEqual(lines.slice(1).map((_, i) => i + 1));

    const otherKey = await cli(server, ['import', file, '--deployment', 'other', '--key', key]);
    expect(otherKey.code).toBe(1);
    expect(otherKey.stderr).toContain('82 rows forbidden, e.g. row 1: This key belongs to deployment "history" and cannot write "other"');
    const rejected = readRejected(`${file}.rejected.csv`);
    expect(rejected).toHaveLength(82);
    expect(rejected[81]).toMatchObject({ rejected_row: '82', rejected_reason: 'forbidden', task_id: 'r-82', completed_at: '2026-06-04 09:22', duration: '300' });
    expect(await stored('other')).toBe(0);
  }, 60_000);

  it('from `npm run baseliner` in another folder, a relative file is that folder’s; nothing rejected leaves no rejected file', async () => {
    if (!existsSync(join(repoRoot, 'dist/apps/cli/src/main.js'))) throw new Error('dist/ is missing: run npm run build first');
    const folder = join(dir, 'exports');
    mkdirSync(folder);
    writeFileSync(join(folder, 'baseline.csv'), 'task_id,completed_at,duration\nb-1,2026-06-05 09:00,300\nb-2,2026-06-05 10:00,310\n');
    // As a person runs it: npm started in their folder, the script run in the repository's.
    const env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_') && name !== 'INIT_CWD')),
      BASELINER_URL: server.url,
    };
    const npm = (args: string[]) =>
      run('npm', ['--prefix', repoRoot, 'run', '--silent', 'baseliner', '--', ...args], { cwd: folder, env }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
      );
    const imported = await npm(['import', 'baseline.csv', '--deployment', 'history', '--key', key]);
    expect(imported).toMatchObject({ code: 0, stderr: '' });
    expect(imported.stdout).toContain('imported: 2, already there: 0, rejected: 0\n');
    expect(readdirSync(folder)).toEqual(['baseline.csv']);
    expect(existsSync(join(repoRoot, 'baseline.csv.rejected.csv'))).toBe(false);

    const missing = await npm(['import', 'baseline-q3.csv', '--deployment', 'history', '--key', key]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`baseliner: There is no file ${join(folder, 'baseline-q3.csv')} (baseline-q3.csv, from the folder the command was run in, ${folder})`);
  }, 60_000);

  it('without a token, says where it looked for one and what to set', async () => {
    const empty = mkdtempSync(join(dir, 'data-'));
    const status = await cli(server, ['status'], { BASELINER_ADMIN_TOKEN: '', BASELINER_DATA_DIR: empty });
    expect(status.code).toBe(1);
    expect(status.stderr).toBe(
      `baseliner: No admin token: BASELINER_ADMIN_TOKEN is not set, and no token was found in ${join(empty, 'secrets/admin-token')} (there is no such file). ` +
        'Set BASELINER_ADMIN_TOKEN to the token the server printed on its first start (saved in <its data directory>/secrets/admin-token), ' +
        'or set BASELINER_DATA_DIR to the server’s data directory.\n',
    );
    // And the token found there is used.
    mkdirSync(join(empty, 'secrets'));
    writeFileSync(join(empty, 'secrets/admin-token'), `${server.adminToken}\n`);
    expect((await cli(server, ['status'], { BASELINER_ADMIN_TOKEN: '', BASELINER_DATA_DIR: empty })).code).toBe(0);
    expect((await client(server.url, server.adminToken).get('/v1/deployments')).status).toBe(200);
  }, 60_000);
});
