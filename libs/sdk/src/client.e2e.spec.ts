import { createServer, type Socket } from 'node:net';
import { EVENT_STORE, type EventStore } from '@baseliner/event-store';
import { exited, onLines, spawnTs } from '../../../test/support/run-ts';
import { deploymentWithKey, startTestServer, type TestServer } from '../../../test/support/test-server';
import { BaselinerClient, DeliveryError, QueueFullError, type BaselinerClientOptions, type Rejection } from '.';
import { stableId } from './events';

const quickRetries = { baseDelayMs: 20, maxDelayMs: 200 };

describe('SDK against the real server', () => {
  let server: TestServer;
  let key: string;
  const stored = async () => (await server.app.get<EventStore>(EVENT_STORE).readStream('telemetry-sdk')).length;
  const sdk = (options: Partial<BaselinerClientOptions> = {}) =>
    new BaselinerClient({ url: server.url, ingestKey: key, deployment: 'sdk', source: 'sdk-test', ...quickRetries, ...options });

  beforeAll(async () => {
    server = await startTestServer();
    key = await deploymentWithKey(server.url, server.adminToken, 'sdk');
  });
  afterAll(async () => server.dispose());

  it('batches by size and sends the rest on flush, with typed helpers for every event type', async () => {
    let requests = 0;
    const client = sdk({ batchSize: 100, fetch: (...args) => ((requests += 1), fetch(...args)) });
    const before = await stored();
    for (let i = 0; i < 245; i += 1) client.taskCompleted({ taskId: `t${i}`, mode: 'ai', outcome: 'success', durationSeconds: 12, actor: 'a@x' });
    client.aiUsed({ actor: 'a@x', feature: 'summarise' });
    client.aiOverridden({ actor: 'a@x', taskId: 't1' });
    client.aiDisabled({ actor: 'a@x', scope: 'user' });
    client.aiEnabled({ scope: 'all' });
    client.escalationRaised({ to: 'builder', taskId: 't2' });
    client.errorDownstream({ stage: 'billing' });
    client.feedbackGiven({ score: 4 });
    await client.close();
    expect(requests).toBe(3);
    expect(client.stats).toMatchObject({ queued: 252, accepted: 252, rejected: 0, failed: 0 });
    expect((await stored()) - before).toBe(252);
  });

  it('closes promptly after its flush timer fired on an already empty queue', async () => {
    const client = sdk({ batchSize: 10, flushIntervalMs: 50 });
    // The first event arms the timer; the tenth fills a batch, which goes at once and empties the queue.
    for (let i = 0; i < 10; i += 1) client.aiUsed({ actor: 'a' });
    await new Promise((r) => setTimeout(r, 300)); // the timer fires on the empty queue
    await client.close(); // used to spin forever here
    expect(client.stats.accepted).toBe(10);
  });

  it('surfaces events the server refused, with the reason', async () => {
    const rejections: Rejection[] = [];
    const client = sdk({ onRejected: (r) => rejections.push(...r) });
    const bad = client.taskCompleted({ taskId: 't', mode: 'ai', outcome: 'success', durationSeconds: -1 });
    client.taskCompleted({ taskId: 't', mode: 'ai', outcome: 'success', durationSeconds: 1 });
    await client.flush();
    expect(rejections).toEqual([{ event: bad, reason: 'invalid_data', message: expect.stringMatching(/durationSeconds/) }]);
    expect(client.stats).toMatchObject({ accepted: 1, rejected: 1 });
  });

  it('makes a retry a duplicate, not a second event, when a response is lost', async () => {
    let calls = 0;
    // The first request reaches the server and is stored, but its answer never arrives.
    const lossy: typeof fetch = async (...args) => {
      calls += 1;
      const response = await fetch(...args);
      if (calls === 1) throw new TypeError('fetch failed: socket hang up');
      return response;
    };
    const client = sdk({ fetch: lossy });
    const before = await stored();
    for (let i = 0; i < 50; i += 1) client.aiUsed({ actor: `u${i}` });
    await client.close();
    expect(calls).toBe(2);
    expect(client.stats).toMatchObject({ accepted: 0, duplicates: 50, retries: 1 });
    expect((await stored()) - before).toBe(50);
  });

  it('keeps a caller-chosen stable id across clients: a resend after a crash is a duplicate', async () => {
    const id = stableId('task', 'case-77', 'completed');
    const first = sdk();
    first.taskCompleted({ id, taskId: 'case-77', mode: 'manual', outcome: 'success', durationSeconds: 300 });
    await first.close();
    const second = sdk();
    second.taskCompleted({ id, taskId: 'case-77', mode: 'manual', outcome: 'success', durationSeconds: 300 });
    await second.close();
    expect([first.stats.accepted, second.stats.duplicates]).toEqual([1, 1]);
  });

  it('applies back-pressure: a full queue refuses new events, or drops the oldest if asked', async () => {
    // Each client is closed and reports to its own onError: a client left open flushes when the
    // process is about to exit, and its default warning would then land after the tests.
    const dropped: number[] = [];
    const unreachable = { url: 'http://127.0.0.1:9', maxQueue: 10, batchSize: 1000, flushIntervalMs: 60_000, maxAttempts: 1, onError: (_: Error, events: unknown[]) => void dropped.push(events.length) };
    const refusing = sdk(unreachable);
    for (let i = 0; i < 10; i += 1) refusing.aiUsed({ actor: 'a' });
    expect(() => refusing.aiUsed({ actor: 'a' })).toThrow(QueueFullError);
    const dropping = sdk({ ...unreachable, whenFull: 'drop-oldest' });
    for (let i = 0; i < 15; i += 1) dropping.aiUsed({ actor: `a${i}` });
    expect(dropping.pending).toBe(10);
    expect(dropping.stats.dropped).toBe(5);
    const errors: number[] = [];
    const failing = sdk({ ...unreachable, onError: (_, events) => errors.push(events.length) });
    failing.aiUsed({ actor: 'a' });
    await failing.close();
    expect(errors).toEqual([1]);
    expect(failing.stats.failed).toBe(1);
    await Promise.all([refusing.close(), dropping.close()]);
    expect(dropped.sort()).toEqual([10, 10]);
  });

  it('flushes what is queued when the process is told to stop (SIGTERM), then stops', async () => {
    const child = spawnTs('libs/sdk/src/testing/flush-on-signal.ts', [server.url, key, 'sdk']);
    const before = await stored();
    await new Promise<void>((resolve) => onLines(child.stdout, (line) => line === 'queued' && resolve()));
    child.kill('SIGTERM');
    expect(await exited(child)).toBe('SIGTERM');
    expect((await stored()) - before).toBe(25);
  }, 60_000);

  it('does not retry what cannot succeed (401), and reports it', async () => {
    const errors: Error[] = [];
    let requests = 0;
    const client = sdk({ ingestKey: 'blk_000000000000.wrongwrongwrongwrongwrong', onError: (e) => errors.push(e), fetch: (...a) => ((requests += 1), fetch(...a)) });
    client.aiUsed({ actor: 'a' });
    await client.close();
    expect(requests).toBe(1);
    expect(errors[0]).toMatchObject({ name: 'DeliveryError', problem: 'unauthorized', status: 401, url: `${server.url}/v1/events` });
  });

  describe('without onError or onRejected', () => {
    let warnings: string[];
    let warn: jest.SpyInstance;
    beforeEach(() => {
      warnings = [];
      warn = jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void warnings.push(args.join(' ')));
    });
    afterEach(() => warn.mockRestore());

    it('warns once that the ingest key was refused and what to do, however many batches it drops', async () => {
      const client = sdk({ ingestKey: 'blk_000000000000.wrongwrongwrongwrongwrong', batchSize: 2 });
      for (let i = 0; i < 5; i += 1) client.aiUsed({ actor: 'a' });
      await client.close();
      expect(client.stats).toMatchObject({ failed: 5, accepted: 0 });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`[baseliner] Baseliner at ${server.url} refused the ingest key blk_000000000000… (401: Missing or unknown ingest key). Check the ingestKey option`);
      expect(warnings[0]).toContain('it must be a current key of deployment "sdk"');
      expect(warnings[0]).toContain('2 events were dropped');
      expect(warnings[0]).not.toContain('wrongwrong');
    });

    it('warns once per rejection reason, with the server\'s message and the event', async () => {
      const client = sdk();
      const bad = client.taskCompleted({ taskId: 't', mode: 'ai', outcome: 'success', durationSeconds: -1 });
      client.taskCompleted({ taskId: 't', mode: 'ai', outcome: 'success', durationSeconds: -2 });
      client.taskCompleted({ taskId: 't', mode: 'ai', outcome: 'success', durationSeconds: 1 });
      await client.flush();
      client.taskCompleted({ taskId: 't', mode: 'ai', outcome: 'success', durationSeconds: -3 });
      await client.close();
      expect(client.stats).toMatchObject({ accepted: 1, rejected: 3 });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(new RegExp(`^\\[baseliner\\] Baseliner refused 2 events \\(invalid_data\\), e\\.g\\. task\\.completed ${bad.id}: .*durationSeconds`));
      expect(warnings[0]).toContain('not retried');
    });

    it('says when url is not the base URL of a Baseliner server (404)', async () => {
      const client = sdk({ url: `${server.url}/api` });
      client.aiUsed({ actor: 'a' });
      await client.close();
      expect(warnings).toEqual([expect.stringContaining(`${server.url}/api/v1/events answered 404`)]);
      expect(warnings[0]).toContain('is url the base URL of a Baseliner server');
    });

    it('is silent when the caller handles errors and refusals', async () => {
      const errors: Error[] = [];
      const rejections: Rejection[] = [];
      const client = sdk({ ingestKey: 'blk_000000000000.wrongwrongwrongwrongwrong', onError: (e) => errors.push(e) });
      client.aiUsed({ actor: 'a' });
      await client.close();
      const refusing = sdk({ onRejected: (r) => rejections.push(...r) });
      refusing.taskCompleted({ taskId: 't', mode: 'ai', outcome: 'success', durationSeconds: -1 });
      await refusing.close();
      expect([errors.length, rejections.length]).toEqual([1, 1]);
      expect(warnings).toEqual([]);
    });
  });
});

