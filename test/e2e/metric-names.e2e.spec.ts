import { createServer } from 'node:net';
import { METRIC_NAMES, PROCESS_METRIC_NAMES } from '@baseliner/contracts';
import { ProjectorService } from '@baseliner/projector';
import { chunks, plannedTasks } from '../support/scenario';
import { client, startTestServer, type TestServer } from '../support/test-server';

// The dashboards and alert rules are built from METRIC_NAMES (libs/contracts/src/metric-names.ts).
// Here a running server says which metrics it really exposes: each must be a name from that
// module, and each name in the module must be exposed, or a panel or alert watches nothing.

const DAY = 86_400_000;
// A fixed "now" a little before the real clock, so backdated events are never in the future.
const NOW = new Date(Math.floor(Date.now() / DAY) * DAY - DAY + 18 * 3_600_000);
const GO_LIVE = NOW.getTime() - 50 * DAY - 10 * 3_600_000;

/** A port nothing listens on: the Kafka intake is configured, and its broker is unreachable. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Metric family names in an exposition: every `# TYPE` line, and every sample's name. */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const declared = /^# TYPE (\S+) /.exec(line);
    if (declared) names.add(declared[1] as string);
    else if (line && !line.startsWith('#')) names.add(/^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0] as string);
  }
  return names;
}

describe('metric names: what a running server exposes is what the dashboards and rules use', () => {
  let server: TestServer;
  let text: string;

  beforeAll(async () => {
    // The Kafka intake's metrics exist only where it runs; it declares them whether or not its
    // broker answers, and a broker is not what this test is about.
    const port = await closedPort();
    server = await startTestServer({
      clock: { now: () => NOW },
      config: { kafka: { brokers: [`127.0.0.1:${port}`], topic: 'baseliner.events', groupId: 'metric-names', clientId: 'metric-names' } },
    });
    const admin = client(server.url, server.adminToken);
    // A deployment with a baseline and 50 days live, costs, an escalation, a downstream error, an
    // override and a disable: enough for every per-deployment gauge to have a series.
    await admin.post('/v1/deployments', {
      id: 'doc-review',
      name: 'Document review',
      owner: { name: 'Dana Reyes', email: 'dana.reyes@example.com' },
      eligibleUsers: 20,
      criteria: [
        { metric: 'task_duration_p50', relativeChange: -0.3 },
        { metric: 'adoption_ratio', atLeast: 0.6 },
      ],
    });
    await admin.post('/v1/deployments/doc-review/go-live', { at: new Date(GO_LIVE).toISOString() });
    const key = (await admin.post('/v1/deployments/doc-review/keys')).body.key as string;
    const withCost = (event: Record<string, unknown>) => ({ ...event, data: { ...(event.data as object), costUsd: 0.4 } });
    const at = (day: number) => new Date(GO_LIVE + day * DAY + 3_600_000).toISOString();
    const events = [
      ...plannedTasks(GO_LIVE, { deployment: 'doc-review', fromDay: -28, toDay: -1, perDay: 30, mode: 'manual', medianSeconds: 600, errorRate: 0.1 }).map(withCost),
      ...plannedTasks(GO_LIVE, { deployment: 'doc-review', fromDay: 0, toDay: 50, perDay: 30, mode: 'ai', medianSeconds: 240, errorRate: 0.04 }).map(withCost),
      ...[
        { type: 'escalation.raised', data: { taskId: 't-45-1', to: 'builder' } },
        { type: 'error.downstream', data: { taskId: 't-45-2', stage: 'filing' } },
        { type: 'ai.overridden', data: { taskId: 't-46-3', actor: 'person-3@example.com' } },
        { type: 'ai.disabled', data: { actor: 'person-4@example.com' } },
      ].map((event, i) => ({ specversion: '1.0', id: `extra-${i}`, source: 'metric-names', time: at(46), deployment: 'doc-review', ...event })),
    ];
    for (const batch of chunks(events, 1000)) {
      const reply = await client(server.url, key).post('/v1/events', batch);
      if (reply.status !== 202) throw new Error(`intake answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    }
    // One refused event, so the rejection counter has a series of its own making too.
    await client(server.url, key).post('/v1/events', [{ specversion: '1.0', id: 'bad', source: 'metric-names', type: 'task.exploded', deployment: 'doc-review', time: at(47), data: {} }]);
    await server.app.get(ProjectorService).catchUp();
    await server.app.get(ProjectorService).evaluate();
    text = (await client(server.url).get('/metrics')).body as string;
  }, 120_000);
  afterAll(async () => server?.dispose(), 60_000);

  it('every baseliner_ metric the server exposes is named in libs/contracts/src/metric-names.ts', () => {
    const known = new Set<string>(Object.values(METRIC_NAMES));
    const exposed = [...exposedNames(text)].filter((name) => name.startsWith('baseliner'));
    expect(exposed.length).toBeGreaterThan(20);
    expect(exposed.filter((name) => !known.has(name))).toEqual([]);
  });

  it('every name in the module is exposed, so no panel or alert watches a metric that does not exist', () => {
    const exposed = exposedNames(text);
    const names = [...Object.values(METRIC_NAMES), ...Object.values(PROCESS_METRIC_NAMES)];
    expect(names.filter((name) => !exposed.has(name))).toEqual([]);
    // Exposed with data, not only declared: the per-deployment gauges the dashboards chart.
    expect(text).toContain(`${METRIC_NAMES.deploymentVerdict}{deployment="doc-review",verdict="works"} 1`);
    expect(text).toMatch(new RegExp(`^${METRIC_NAMES.eventsRejected}\\{reason="unknown_type",transport="http"\\} 1$`, 'm'));
  });
});
