import { connect, type Socket } from 'node:net';
import { deploymentWithKey, startTestServer, type TestServer } from '../support/test-server';

// Clients that announce a body and never send it (or send it a byte at a time) must not keep
// their connections past the request timeout — whether they were admitted, shed (503), refused
// (401, 429, 413), sent to a route that reads no body, or to no route at all. Real sockets against
// the booted server; the idle timeout is set far above the request timeout, so it is the request
// timeout (or the refusal) that closes them, not the idle timer.
const REQUEST_TIMEOUT_MS = 3_000;
const IDLE_TIMEOUT_MS = 60_000;
/** Scheduling slack on a shared machine, on top of the limit. */
const SLACK_MS = 500;

interface Stalled {
  /** Milliseconds from connecting until the socket closed. */
  closedAfterMs: number;
  /** The client's port: the server's socket for it has this remote port. */
  port: number;
  /** The status line of the answer, if any came. */
  status: string;
  /** Milliseconds until the first byte of the answer, if any came. */
  answeredAfterMs: number | undefined;
}

describe('stalled bodies: every connection is closed within the request timeout', () => {
  let server: TestServer;
  let key: string;
  /** The server's open sockets, by their remote port, as the server itself sees them. */
  const serverSockets = new Map<number, Socket>();
  const seenByServer = new Set<number>();
  beforeAll(async () => {
    server = await startTestServer({
      config: { idleTimeoutSeconds: IDLE_TIMEOUT_MS / 1000, requestTimeoutSeconds: REQUEST_TIMEOUT_MS / 1000, intakeMaxInFlight: 64, ingestRateLimit: 0 },
    });
    key = await deploymentWithKey(server.url, server.adminToken, 'stall');
    server.app.getHttpServer().on('connection', (socket: Socket) => {
      const port = socket.remotePort as number;
      serverSockets.set(port, socket);
      seenByServer.add(port);
      socket.once('close', () => serverSockets.delete(port));
    });
  });
  afterAll(async () => server.dispose());

  /** Sends `head`, then nothing (or one byte every 200 ms with `trickle`), until the server closes the socket. */
  function stall(head: string, trickle = false): Promise<Stalled> {
    const { port } = new URL(server.url);
    return new Promise((resolve, reject) => {
      const started = Date.now();
      let answer = '';
      let answeredAfterMs: number | undefined;
      let dribble: NodeJS.Timeout | undefined;
      let localPort = 0;
      const socket: Socket = connect(Number(port), '127.0.0.1', () => {
        localPort = socket.localPort as number;
        socket.write(head);
        if (trickle) dribble = setInterval(() => socket.writable && socket.write('['), 200);
      });
      socket.on('error', () => undefined); // a reset is a close too
      socket.on('data', (chunk) => {
        answeredAfterMs ??= Date.now() - started;
        answer += chunk.toString('latin1');
      });
      const giveUp = setTimeout(() => {
        socket.destroy();
        reject(new Error(`the server kept a stalled socket open for 20 s (${head.split('\r\n')[0]}; answered: ${answer.split('\r\n')[0] || 'nothing'})`));
      }, 20_000);
      socket.on('close', () => {
        clearInterval(dribble);
        clearTimeout(giveUp);
        resolve({ closedAfterMs: Date.now() - started, port: localPort, status: answer.split('\r\n')[0] ?? '', answeredAfterMs });
      });
    });
  }

  const post = (path: string, headers: Record<string, string>, contentLength = 500_000) =>
    `POST ${path} HTTP/1.1\r\nHost: localhost\r\n${Object.entries({ 'content-type': 'application/json', ...headers, 'content-length': String(contentLength) })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('')}\r\n`;

  /** How many of these clients' sockets the server still holds open. */
  function stillOpenOnServer(results: Stalled[]): number {
    expect(results.filter((r) => !seenByServer.has(r.port))).toEqual([]);
    return results.filter((r) => serverSockets.get(r.port)?.destroyed === false).length;
  }

  function byStatus(results: Stalled[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const { status } of results) counts[status || '(no answer)'] = (counts[status || '(no answer)'] ?? 0) + 1;
    return counts;
  }

  it('200 authenticated stalled bodies: 64 admitted and timed out, 136 shed with 503 and closed at once', async () => {
    const results = await Promise.all(Array.from({ length: 200 }, () => stall(post('/v1/events', { authorization: `Bearer ${key}` }))));
    expect(byStatus(results)).toEqual({ 'HTTP/1.1 408 Request Timeout': 64, 'HTTP/1.1 503 Service Unavailable': 136 });
    expect(Math.max(...results.map((r) => r.closedAfterMs))).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);
    // The shed ones are not kept waiting for the body they were refused.
    const shed = results.filter((r) => r.status.includes('503'));
    expect(Math.max(...shed.map((r) => r.closedAfterMs))).toBeLessThan(1_500);
    expect(stillOpenOnServer(results)).toBe(0);
  }, 30_000);

  it('200 unauthenticated stalled bodies (401, then 429 for the address), on the route however it is spelled: closed at once', async () => {
    const paths = ['/v1/events', '/v1/%65vents', '/v1/events?x=1', '/v1/%65%76%65%6e%74%73'];
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => stall(post(paths[i % paths.length] as string, i % 3 ? {} : { authorization: 'Bearer blk_000000000000.not-a-real-secret-at-all' }, 1_000_000))));
    expect(Object.keys(byStatus(results)).sort()).toEqual(['HTTP/1.1 401 Unauthorized', 'HTTP/1.1 429 Too Many Requests']);
    expect(Math.max(...results.map((r) => r.closedAfterMs))).toBeLessThan(1_500);
    expect(stillOpenOnServer(results)).toBe(0);
  }, 30_000);

  it('bodies sent a byte at a time (never idle) are cut at the request timeout', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => stall(post('/v1/events', { authorization: `Bearer ${key}` }), true)));
    expect(byStatus(results)).toEqual({ 'HTTP/1.1 408 Request Timeout': 20 });
    expect(Math.max(...results.map((r) => r.closedAfterMs))).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);
    expect(stillOpenOnServer(results)).toBe(0);
  }, 30_000);

  it('a body announced to no route, to a route that reads none, or over the limit: answered from the headers and closed at once', async () => {
    const cases = [
      [post('/nope', {}), 'HTTP/1.1 404 Not Found'],
      [post('/v1/events/', { authorization: `Bearer ${key}` }), 'HTTP/1.1 404 Not Found'],
      [post('//v1/events', { authorization: `Bearer ${key}` }), 'HTTP/1.1 404 Not Found'],
      [post('/V1/EVENTS', { authorization: `Bearer ${key}` }), 'HTTP/1.1 404 Not Found'],
      [post('/v1/events', { authorization: `Bearer ${key}` }, 2_000_000), 'HTTP/1.1 413 Payload Too Large'],
      [post('/v1/events', { authorization: `Bearer ${key}`, 'content-type': 'text/plain' }), 'HTTP/1.1 415 Unsupported Media Type'],
      [`GET /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 500000\r\n\r\n`, 'HTTP/1.1 200 OK'],
    ] as const;
    const all: Stalled[] = [];
    for (const [head, expected] of cases) {
      const results = await Promise.all(Array.from({ length: 10 }, () => stall(head)));
      all.push(...results);
      expect({ head: head.split('\r\n')[0], statuses: byStatus(results) }).toEqual({ head: head.split('\r\n')[0], statuses: { [expected]: 10 } });
      expect({ head: head.split('\r\n')[0], slowest: Math.max(...results.map((r) => r.closedAfterMs)) < 1_500 }).toEqual({ head: head.split('\r\n')[0], slowest: true });
    }
    expect(stillOpenOnServer(all)).toBe(0);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  }, 60_000);
});