describe('SDK with nothing to talk to', () => {
  /** A loopback port with nothing listening on it. */
  const closedPort = async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    return port;
  };
  const options = (url: string, extra: Partial<BaselinerClientOptions> = {}): BaselinerClientOptions => ({
    url,
    ingestKey: 'blk_000000000000.wrongwrongwrongwrongwrong',
    deployment: 'sdk',
    source: 'sdk-test',
    ...extra,
  });

  it('close() gives up after its timeout on a closed port, saying how many events did not reach which URL', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const errors: DeliveryError[] = [];
    const undelivered: number[] = [];
    const client = new BaselinerClient(options(url, { onError: (e, events) => (errors.push(e as DeliveryError), undelivered.push(events.length)) }));
    for (let i = 0; i < 4; i += 1) client.aiUsed({ actor: 'a' });
    const started = Date.now();
    await client.close({ timeoutMs: 500 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(undelivered).toEqual([4]);
    expect(errors[0]).toMatchObject({ problem: 'not_delivered', url: `${url}/v1/events` });
    expect(errors[0]?.message).toContain(`Gave up after 500 ms: 4 events were not delivered to ${url}/v1/events.`);
    expect(errors[0]?.message).toContain(`Last problem: Cannot reach Baseliner at ${url} (connect ECONNREFUSED`);
    expect(client.stats).toMatchObject({ failed: 4, accepted: 0 });
    expect(() => client.aiUsed({ actor: 'a' })).toThrow('Baseliner client is closed');
  });

  it('by default warns once that the server cannot be reached, then once what close() gave up', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const warnings: string[] = [];
    const warn = jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void warnings.push(args.join(' ')));
    try {
      const client = new BaselinerClient(options(url, { baseDelayMs: 20, maxDelayMs: 50, maxAttempts: 1_000 }));
      for (let i = 0; i < 3; i += 1) client.aiUsed({ actor: 'a' });
      await client.close({ timeoutMs: 400 });
      expect(client.stats.retries).toBeGreaterThan(1);
      expect(warnings).toEqual([
        expect.stringMatching(new RegExp(`^\\[baseliner\\] Cannot reach Baseliner at ${url} \\(connect ECONNREFUSED .*\\): is the server running, and is url right\\? Retrying`)),
        expect.stringContaining(`[baseliner] Gave up after 400 ms: 3 events were not delivered to ${url}/v1/events.`),
      ]);
    } finally {
      warn.mockRestore();
    }
  });

  it('close() also stops a request the server never answers, without waiting for its timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket)); // reads nothing, answers nothing
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    try {
      const errors: Error[] = [];
      const requests: string[] = [];
      const watched: typeof fetch = (...args) =>
        fetch(...args).then(
          (response) => (requests.push(`answered ${response.status}`), response),
          (error: Error) => (requests.push(error.name), Promise.reject(error)),
        );
      const client = new BaselinerClient(options(url, { requestTimeoutMs: 60_000, fetch: watched, onError: (e) => errors.push(e) }));
      for (let i = 0; i < 3; i += 1) client.aiUsed({ actor: 'a' });
      void client.flush();
      await new Promise((r) => setTimeout(r, 200)); // the request is on its way, unanswered
      expect(client.pending).toBe(0);
      const started = Date.now();
      await client.close({ timeoutMs: 300 });
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(errors.map((e) => e.message)).toEqual([`Gave up after 300 ms: 3 events were not delivered to ${url}/v1/events. ${url} had not answered yet. To wait longer, pass close({ timeoutMs }) or the closeTimeoutMs option.`]);
      // The request is aborted, not left open to its 60 s timeout (which would keep a process from exiting).
      expect(requests).toEqual(['AbortError']);
      expect(client.stats.failed).toBe(3);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('SDK retries', () => {
  it('backs off on 429 and honours Retry-After until everything is in', async () => {
    const server = await startTestServer({ config: { ingestRateLimit: 5 } });
    try {
      const key = await deploymentWithKey(server.url, server.adminToken, 'limited');
      const delays: number[] = [];
      const client = new BaselinerClient({
        url: server.url,
        ingestKey: key,
        deployment: 'limited',
        source: 'sdk-test',
        batchSize: 1,
        sleep: (ms) => (delays.push(ms), new Promise((r) => setTimeout(r, ms))),
      });
      for (let i = 0; i < 14; i += 1) client.aiUsed({ actor: `a${i}` });
      await client.close();
      expect(client.stats).toMatchObject({ accepted: 14, failed: 0 });
      expect(client.stats.retries).toBeGreaterThan(0);
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(1000); // Retry-After: 1
    } finally {
      await server.dispose();
    }
  }, 30_000);

  it('loses nothing when the server restarts in the middle of a stream', async () => {
    let server = await startTestServer();
    const key = await deploymentWithKey(server.url, server.adminToken, 'restart');
    const { dataDir } = server;
    const port = Number(new URL(server.url).port);
    const client = new BaselinerClient({ url: server.url, ingestKey: key, deployment: 'restart', source: 'sdk-test', batchSize: 50, baseDelayMs: 50, maxDelayMs: 500 });
    try {
      for (let i = 0; i < 1000; i += 1) client.aiUsed({ actor: `a${i % 30}` });
      const flushing = client.flush();
      await new Promise((r) => setTimeout(r, 20));
      await server.close(); // mid-stream
      for (let i = 0; i < 500; i += 1) client.aiUsed({ actor: `b${i % 30}` });
      await new Promise((r) => setTimeout(r, 300));
      server = await startTestServer({ dataDir, config: { port } });
      await flushing;
      await client.close();
      const events = await server.app.get<EventStore>(EVENT_STORE).readStream('telemetry-restart');
      expect(events).toHaveLength(1500);
      expect(client.stats).toMatchObject({ queued: 1500, failed: 0 });
      expect(client.stats.accepted + client.stats.duplicates).toBe(1500);
    } finally {
      await server.dispose();
    }
  }, 60_000);
});
