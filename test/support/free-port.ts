import { createServer } from 'node:net';

/** A loopback port nothing listens on right now (for a child process to take). */
export function freePort(): Promise<number> {
  return new Promise((ok) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}
