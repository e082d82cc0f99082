import { ProjectorService } from '@baseliner/projector';
import { chunks, plannedTasks, type TaskPlan } from '../support/scenario';
import { client, startTestServer, type TestServer } from '../support/test-server';

// The product's stories, told through the HTTP API with backdated events, judged at a fixed "now".
const DAY = 86_400_000;
const NOW = new Date(Math.floor(Date.now() / DAY) * DAY - DAY + 18 * 3_600_000);
const GO_LIVE = NOW.getTime() - 50 * DAY - 10 * 3_600_000; // 08:00 UTC, 50 days ago
const LAST_DAY = 50;

describe('scenarios', () => {
  let server: TestServer;
  let admin: ReturnType<typeof client>;

  beforeAll(async () => {
    server = await startTestServer({ clock: { now: () => NOW } });
    admin = client(server.url, server.adminToken);
  });
  afterAll(async () => server.dispose());

  async function deployment(id: string, criteria: unknown[], extra: Record<string, unknown> = {}) {
    const registered = await admin.post('/v1/deployments', { id, name: id, owner: { name: 'Dana Reyes', email: 'dana.reyes@example.com' }, criteria, ...extra });
    expect(registered.status).toBe(201);
    expect((await admin.post(`/v1/deployments/${id}/go-live`, { at: new Date(GO_LIVE).toISOString() })).status).toBe(200);
    const key = (await admin.post(`/v1/deployments/${id}/keys`)).body.key as string;
    const events = client(server.url, key);
    return {
      async send(list: Record<string, unknown>[]) {
        let accepted = 0;
        let duplicates = 0;
        for (const batch of chunks(list, 1000)) {
          const reply = await events.post('/v1/events', batch);
          expect(reply.status).toBe(202);
          accepted += reply.body.accepted;
          duplicates += reply.body.duplicates;
        }
        return { accepted, duplicates };
      },
      tasks: (plan: Omit<TaskPlan, 'deployment'>) => plannedTasks(GO_LIVE, { deployment: id, ...plan }),
      event: (day: number, i: number, type: string, data: Record<string, unknown>) => ({
        specversion: '1.0',
        id: `${id}-${type}-${day}-${i}`,
        source: 'scenario',
        type,
        time: new Date(GO_LIVE + day * DAY + 3_600_000).toISOString(),
        deployment: id,
        data,
      }),
      async scorecard() {
        return (await admin.get(`/v1/deployments/${id}/scorecard`)).body;
      },
    };
  }

  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it('adoption climbing from 10% to everyone over six weeks: failing at first, then works', async () => {
    const d = await deployment('governance', [{ metric: 'adoption_ratio', atLeast: 0.6 }, { metric: 'ai_task_share', atLeast: 0.5 }], { eligibleUsers: 20 });
    // Week w (0–6): the first 2 + 3w people use the AI; the rest work manually.
    const events = range(0, LAST_DAY).flatMap((day) => {
      const adopters = Math.min(20, 2 + 3 * Math.floor(day / 7));
      return range(0, 19).map((person) => ({
        ...d.event(day, person, 'task.completed', {
          taskId: `g-${day}-${person}`,
          mode: person < adopters ? 'ai' : 'manual',
          outcome: 'success',
          durationSeconds: 300,
          actor: `person-${person}@example.com`,
        }),
      }));
    });
    await d.send(events);
    const card = await d.scorecard();
    expect(card.adoption.activeUsers7d).toBe(20);
    expect(card.adoption.adoptionRatio).toBe(1);
    expect(card.adoption.adoptionDropRatio).toBe(0);
    expect(card.verdict).toBe('works');
    // Held: it failed while adoption was low, and turned only when every criterion was met.
    expect(card.criteriaVerdict).toBe('works');
    expect(Date.parse(card.verdictSince)).toBeGreaterThan(GO_LIVE + 14 * DAY);
  });

  it('an integration that breaks every Tuesday (deployment time) is flagged on Tuesday', async () => {
    const d = await deployment('integration', [{ metric: 'error_ratio', atMost: 0.3 }], { timezone: 'America/New_York' });
    const tasks = range(0, LAST_DAY).flatMap((day) =>
      range(0, 19).map((i) => {
        // 15:00 UTC is 10:00/11:00 in New York: the same calendar day there.
        const at = GO_LIVE + day * DAY + 7 * 3_600_000;
        const tuesday = new Date(at - 5 * 3_600_000).getUTCDay() === 2;
        return {
          ...d.event(day, i, 'task.completed', { taskId: `i-${day}-${i}`, mode: 'ai', outcome: tuesday && i < 9 ? 'error' : i === 0 ? 'error' : 'success', durationSeconds: 60 }),
          time: new Date(at).toISOString(),
        };
      }),
    );
    await d.send(tasks);
    const card = await d.scorecard();
    expect(Object.entries(card.weekday.anomaly).filter(([, flagged]) => flagged).map(([day]) => day)).toEqual(['tue']);
  });

  it('errors shifted downstream: the AI step improves, downstream errors rise → failing', async () => {
    const d = await deployment('claims', [{ metric: 'error_ratio', relativeChange: -0.2 }, { metric: 'downstream_error_ratio', relativeChange: 0 }]);
    await d.send([
      ...d.tasks({ fromDay: -28, toDay: -1, perDay: 30, mode: 'manual', medianSeconds: 400, errorRate: 0.12 }),
      ...range(-28, -1).map((day) => d.event(day, 0, 'error.downstream', { stage: 'billing' })),
      ...d.tasks({ fromDay: 0, toDay: LAST_DAY, perDay: 30, mode: 'ai', medianSeconds: 200, errorRate: 0.03 }),
      ...range(0, LAST_DAY).flatMap((day) => range(0, 5).map((i) => d.event(day, i, 'error.downstream', { stage: 'billing' }))),
    ]);
    const card = await d.scorecard();
    expect(card.criteria.map((c: { status: string }) => c.status)).toEqual(['met', 'not_met']);
    expect(card.verdict).toBe('failing');
  });

  it('too little data: insufficient_data, with the days still needed', async () => {
    const d = await deployment('pilot', [{ metric: 'task_duration_p50', relativeChange: -0.3 }]);
    await d.send([
      ...d.tasks({ fromDay: -28, toDay: -1, perDay: 5, mode: 'manual', medianSeconds: 600, errorRate: 0.1 }),
      ...d.tasks({ fromDay: LAST_DAY - 9, toDay: LAST_DAY, perDay: 2, mode: 'ai', medianSeconds: 240, errorRate: 0.05 }),
    ]);
    const card = await d.scorecard();
    expect(card).toMatchObject({ verdict: 'insufficient_data', daysToVerdict: 14 });
  });

  it('a baseline backfilled after go-live changes the verdict; a resend changes nothing', async () => {
    const d = await deployment('backfill', [{ metric: 'task_duration_p50', relativeChange: -0.3 }]);
    const current = d.tasks({ fromDay: 0, toDay: LAST_DAY, perDay: 30, mode: 'ai', medianSeconds: 240, errorRate: 0.05 });
    await d.send(current);
    expect((await d.scorecard()).verdict).toBe('insufficient_data');
    const baseline = d.tasks({ fromDay: -28, toDay: -1, perDay: 30, mode: 'manual', medianSeconds: 600, errorRate: 0.1 });
    await d.send(baseline);
    const card = await d.scorecard();
    expect(card.verdict).toBe('works');
    expect(await d.send([...baseline, ...current])).toEqual({ accepted: 0, duplicates: baseline.length + current.length });
    expect(await d.scorecard()).toEqual(card);
  });

  it('rollback ends the current window and overrides the verdict; retirement overrides everything', async () => {
    const d = await deployment('rollback', [{ metric: 'error_ratio', atMost: 0.2 }]);
    await d.send(d.tasks({ fromDay: 0, toDay: LAST_DAY, perDay: 30, mode: 'ai', medianSeconds: 100, errorRate: 0.05 }));
    const rollbackAt = new Date(GO_LIVE + 30 * DAY).toISOString();
    expect((await admin.post('/v1/deployments/rollback/rollback', { at: rollbackAt, reason: 'Broke a dispatch rule' })).status).toBe(200);
    const card = await d.scorecard();
    expect(card.verdict).toBe('rolled_back');
    expect(card.windows.current.to).toBe(rollbackAt.slice(0, 10));
    expect((await admin.post('/v1/deployments/rollback/retire', { reason: 'Killed', outcome: 'killed' })).status).toBe(200);
    expect((await d.scorecard()).verdict).toBe('retired');
    await server.app.get(ProjectorService).evaluate();
    const metrics = (await client(server.url).get('/metrics')).body as string;
    expect(metrics).toContain('baseliner_deployment_verdict{deployment="rollback",verdict="retired"} 1');
    expect(metrics).toContain('baseliner_deployment_phase{deployment="rollback",phase="retired"} 1');
  });
});
