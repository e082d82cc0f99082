import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ProjectorService } from '@baseliner/projector';
import { chunks, plannedTasks } from '../support/scenario';
import { client, startTestServer, type TestServer } from '../support/test-server';

const DAY = 86_400_000;
// A fixed "now" a little before the real clock, so backdated events are never in the future.
const NOW = new Date(Math.floor(Date.now() / DAY) * DAY - DAY + 18 * 3_600_000);
const GO_LIVE = NOW.getTime() - 50 * DAY - 10 * 3_600_000; // 08:00, so day 50 ends before "now"
const clock = { now: () => NOW };

async function register(admin: ReturnType<typeof client>, id: string, criteria: unknown[], extra: Record<string, unknown> = {}) {
  await admin.post('/v1/deployments', { id, name: id, owner: { name: 'Dana Reyes', email: 'dana.reyes@example.com' }, criteria, ...extra });
  await admin.post(`/v1/deployments/${id}/go-live`, { at: new Date(GO_LIVE).toISOString() });
  return (await admin.post(`/v1/deployments/${id}/keys`)).body.key as string;
}

async function send(url: string, key: string, events: Record<string, unknown>[]) {
  for (const batch of chunks(events, 1000)) {
    const reply = await client(url, key).post('/v1/events', batch);
    if (reply.status !== 202) throw new Error(`intake answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  }
}

function seriesLines(text: string, deployment: string): string[] {
  return text.split('\n').filter((line) => line.startsWith('baseliner_') && line.includes(`deployment="${deployment}"`));
}


// The exposition lint needs promtool (Debian package prometheus): skipped, visibly, without it —
// and required under CI, where a missing tool is a failure.
const promtoolAvailable = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).error === undefined;
if (!promtoolAvailable && process.env.CI) throw new Error('promtool is required in CI (Debian package prometheus)');
if (!promtoolAvailable) console.warn('promtool not installed: skipping the exposition lint (apt-get install prometheus)');

describe('the read side, through the running app', () => {
  let server: TestServer;
  let admin: ReturnType<typeof client>;

  beforeAll(async () => {
    server = await startTestServer({ clock });
    admin = client(server.url, server.adminToken);
    const win = await register(admin, 'doc-review', [
      { metric: 'task_duration_p50', relativeChange: -0.3 },
      { metric: 'error_ratio', relativeChange: 0 },
      { metric: 'adoption_ratio', atLeast: 0.6 },
    ], { eligibleUsers: 20 });
    await send(server.url, win, [
      ...plannedTasks(GO_LIVE, { deployment: 'doc-review', fromDay: -28, toDay: -1, perDay: 30, mode: 'manual', medianSeconds: 600, errorRate: 0.1 }),
      ...plannedTasks(GO_LIVE, { deployment: 'doc-review', fromDay: 0, toDay: 50, perDay: 30, mode: 'ai', medianSeconds: 240, errorRate: 0.04 }),
    ]);
    const abandoned = await register(admin, 'dispatch', [{ metric: 'adoption_ratio', atLeast: 0.5 }], { eligibleUsers: 20 });
    await send(server.url, abandoned, [
      ...plannedTasks(GO_LIVE, { deployment: 'dispatch', fromDay: -28, toDay: -1, perDay: 30, mode: 'manual', medianSeconds: 300, errorRate: 0.1 }),
      ...plannedTasks(GO_LIVE, { deployment: 'dispatch', fromDay: 0, toDay: 16, perDay: 30, mode: 'ai', medianSeconds: 280, errorRate: 0.1 }),
      ...plannedTasks(GO_LIVE, { deployment: 'dispatch', fromDay: 17, toDay: 50, perDay: 30, mode: 'manual', medianSeconds: 300, errorRate: 0.1, seed: 2 }),
    ]);
    await server.app.get(ProjectorService).catchUp();
    await server.app.get(ProjectorService).evaluate();
  }, 60_000);
  afterAll(async () => server.dispose());

  it('answers "does it work?" per deployment: a clear win works, quiet abandonment fails', async () => {
    const win = await admin.get('/v1/deployments/doc-review/scorecard');
    expect(win.status).toBe(200);
    expect(win.body).toMatchObject({ verdict: 'works', daysToVerdict: 0, windows: { baseline: { tasks: { manual: 840 } } } });
    expect(win.body.metrics.task_duration_p50.change.upper).toBeLessThan(-0.3);
    const abandoned = await admin.get('/v1/deployments/dispatch/scorecard');
    expect(abandoned.body).toMatchObject({ verdict: 'failing', adoption: { activeUsers7d: 0, reversionRatio: 1 } });
    expect((await admin.get('/v1/deployments')).body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'doc-review', verdict: 'works' }),
        expect.objectContaining({ id: 'dispatch', verdict: 'failing' }),
      ]),
    );
    expect((await admin.get('/v1/deployments/ghost/scorecard')).status).toBe(404);
  });

  it('exposes every contract metric with its labels, at most 100 series per deployment', async () => {
    const text = (await client(server.url).get('/metrics')).body as string;
    for (const line of [
      'baseliner_deployment_verdict{deployment="doc-review",verdict="works"} 1',
      'baseliner_deployment_verdict{deployment="dispatch",verdict="failing"} 1',
      'baseliner_deployment_phase{deployment="doc-review",phase="live"} 1',
      'baseliner_criterion_status{deployment="doc-review",criterion="task_duration_p50",status="met"} 1',
      'baseliner_tasks{deployment="doc-review",window="baseline",mode="manual"} 840',
      'baseliner_active_users{deployment="dispatch",period="7d"} 0',
      'baseliner_reversion_ratio{deployment="dispatch"} 1',
      'baseliner_verdict_eta_days{deployment="doc-review"} 0',
      'baseliner_projection_lag_seconds 0',
    ]) {
      expect(text).toContain(line);
    }
    for (const name of [
      'baseliner_deployment_info', 'baseliner_live_since_timestamp_seconds', 'baseliner_last_event_timestamp_seconds',
      'baseliner_task_duration_seconds', 'baseliner_error_ratio', 'baseliner_escalation_ratio', 'baseliner_downstream_error_ratio',
      'baseliner_change_ratio', 'baseliner_eligible_users', 'baseliner_adoption_ratio', 'baseliner_adoption_drop_ratio',
      'baseliner_ai_task_share_ratio', 'baseliner_override_ratio', 'baseliner_disables', 'baseliner_weekday_error_ratio',
      'baseliner_weekday_anomaly', 'baseliner_events_received_total', 'baseliner_events_rejected_total', 'process_cpu_seconds_total',
    ]) {
      expect(text).toMatch(new RegExp(`^${name}[{ ]`, 'm'));
    }
    expect(text).not.toMatch(/person-\d+@example\.com|="p_[A-Za-z0-9_-]{22}"/); // no actor, raw or pseudonymised, as a label
    expect(seriesLines(text, 'doc-review').length).toBeLessThanOrEqual(100);
    expect(seriesLines(text, 'dispatch').length).toBeLessThanOrEqual(100);
  });

  (promtoolAvailable ? it : it.skip)('passes promtool check metrics (skipped without promtool: apt-get install prometheus)', async () => {
    const text = (await client(server.url).get('/metrics')).body as string;
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(promtool.error).toBeUndefined();
    // Exit 1 = not parsable; 3 = lint findings only. The findings allowed are the contract's own
    // stable names (a `quantile` label on a gauge, an `_days` unit) and prom-client's nodejs_*_total gauges.
    expect(promtool.status === 0 || promtool.status === 3).toBe(true);
    const allowed = [
      /^baseliner_task_duration_seconds non-summary metrics should not have "quantile" label$/,
      /^baseliner_verdict_eta_days use base unit "seconds" instead of "days"$/,
      /^nodejs_\w+_total non-counter metrics should not have "_total" suffix$/,
    ];
    const findings = (promtool.stderr + promtool.stdout).split('\n').filter(Boolean);
    expect(findings.filter((line) => !allowed.some((pattern) => pattern.test(line)))).toEqual([]);
  });

  it('gives identical scorecards and metrics after a restart (from the snapshot) and after a full replay', async () => {
    const before = (await admin.get('/v1/deployments/doc-review/scorecard')).body;
    const beforeDispatch = (await admin.get('/v1/deployments/dispatch/scorecard')).body;
    const deploymentMetrics = async () => {
      await server.app.get(ProjectorService).catchUp();
      await server.app.get(ProjectorService).evaluate();
      const text = (await client(server.url).get('/metrics')).body as string;
      return [...seriesLines(text, 'doc-review'), ...seriesLines(text, 'dispatch')];
    };
    const metricsBefore = await deploymentMetrics();
    expect(metricsBefore.length).toBeGreaterThan(100);
    const dataDir = server.dataDir;
    await server.close(); // saves the snapshot
    server = await startTestServer({ clock, dataDir });
    admin = client(server.url, server.adminToken);
    expect((await admin.get('/v1/deployments/doc-review/scorecard')).body).toEqual(before);
    expect(await deploymentMetrics()).toEqual(metricsBefore);

    await server.close();
    rmSync(join(dataDir, 'projector.db'), { force: true });
    rmSync(join(dataDir, 'projector.db-wal'), { force: true });
    rmSync(join(dataDir, 'projector.db-shm'), { force: true });
    server = await startTestServer({ clock, dataDir });
    admin = client(server.url, server.adminToken);
    expect((await admin.get('/v1/deployments/doc-review/scorecard')).body).toEqual(before);
    expect((await admin.get('/v1/deployments/dispatch/scorecard')).body).toEqual(beforeDispatch);
    expect(await deploymentMetrics()).toEqual(metricsBefore);
  }, 60_000);
});
