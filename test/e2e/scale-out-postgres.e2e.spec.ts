import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithPostgres, freshDatabase } from '../support/postgres';
import { exited } from '../support/run-ts';
import { startAppProcess } from '../support/server-process';
import { client, taskCompleted, validRegistration } from '../support/test-server';
import { eventually } from '../support/eventually';

const ADMIN_TOKEN = 'scale-out-admin-token-0123456789';
const DEPLOYMENTS = Array.from({ length: 6 }, (_, i) => `scaled-${i}`);
const SHARDS = 4;
const DAY = 86_400_000;

type App = ReturnType<typeof startAppProcess> & { url: Promise<string> };

/** The deployment-labelled sample lines of a /metrics page (a projector's share of the portfolio). */
async function deploymentLines(url: string): Promise<string[]> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text.split('\n').filter((line) => line.startsWith('baseliner_') && line.includes('deployment="')).sort();
}

async function gauge(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : Number.NaN;
}

function currentAiTasks(lines: string[]): number {
  return lines
    .filter((l) => l.startsWith('baseliner_tasks{') && l.includes('window="current"') && l.includes('mode="ai"'))
    .reduce((sum, l) => sum + Number(l.split(' ')[1]), 0);
}

describeWithPostgres('scale-out on PostgreSQL: two intakes, two sharded projectors', () => {
  const started: App[] = [];
  const dirs: string[] = [];
  let database: Awaited<ReturnType<typeof freshDatabase>>;

  const start = (app: 'intake' | 'projector', env: Record<string, string> = {}): App => {
    const dir = mkdtempSync(join(tmpdir(), `baseliner-${app}-`));
    dirs.push(dir);
    const process = startAppProcess(app, dir, {
      BASELINER_EVENT_STORE: 'postgres',
      BASELINER_POSTGRES_URL: database.url,
      BASELINER_ADMIN_TOKEN: ADMIN_TOKEN,
      BASELINER_ACTOR_KEY: 'scale-out-actor-key-0123456789ab',
      BASELINER_PROJECTOR_SHARDS: String(SHARDS),
      BASELINER_INGEST_RATE_LIMIT: '0',
      ...env,
    });
    started.push(process);
    return process;
  };

  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(async () => {
    for (const app of started) if (app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGTERM');
    await Promise.all(started.map((app) => exited(app.child as ChildProcess)));
    await database?.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('counts every event once while a projector is killed mid-stream, and the projectors together show what one would', async () => {
    const intakeUrls = await Promise.all([start('intake'), start('intake')].map((app) => app.url));
    const [firstProjector, secondProjector] = [start('projector'), start('projector')];
    const projectorUrl = await firstProjector.url;
    await secondProjector.url;

    // Register through one intake; the other sees each deployment through the log.
    const admin = client(intakeUrls[0] as string, ADMIN_TOKEN);
    const keys = new Map<string, string>();
    for (const id of DEPLOYMENTS) {
      expect((await admin.post('/v1/deployments', { ...validRegistration(id), rampUpDays: 0 })).status).toBe(201);
      expect((await admin.post(`/v1/deployments/${id}/go-live`, { at: new Date(Date.now() - 3 * DAY).toISOString() })).status).toBe(200);
      keys.set(id, (await admin.post(`/v1/deployments/${id}/keys`)).body.key as string);
    }
    for (const id of DEPLOYMENTS) {
      await eventually(() => client(intakeUrls[1] as string, ADMIN_TOKEN).get(`/v1/deployments/${id}`), (r) => r.status === 200, 10_000);
    }

    // Four writers, alternating intakes, 50 events per batch; the second projector dies halfway.
    let acknowledged = 0;
    let sent = 0;
    const total = 160;
    const writer = async (w: number) => {
      while (sent < total) {
        const n = sent++;
        const id = DEPLOYMENTS[n % DEPLOYMENTS.length] as string;
        const batch = Array.from({ length: 50 }, () => taskCompleted(id));
        const reply = await client(intakeUrls[(n + w) % 2] as string, keys.get(id)).post('/v1/events', batch);
        expect(reply).toMatchObject({ status: 202, body: { accepted: 50, duplicates: 0 } });
        acknowledged += 50;
        if (n === total / 2) secondProjector.child.kill('SIGKILL');
      }
    };
    await Promise.all([0, 1, 2, 3].map(writer));
    expect(await exited(secondProjector.child)).toBe('SIGKILL');

    // The survivor takes the dead projector's shards over and shows every event, once.
    expect(await eventually(() => gauge(projectorUrl, 'baseliner_projector_shards'), (n) => n === SHARDS, 20_000)).toBe(SHARDS);
    const alone = await eventually(() => deploymentLines(projectorUrl), (lines) => currentAiTasks(lines) === acknowledged, 30_000);
    expect(currentAiTasks(alone)).toBe(acknowledged);

    // A projector joins again: the shards split between the two, with no deployment on both.
    const rejoined = start('projector');
    const rejoinedUrl = await rejoined.url;
    for (const url of [projectorUrl, rejoinedUrl]) {
      expect(await eventually(() => gauge(url, 'baseliner_projector_shards'), (n) => n === SHARDS / 2, 30_000)).toBe(SHARDS / 2);
    }
    // One projector over everything, for comparison.
    const single = start('projector', { BASELINER_PROJECTOR_SHARDS: '1' });
    const singleUrl = await single.url;
    const union = async () => [...(await deploymentLines(projectorUrl)), ...(await deploymentLines(rejoinedUrl))].sort();
    const whole = await eventually(() => deploymentLines(singleUrl), (lines) => currentAiTasks(lines) === acknowledged, 30_000);
    const together = await eventually(union, (lines) => lines.join('\n') === whole.join('\n'), 30_000);
    expect(together).toEqual(whole);
    expect(currentAiTasks(together)).toBe(acknowledged);
    const deploymentsOf = (lines: string[]) => new Set(lines.filter((l) => l.startsWith('baseliner_deployment_info')).map((l) => /deployment="([^"]+)"/.exec(l)?.[1]));
    const [a, b] = [deploymentsOf(await deploymentLines(projectorUrl)), deploymentsOf(await deploymentLines(rejoinedUrl))];
    expect([...a].filter((id) => b.has(id))).toEqual([]);
    expect(a.size + b.size).toBe(DEPLOYMENTS.length);
    expect(a.size).toBeGreaterThan(0);
    expect(b.size).toBeGreaterThan(0);
  }, 240_000);
});
