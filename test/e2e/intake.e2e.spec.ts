import { gzipSync } from 'node:zlib';
import { EVENT_STORE, type EventStore } from '@baseliner/event-store';
import { SqliteEventStore } from '@baseliner/event-store-sqlite';
import { client, deploymentWithKey, startTestServer, taskCompleted, type TestServer } from '../support/test-server';

describe('POST /v1/events', () => {
  let server: TestServer;
  let key: string;
  let otherKey: string;
  let events: ReturnType<typeof client>;
  let store: EventStore;

  beforeAll(async () => {
    server = await startTestServer();
    key = await deploymentWithKey(server.url, server.adminToken, 'doc-review');
    otherKey = await deploymentWithKey(server.url, server.adminToken, 'dispatch');
    events = client(server.url, key);
    store = server.app.get(EVENT_STORE);
  });
  afterAll(async () => server.dispose());

  const stored = async (deployment = 'doc-review') => store.readStream(`telemetry-${deployment}`);

  describe('accepting events', () => {
    it('stores a batch in every accepted content type, and a single event', async () => {
      const before = (await stored()).length;
      const batch = [taskCompleted('doc-review'), taskCompleted('doc-review')];
      for (const contentType of ['application/cloudevents-batch+json', 'application/json']) {
        const reply = await events.post('/v1/events', JSON.stringify(batch.map((e) => ({ ...e, id: `${e.id}-${contentType}` }))), {
          'content-type': contentType,
        });
        expect(reply).toMatchObject({ status: 202, body: { accepted: 2, duplicates: 0, rejected: [] } });
      }
      const single = await events.post('/v1/events', JSON.stringify(taskCompleted('doc-review')), {
        'content-type': 'application/cloudevents+json; charset=utf-8',
      });
      expect(single).toMatchObject({ status: 202, body: { accepted: 1 } });
      expect((await stored()).length).toBe(before + 5);
    });

    it('accepts every event type of the contract', async () => {
      const typed = (type: string, data: Record<string, unknown>) => ({ ...taskCompleted('doc-review'), type, data });
      const reply = await events.post('/v1/events', [
        typed('ai.used', { actor: 'a', feature: 'summarise' }),
        typed('ai.overridden', { actor: 'a', taskId: 't' }),
        typed('ai.disabled', { actor: 'a', scope: 'team' }),
        typed('ai.enabled', { scope: 'all' }),
        typed('escalation.raised', { taskId: 't', to: 'builder' }),
        typed('error.downstream', { taskId: 't', stage: 'billing' }),
        typed('feedback.given', { actor: 'a', score: 4 }),
        taskCompleted('doc-review', {}, { mode: 'manual', outcome: 'rework', costUsd: 1.25, segment: 'eu' }),
      ]);
      expect(reply).toMatchObject({ status: 202, body: { accepted: 8, rejected: [] } });
    });

    it('keeps distinct ids distinct: lone surrogates, invalid UTF-8 and other charsets are refused, not turned into U+FFFD', async () => {
      const surrogates = `[${JSON.stringify({ ...taskCompleted('doc-review'), id: 'sur-X' }).replace('sur-X', 'sur-\\ud800')},${JSON.stringify({ ...taskCompleted('doc-review'), id: 'sur-Y' }).replace('sur-Y', 'sur-\\udbff')}]`;
      const reply = await events.post('/v1/events', surrogates, { 'content-type': 'application/json' });
      expect(reply).toMatchObject({ status: 207, body: { accepted: 0, rejected: [{ index: 0, reason: 'invalid_envelope' }, { index: 1, reason: 'invalid_envelope' }] } });
      expect(reply.body.rejected[0].message).toContain('surrogate');
      // A paired surrogate (an emoji) is fine.
      expect((await events.post('/v1/events', [{ ...taskCompleted('doc-review'), id: 'emoji-\u{1F600}' }])).body).toMatchObject({ accepted: 1 });

      const [head, tail] = JSON.stringify([{ ...taskCompleted('doc-review'), id: 'bad-@' }]).split('@') as [string, string];
      const invalidUtf8 = Buffer.concat([Buffer.from(head), Buffer.from([0xff]), Buffer.from(tail)]);
      expect(await events.post('/v1/events', invalidUtf8, { 'content-type': 'application/json' })).toMatchObject({ status: 400, body: { error: 'invalid_utf8' } });

      const latin1 = await events.post('/v1/events', JSON.stringify([taskCompleted('doc-review')]), { 'content-type': 'application/json; charset=latin1' });
      expect(latin1).toMatchObject({ status: 415, body: { error: 'unsupported_charset' } });
      const utf16 = await events.post('/v1/events', JSON.stringify([taskCompleted('doc-review')]), { 'content-type': 'application/json; charset="utf-16"' });
      expect(utf16.status).toBe(415);
    });

    it('accepts gzip', async () => {
      const reply = await events.post('/v1/events', gzipSync(JSON.stringify([taskCompleted('doc-review')])), {
        'content-type': 'application/cloudevents-batch+json',
        'content-encoding': 'gzip',
      });
      expect(reply).toMatchObject({ status: 202, body: { accepted: 1 } });
    });

    it('counts a resend as duplicates and stores nothing again, also within one request', async () => {
      const batch = [taskCompleted('doc-review'), taskCompleted('doc-review')];
      expect((await events.post('/v1/events', batch)).body).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
      const before = (await stored()).length;
      expect((await events.post('/v1/events', batch)).body).toEqual({ accepted: 0, duplicates: 2, rejected: [] });
      const again = taskCompleted('doc-review');
      expect((await events.post('/v1/events', [again, again])).body).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
      expect((await stored()).length).toBe(before + 1);
    });

    it('keeps the same (source, id) sent to two deployments in each of them', async () => {
      const e = taskCompleted('doc-review');
      expect((await events.post('/v1/events', [e])).body).toMatchObject({ accepted: 1 });
      const other = await client(server.url, otherKey).post('/v1/events', [{ ...e, deployment: 'dispatch' }]);
      expect(other.body).toMatchObject({ accepted: 1, duplicates: 0 });
      expect((await stored('dispatch')).map((s) => (s.data as { id: string }).id)).toContain(e.id);
    });

    it('rejects absurdly nested data as invalid_data instead of failing the request', async () => {
      // Written as text: even JSON.stringify cannot serialise 5,000 levels.
      const deep = `${'['.repeat(5000)}"bottom"${']'.repeat(5000)}`;
      const bad = JSON.stringify(taskCompleted('doc-review', {}, { extra: 'DEEP' })).replace('"DEEP"', deep);
      const body = `[${JSON.stringify(taskCompleted('doc-review'))},${bad}]`;
      const reply = await events.post('/v1/events', body, { 'content-type': 'application/json' });
      expect(reply).toMatchObject({ status: 207, body: { accepted: 1, rejected: [{ index: 1, reason: 'invalid_data' }] } });
    });

    it('treats the same id from another source as a different event', async () => {
      const e = taskCompleted('doc-review');
      await events.post('/v1/events', [e]);
      expect((await events.post('/v1/events', [{ ...e, source: 'other-system' }])).body).toMatchObject({ accepted: 1 });
    });

    it('pseudonymises actors before storing: the raw id is nowhere in the store', async () => {
      const actor = 'jane.doe.secret@example.com';
      await events.post('/v1/events', [taskCompleted('doc-review', {}, { actor }), taskCompleted('doc-review', {}, { actor })]);
      const file = (store as SqliteEventStore).database;
      const hits = file.prepare("SELECT count(*) FROM events WHERE data LIKE '%' || ? || '%'").pluck().get('jane.doe') as number;
      expect(hits).toBe(0);
      const actors = (await stored()).slice(-2).map((e) => (e.data as { data: { actor: string } }).data.actor);
      expect(actors[0]).toMatch(/^p_[A-Za-z0-9_-]{22}$/);
      expect(actors[1]).toBe(actors[0]);
    });
  });

  describe('rejecting single events with a reason, storing the rest', () => {
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      ['no specversion', { specversion: undefined }, 'invalid_envelope', /specversion/],
      ['a bad time', { time: 'yesterday' }, 'invalid_envelope', /time must be an RFC 3339 timestamp/],
      ['an id too long', { id: 'x'.repeat(129) }, 'invalid_envelope', /^id /],
      ['a bad deployment id', { deployment: 'Doc Review' }, 'invalid_envelope', /deployment/],
      ['an unknown type', { type: 'task.started' }, 'unknown_type', /task\.started/],
      ['a time in the future', { time: new Date(Date.now() + 10 * 60_000).toISOString() }, 'time_in_future', /ahead of the server clock/],
      ['another deployment', { deployment: 'dispatch' }, 'forbidden', /belongs to deployment "doc-review"/],
      ['an unknown deployment', { deployment: 'ghost' }, 'unknown_deployment', /ghost/],
    ];
    it.each(cases)('rejects an event with %s', async (_, overrides, reason, message) => {
      const bad = taskCompleted('doc-review', overrides);
      const good = taskCompleted('doc-review');
      const before = (await stored()).length;
      const reply = await events.post('/v1/events', [good, bad]);
      expect(reply.status).toBe(207);
      expect(reply.body.accepted).toBe(1);
      expect(reply.body.rejected).toEqual([{ index: 1, id: bad.id, reason, message: expect.stringMatching(message) }]);
      expect((await stored()).length).toBe(before + 1);
    });

    it.each([
      [{ mode: 'robot' }, /data\.mode must be one of: ai, assisted, manual/],
      [{ durationSeconds: -1 }, /data\.durationSeconds/],
      [{ taskId: undefined }, /data\.taskId is required/],
      [{ segment: 'x'.repeat(65) }, /data\.segment/],
    ])('rejects invalid data %j with the field path', async (data, message) => {
      const reply = await events.post('/v1/events', [taskCompleted('doc-review', {}, data)]);
      expect(reply.status).toBe(207);
      expect(reply.body.rejected[0]).toMatchObject({ reason: 'invalid_data', message: expect.stringMatching(message) });
    });

    it('keeps unknown data fields', async () => {
      const e = taskCompleted('doc-review', {}, { model: 'gpt-x' });
      await events.post('/v1/events', [e]);
      expect(((await stored()).at(-1)?.data as { data: Record<string, unknown> }).data.model).toBe('gpt-x');
    });
  });

  describe('rejecting whole requests, storing nothing', () => {
    it('401 without a key, with a wrong secret, or with a revoked key', async () => {
      expect((await client(server.url).post('/v1/events', [taskCompleted('doc-review')])).status).toBe(401);
      const forged = key.replace(/\.(.)/, (_, c: string) => `.${c === 'A' ? 'B' : 'A'}`);
      expect((await client(server.url, forged).post('/v1/events', [taskCompleted('doc-review')])).body).toMatchObject({
        error: 'unauthorized',
      });
      const admin = client(server.url, server.adminToken);
      const issued = await admin.post('/v1/deployments/doc-review/keys');
      expect((await client(server.url, issued.body.key).post('/v1/events', [taskCompleted('doc-review')])).status).toBe(202);
      expect((await admin.delete(`/v1/deployments/doc-review/keys/${issued.body.keyId}`)).status).toBe(204);
      const revoked = await client(server.url, issued.body.key).post('/v1/events', [taskCompleted('doc-review')]);
      expect(revoked).toMatchObject({ status: 401, body: { message: expect.stringMatching(/revoked/) } });
    });

    it('checks the key before reading the body: a broken body without a valid key is a 401, not a 400', async () => {
      const broken = await client(server.url).post('/v1/events', '{"specversion":', { 'content-type': 'application/json' });
      expect(broken).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
      const gzipBomb = await client(server.url, 'blk_nope.nope').post('/v1/events', Buffer.alloc(64 * 1024, 0x41), {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      });
      expect(gzipBomb.status).toBe(401);
    });

    it('400 for a body that is not JSON, or not an event or array', async () => {
      const before = (await stored()).length;
      expect(await events.post('/v1/events', '{"specversion":', { 'content-type': 'application/json' })).toMatchObject({
        status: 400,
        body: { error: 'invalid_json' },
      });
      expect(await events.post('/v1/events', '42', { 'content-type': 'application/json' })).toMatchObject({
        status: 400,
        body: { error: 'invalid_body' },
      });
      expect(await events.post('/v1/events', Buffer.from('not gzip'), { 'content-type': 'application/json', 'content-encoding': 'gzip' })).toMatchObject({
        status: 400,
      });
      expect((await stored()).length).toBe(before);
    });

    it('413 for more than 1,000 events or more than 1 MiB, also after decompression', async () => {
      const many = Array.from({ length: 1001 }, () => taskCompleted('doc-review'));
      expect(await events.post('/v1/events', many)).toMatchObject({ status: 413, body: { error: 'too_many_events' } });
      const padded = [taskCompleted('doc-review', {}, { padding: 'x'.repeat(1024 * 1024) })];
      expect((await events.post('/v1/events', padded)).status).toBe(413);
      const bomb = gzipSync(JSON.stringify(padded));
      expect(bomb.length).toBeLessThan(64 * 1024);
      expect(await events.post('/v1/events', bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' })).toMatchObject({
        status: 413,
        body: { error: 'payload_too_large' },
      });
    });

    it('415 for other content types and encodings', async () => {
      expect(await events.post('/v1/events', 'hello', { 'content-type': 'text/plain' })).toMatchObject({
        status: 415,
        body: { error: 'unsupported_media_type' },
      });
      expect(await events.post('/v1/events', '[]', { 'content-type': 'application/json', 'content-encoding': 'br' })).toMatchObject({
        status: 415,
        body: { error: 'unsupported_encoding' },
      });
    });

    it('rejects events for a retired deployment with deployment_retired', async () => {
      const admin = client(server.url, server.adminToken);
      await admin.post('/v1/deployments/dispatch/retire', { reason: 'Switched off every morning', outcome: 'killed' });
      const reply = await client(server.url, otherKey).post('/v1/events', [taskCompleted('dispatch')]);
      expect(reply).toMatchObject({ status: 207, body: { accepted: 0, rejected: [{ reason: 'deployment_retired' }] } });
    });
  });

  it('answers 503 with Retry-After when the store cannot write, stores nothing, and recovers', async () => {
    const sqlite = store as SqliteEventStore;
    const before = (await stored()).length;
    await sqlite.writerPragma(`max_page_count = ${sqlite.database.pragma('page_count', { simple: true })}`);
    const batch = Array.from({ length: 200 }, () => taskCompleted('doc-review', {}, { note: 'y'.repeat(2000) }));
    const reply = await events.post('/v1/events', batch);
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('5');
    expect(reply.body.error).toBe('store_unavailable');
    const unready = await client(server.url).get('/readyz');
    expect(unready.status).toBe(503);
    // Which check failed and why, for the operator reading it (not a generic "Service Unavailable").
    expect(unready.body).toMatchObject({ status: 'error', error: { eventStore: { status: 'down', message: expect.stringContaining('the event store is unavailable') } } });
    await sqlite.writerPragma('max_page_count = 1073741823');
    expect((await stored()).length).toBe(before);
    expect((await events.post('/v1/events', batch)).body).toMatchObject({ accepted: 200 });
    expect((await client(server.url).get('/readyz')).status).toBe(200);
  });
});

