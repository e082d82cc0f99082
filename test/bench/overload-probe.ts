// The overload bench's health prober, run as its own process (node overload-probe.js <url>
// <interval ms> <timeout ms>) so a busy load generator's event loop is never counted as the
// server's latency. Probes /healthz and /readyz on two independent loops, each every <interval>
// (the next probe is due <interval> after the previous one was sent, or at once when it took
// longer), until stdin closes; then prints { healthz: Probe[], readyz: Probe[] } as JSON. Every
// probe opens a connection of its own, as curl and an orchestrator's HTTP probe do: the time to
// be accepted counts. A probe without an answer within <timeout> counts as a failure (ms =
// timeout, status 0).
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface Probe {
  /** When it was sent, ms after the prober started. */
  at: number;
  ms: number;
  /** The HTTP status, or 0 for a timeout or a connection error. */
  status: number;
}

/** GET on a new connection (closed after the answer); resolves with the status, 0 on timeout or error. */
function probeOnce(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    // One deadline for connecting and answering both (a socket timeout would not cover a connect
    // stuck in SYN retries while the server's accept queue is full).
    const timer = setTimeout(() => req.destroy(new Error('timeout')), timeoutMs);
    const finish = (status: number) => {
      clearTimeout(timer);
      resolve(status);
    };
    const req = request(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.once('end', () => finish(res.statusCode ?? 0));
      res.once('error', () => finish(0));
    });
    req.once('error', () => finish(0));
    req.end();
  });
}

async function probeLoop(url: string, intervalMs: number, timeoutMs: number, running: () => boolean): Promise<Probe[]> {
  const probes: Probe[] = [];
  const start = performance.now();
  while (running()) {
    const sent = performance.now();
    const status = await probeOnce(url, timeoutMs);
    const ms = status === 0 ? Math.max(timeoutMs, performance.now() - sent) : performance.now() - sent;
    probes.push({ at: sent - start, ms, status });
    const wait = sent + intervalMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return probes;
}

async function main(): Promise<void> {
  const [url, interval = '250', timeout = '5000'] = process.argv.slice(2);
  let running = true;
  process.stdin.on('end', () => (running = false)).resume();
  const [healthz, readyz] = await Promise.all(
    ['/healthz', '/readyz'].map((path) => probeLoop(`${url}${path}`, Number(interval), Number(timeout), () => running)),
  );
  process.stdout.write(JSON.stringify({ healthz, readyz }));
}

if (require.main === module) void main();
