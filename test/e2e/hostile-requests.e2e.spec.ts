import { seededRandom } from '@baseliner/analytics';
import { client, deploymentWithKey, startTestServer, taskCompleted, type TestServer } from '../support/test-server';

// Thousands of generated hostile requests — broken JSON, wrong types, odd Unicode, deep nesting,
// huge numbers, wrong methods, strange paths and headers — on loopback, bounded in count. None
// may produce a 5xx (bad input is the client's problem, said clearly), and the server stays healthy.
describe('hostile requests', () => {
  let server: TestServer;
  let key: string;
  beforeAll(async () => {
    server = await startTestServer({ config: { ingestRateLimit: 0 } });
    key = await deploymentWithKey(server.url, server.adminToken, 'target');
  });
  afterAll(async () => server.dispose());

  it('answers 6,000 generated hostile requests without a single 5xx, and is healthy after', async () => {
    const random = seededRandom(1337);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const nasty = [
      '', ' ', '{', '[', '[{]', 'null', 'true', '0', '-1e999', '1e309', '"x"', '[[[[[[[[[[]]]]]]]]]]', '{"__proto__":{"polluted":1}}',
      '{"constructor":{"prototype":{"x":1}}}', '\u0000', '\ud800', '\uffff', '𝕏'.repeat(50), 'A'.repeat(5_000), '{"a":'.repeat(200),
    ];
    const values = [null, true, false, 0, -1, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, '', ' ', 'x'.repeat(300), '\u202e', '\ud83d', '../../etc/passwd', '<script>', {}, [], [[]], { $gt: '' }];
    const fields = ['specversion', 'id', 'source', 'type', 'time', 'deployment', 'data', 'subject', 'datacontenttype'];
    const dataFields = ['taskId', 'mode', 'outcome', 'durationSeconds', 'actor', 'costUsd', 'segment', 'to', 'stage', 'score', 'scope'];

    const mutate = (): unknown => {
      const event = taskCompleted('target', { id: `h-${Math.floor(random() * 1e9)}` }) as Record<string, unknown>;
      const data = { ...(event.data as Record<string, unknown>) };
      for (let i = 0; i < 1 + Math.floor(random() * 3); i += 1) {
        if (random() < 0.5) event[pick(fields)] = pick(values);
        else data[pick(dataFields)] = pick(values);
        if (random() < 0.1) delete event[pick(fields)];
      }
      event.data = random() < 0.9 ? data : pick(values);
      event.type = random() < 0.7 ? event.type : pick(['ai.used', 'escalation.raised', 'feedback.given', 'nope', '', 'task.completed ']);
      return event;
    };

    const request = async (): Promise<number> => {
      const roll = random();
      const headers: Record<string, string> = { 'content-type': pick(['application/json', 'application/cloudevents-batch+json', 'text/plain', 'application/json; charset=latin1', 'application/cloudevents+json']) };
      if (roll < 0.45) {
        const body = random() < 0.5 ? JSON.stringify(Array.from({ length: 1 + Math.floor(random() * 5) }, mutate)) : pick(nasty);
        return (await client(server.url, random() < 0.9 ? key : pick(['', 'blk_x.y', key.slice(0, -1), 'Bearer'])).post('/v1/events', body, headers)).status;
      }
      if (roll < 0.7) {
        const body = random() < 0.5 ? JSON.stringify({ id: pick(['a', 'A', '-x', 'x'.repeat(80), 'ok-id']), name: pick(values), owner: pick([{ name: 'Dana Reyes', email: 'd@example.com' }, { name: 'team' }, 'x', null]), criteria: pick([[], [{ metric: 'error_ratio' }], 'x', [{ metric: 'error_ratio', atMost: pick(values) }]]) }) : pick(nasty);
        return (await client(server.url, server.adminToken).post('/v1/deployments', body, headers)).status;
      }
      const path = pick(['/v1/deployments/%zz', `/v1/deployments/${'a'.repeat(300)}`, '/v1/deployments/target/scorecard', '/v1/deployments/..%2f..%2f', '/metrics?x=%00', '/openapi.json', '/v1/events', '/v1/deployments/target/keys/%ff', '/nope']);
      const method = pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
      const reply = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${pick([server.adminToken, key, 'x'])}`, ...headers }, ...(method !== 'GET' && method !== 'HEAD' && { body: pick(nasty) }) });
      await reply.arrayBuffer();
      return reply.status;
    };

    const statuses = new Map<number, number>();
    let next = 0;
    const total = 6_000;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < total) {
          next += 1;
          const status = await request();
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
    const serverErrors = [...statuses].filter(([status]) => status >= 500);
    expect(serverErrors).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(total);
    expect((await client(server.url).get('/healthz')).status).toBe(200);
    expect((await client(server.url).get('/readyz')).status).toBe(200);
    expect((await client(server.url, key).post('/v1/events', [taskCompleted('target')])).status).toBe(202);
  }, 120_000);

  it('reads a malformed session cookie as no session on every page: the sign-in page, never a 5xx', async () => {
    const cookies = ['baseliner_session=%E0%A4%A', 'baseliner_session=%', 'baseliner_session=%zz%', 'a=%E0; baseliner_session=%ff%fe', 'baseliner_session="%E0%A4%A"', 'baseliner_session=%00'];
    for (const path of ['/', '/deployments/target', '/deployments/target?x=%E0%A4%A', '/?verdict=%E0%A4%A']) {
      for (const cookie of cookies) {
        const reply = await fetch(`${server.url}${path}`, { headers: { cookie }, redirect: 'manual' });
        await reply.arrayBuffer();
        expect({ path, cookie, status: reply.status, location: reply.headers.get('location')?.split('?')[0] }).toEqual({ path, cookie, status: 303, location: '/sign-in' });
      }
    }
  });
});