describe('POST /v1/events rate limit', () => {
  it('answers 429 with Retry-After past the per-key limit, storing nothing', async () => {
    const server = await startTestServer({ config: { ingestRateLimit: 2 } });
    try {
      const key = await deploymentWithKey(server.url, server.adminToken, 'busy');
      const events = client(server.url, key);
      const statuses: number[] = [];
      let limited: Awaited<ReturnType<typeof events.post>> | undefined;
      for (let i = 0; i < 6; i += 1) {
        const reply = await events.post('/v1/events', [taskCompleted('busy')]);
        statuses.push(reply.status);
        if (reply.status === 429) limited = reply;
      }
      expect(statuses.slice(0, 4)).toEqual([202, 202, 202, 202]);
      expect(statuses).toContain(429);
      expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const storedCount = (await server.app.get<EventStore>(EVENT_STORE).readStream('telemetry-busy')).length;
      expect(storedCount).toBe(statuses.filter((s) => s === 202).length);
    } finally {
      await server.dispose();
    }
  });

  it('rate-limits requests without a valid key per client address (429 with Retry-After), and keeps serving valid keys', async () => {
    const own = await startTestServer();
    try {
      const valid = client(own.url, await deploymentWithKey(own.url, own.adminToken, 'limited'));
      const answers = await Promise.all(Array.from({ length: 60 }, () => client(own.url, 'blk_bad.key').post('/v1/events', [taskCompleted('limited')])));
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(20);
      const limited = answers.filter((a) => a.status === 429);
      expect(limited.length).toBeGreaterThan(0);
      expect(Number(limited[0]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
      expect((await valid.post('/v1/events', [taskCompleted('limited')])).status).toBe(202);
    } finally {
      await own.dispose();
    }
  });

  it('sheds load beyond the in-flight limit with 503 + Retry-After, storing exactly what it acknowledged', async () => {
    const own = await startTestServer({ config: { intakeMaxInFlight: 1 } });
    try {
      const events = client(own.url, await deploymentWithKey(own.url, own.adminToken, 'busy'));
      const batches = Array.from({ length: 30 }, (_, b) => Array.from({ length: 500 }, (_, i) => taskCompleted('busy', { id: `busy-${b}-${i}` })));
      const answers = await Promise.all(batches.map((batch) => events.post('/v1/events', batch)));
      const shed = answers.filter((a) => a.status === 503);
      expect(shed.length).toBeGreaterThan(0);
      expect(shed[0]).toMatchObject({ body: { error: 'overloaded' } });
      expect(shed[0]?.headers.get('retry-after')).toBe('1');
      expect(answers.every((a) => a.status === 202 || a.status === 503)).toBe(true);
      const acknowledged = answers.filter((a) => a.status === 202).reduce((n, a) => n + (a.body.accepted as number), 0);
      expect((await own.app.get<EventStore>(EVENT_STORE).readStream('telemetry-busy')).length).toBe(acknowledged);
      // Once the burst is over, the same client is served.
      expect((await events.post('/v1/events', [taskCompleted('busy')])).status).toBe(202);
    } finally {
      await own.dispose();
    }
  });
});
