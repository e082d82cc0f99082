import { connect } from 'node:net';
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

  it('answers 6,000 hostile route spellings, pages, cookies and headers over raw sockets: 0 × 5xx, and no spelling gets past authentication or the body limit', async () => {
    const random = seededRandom(4242);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const admin = client(server.url, server.adminToken);
    const revoked = (await admin.post('/v1/deployments/target/keys')).body as { key: string; keyId: string };
    expect((await admin.delete(`/v1/deployments/target/keys/${revoked.keyId}`)).status).toBeLessThan(300);
    const { port } = new URL(server.url);

    // What each spelling must get. The intake's route however the router matches it: percent-
    // encoded, with a query string. Spellings the router does not match: 404 (or 400 for a bad URL).
    const intake = ['/v1/events', '/v1/%65vents', '/v1/%65%76%65%6E%74%73', '/%76%31/events', '/v1/events?x=1', '/v1/events?', '/v1/events?%zz', '/v1/events#frag', '/v1/events?a=1&a=2&__proto__=x'];
    const notRoutes = ['/v1/events/', '//v1/events', '/v1//events', '/V1/EVENTS', '/v1/Events', '/v1/events;x', '/v1/events%2f', '/v1/events%00', '/v1/events/.', '/v1/./events', '/v1/x/../events', '/v1/events%20', '/./v1/events', '/v1/%2565vents', '/v1\\events'];
    const control = ['/v1/deployments', '/v1/%64eployments', '/v1/deployments?limit=1', '/v1/deployments/target', '/v1/deployments/%74arget', '/v1/deployments/target/scorecard', '/v1/deployments/target/keys', '/v1/viewer-tokens', '/v1/%76iewer-tokens'];
    const pages = ['/', '/?verdict=failing', '/?phase=%E0%A4%A', '/deployments/target', '/%64eployments/target', '/deployments/target?x=1', '/deployments/nope', '/?', '/?next=//evil.example'];
    const publicPages = ['/sign-in', '/sign-in?next=//evil.example', '/sign-in?next=%E0%A4%A', '/assets/pages.css', '/healthz', '/readyz', '/openapi.json'];
    const badKeys = ['', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', `Bearer ${key.slice(0, -1)}`, `Bearer ${key}x`, `Bearer ${key.toUpperCase()}`, `bearer  ${revoked.key}`, `Bearer ${revoked.key}`, `Bearer ${server.adminToken}`, 'Bearer blk_000000000000.aaaaaaaaaaaaaaaaaaaaaaaa', `Bearer ${'x'.repeat(4000)}`, `Bearer ${key} ${key}`, 'Bearer %E0%A4%A'];
    const badAdmin = ['', 'Bearer', `Bearer ${key}`, `Bearer ${server.adminToken.slice(0, -1)}`, `Bearer ${server.adminToken}x`, `Basic ${server.adminToken}`, `Bearer ${revoked.key}`, `Bearer ${'y'.repeat(2000)}`];
    const cookies = ['baseliner_session=%E0%A4%A', 'baseliner_session=', 'baseliner_session', `baseliner_session=${key}`, `baseliner_session=${revoked.key}`, 'baseliner_session=bvt_nope.nope', `baseliner_session=${'z'.repeat(4000)}`, 'baseliner_session=%', 'a=b; baseliner_session=%ff; c', '=; ;;; =x', `baseliner_session="${server.adminToken.slice(1)}"`, 'BASELINER_SESSION=x'];
    const oddHeaders = [
      'X-Forwarded-For: 10.0.0.1', 'X-Forwarded-Proto: https', 'Accept-Encoding: gzip, br, zstd, *', 'Accept: */*;q=0', 'Content-Encoding: br', 'Content-Encoding: gzip',
      'Expect: 100-continue', 'Origin: null', 'Origin: https://evil.example', 'Range: bytes=0-1', 'If-None-Match: *', 'X-HTTP-Method-Override: DELETE', `X-Long: ${'h'.repeat(6000)}`,
      'Content-Type: application/json; charset=latin1', 'Content-Type: application/json; charset="utf-8"', 'Content-Type: application/cloudevents-batch+json;;;', 'Content-Type: ', 'Content-Type: multipart/form-data; boundary=x',
    ];
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];
    const bodies = ['', '[]', '{}', '[{"id":1}]', '{"__proto__":{"x":1}}', '\u0000', 'x'.repeat(2_000), JSON.stringify([taskCompleted('target')])];

    /** One request, byte for byte as written (no client normalises the path), over its own connection. */
    const raw = (head: string[], body: string, contentLength = Buffer.byteLength(body)): Promise<{ status: number; location: string; text: string }> =>
      new Promise((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1');
        const chunks: Buffer[] = [];
        socket.on('data', (chunk) => chunks.push(chunk));
        socket.on('error', () => undefined);
        const timer = setTimeout(() => {
          socket.destroy();
          reject(new Error(`no answer within 10 s: ${head[0]}`));
        }, 10_000);
        socket.on('close', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('latin1');
          // The final answer, after any interim one (100 Continue).
          const status = [...text.matchAll(/(?:^|\r\n)HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1])).find((code) => code >= 200) ?? 0;
          resolve({ status, location: /\r\nlocation: ([^\r]*)/i.exec(text)?.[1] ?? '', text });
        });
        socket.write(`${[...head, 'Host: localhost', `Content-Length: ${contentLength}`, 'Connection: close'].join('\r\n')}\r\n\r\n`);
        // Not end(): a client that half-closes gets no answer to a request still being handled (Node's default).
        socket.write(body);
      });

    type Kind = 'intake without a valid key' | 'intake over the body limit' | 'not a route' | 'control API without the admin token' | 'page without a session' | 'anything';
    const allowed: Record<Kind, (reply: { status: number; location: string; text: string }) => boolean> = {
      'intake without a valid key': ({ status }) => status === 401 || status === 429,
      'intake over the body limit': ({ status }) => status === 413,
      // Refused, for whatever reason comes first (a body the parser refuses: 400, 413, 415).
      'not a route': ({ status }) => status >= 400 && status < 500,
      'control API without the admin token': ({ status }) => status >= 400 && status < 500,
      // The sign-in page (a redirect to it, or itself), never a page with deployments on it.
      'page without a session': ({ status, location, text }) => (status === 303 && location.startsWith('/sign-in')) || status === 401 || status === 403 || status === 404 || status === 400 || (status === 200 && text.includes('name="token"')),
      anything: ({ status }) => status > 0 && status < 500,
    };

    const request = (): Promise<[Kind, { status: number; location: string; text: string }, string]> => {
      const roll = random();
      const extra = random() < 0.5 ? [pick(oddHeaders)] : [];
      const contentType = random() < 0.8 ? ['Content-Type: application/json'] : [];
      let kind: Kind;
      let head: string[];
      let body = pick(bodies);
      let contentLength: number | undefined;
      if (roll < 0.3) {
        kind = 'intake without a valid key';
        const auth = pick(badKeys);
        head = [`POST ${pick(intake)} HTTP/1.1`, ...contentType, ...(auth ? [`Authorization: ${auth}`] : []), ...extra];
        if (random() < 0.2) contentLength = 1_048_577 + Math.floor(random() * 5_000_000); // announced, never sent
      } else if (roll < 0.4) {
        kind = 'intake over the body limit';
        head = [`POST ${pick(intake)} HTTP/1.1`, 'Content-Type: application/json', `Authorization: Bearer ${key}`];
        body = '';
        contentLength = 1_048_577 + Math.floor(random() * 5_000_000);
      } else if (roll < 0.55) {
        kind = 'not a route';
        head = [`${pick(['POST', 'GET', 'PUT'])} ${pick(notRoutes)} HTTP/1.1`, ...contentType, `Authorization: Bearer ${pick([key, server.adminToken, 'x'])}`, ...extra];
      } else if (roll < 0.7) {
        kind = 'control API without the admin token';
        const auth = pick(badAdmin);
        head = [`${pick(['GET', 'POST', 'PUT', 'DELETE'])} ${pick(control)} HTTP/1.1`, ...contentType, ...(auth ? [`Authorization: ${auth}`] : []), ...(random() < 0.3 ? [`Cookie: ${pick(cookies)}`] : []), ...extra];
      } else if (roll < 0.9) {
        kind = 'page without a session';
        head = [`GET ${pick(pages)} HTTP/1.1`, `Cookie: ${pick(cookies)}`, ...(random() < 0.3 ? [`Authorization: Bearer ${server.adminToken}`] : []), ...extra];
        body = '';
      } else {
        kind = 'anything';
        const method = pick(methods);
        head = [`${method} ${pick([...publicPages, ...pages, '/sign-in', '/sign-out', ...intake])} HTTP/1.1`, ...contentType, ...(random() < 0.5 ? [`Cookie: ${pick(cookies)}`] : []), ...extra];
        if (method === 'HEAD') body = '';
      }
      const described = `${head.map((line) => line.slice(0, 80)).join(' | ')}${contentLength !== undefined ? ` | Content-Length: ${contentLength}` : ` | ${JSON.stringify(body.slice(0, 40))}`}`;
      // An announced body that never comes: the answer must come from the headers alone.
      return raw(head, contentLength !== undefined ? '' : body, contentLength).then((reply) => [kind, reply, described]);
    };

    const statuses = new Map<number, number>();
    const breaches: string[] = [];
    let next = 0;
    const total = 6_000;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < total) {
          next += 1;
          const [kind, reply, line] = await request();
          statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
          if (reply.status >= 500 || reply.status === 0 || !allowed[kind](reply)) breaches.push(`${kind}: ${line} → ${reply.status} ${reply.location}`);
        }
      }),
    );
    expect(breaches.slice(0, 20)).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(total);
    expect([...statuses.keys()].filter((status) => status >= 500)).toEqual([]);
    expect((await client(server.url).get('/healthz')).status).toBe(200);
    expect((await client(server.url, key).post('/v1/events', [taskCompleted('target')])).status).toBe(202);
  }, 180_000);

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
