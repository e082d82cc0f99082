import { connect, type Socket } from 'node:net';
import { deploymentWithKey, startTestServer, type TestServer } from '../support/test-server';

// Clients that open a connection and then stall must not hold the server's sockets: headers
// that never finish, a body promised by Content-Length that never comes, an idle keep-alive.
describe('slow and stalled clients', () => {
  let server: TestServer;
  let key: string;
  beforeAll(async () => {
    server = await startTestServer({ config: { idleTimeoutSeconds: 1, requestTimeoutSeconds: 30, intakeMaxInFlight: 5_000 } });
    key = await deploymentWithKey(server.url, server.adminToken, 'slow');
  });
  afterAll(async () => server.dispose());

  /** Opens a socket, writes `prefix`, stalls, and resolves with the milliseconds until the server closed it. */
  function stall(prefix: string): Promise<number> {
    const { port } = new URL(server.url);
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const socket: Socket = connect(Number(port), '127.0.0.1', () => socket.write(prefix));
      socket.on('error', () => undefined); // a reset is a close too
      socket.resume(); // read whatever the server answers, so its closing is seen
      socket.on('close', () => resolve(Date.now() - started));
      setTimeout(() => {
        socket.destroy();
        reject(new Error('the server kept a stalled socket open for 10 s'));
      }, 10_000).unref();
    });
  }

  // 300 at once must all go within a few timer periods; 3,000 at once (client and server in one
  // process here) within ten seconds — far from the minutes they were held before.
  it.each([
    [300, 4_000],
    [3_000, 10_000],
  ])('closes %i stalled sockets (half-sent headers, half-sent bodies) soon after the 1 s idle timeout (within %i ms)', async (count, within) => {
    const halfHeaders = 'POST /v1/events HTTP/1.1\r\nHost: localhost\r\nContent-Ty';
    // With a valid key, so the body is awaited (without one the request is refused from its headers).
    const halfBody = `POST /v1/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[{"id":`;
    const closedAfter = await Promise.all(Array.from({ length: count }, (_, i) => stall(i % 2 ? halfHeaders : halfBody)));
    expect(Math.max(...closedAfter)).toBeLessThan(within);
    expect(Math.min(...closedAfter)).toBeGreaterThanOrEqual(900);
    // The server still answers.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  }, 30_000);
});
