import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited } from '../support/run-ts';
import { startServerProcess } from '../support/server-process';
import { client, taskCompleted, validRegistration } from '../support/test-server';

/** Times GET <url> every 100 ms until stdin closes, then prints the latencies (ms) as JSON. */
const HEALTH_PROBE = `
const url = process.argv[1];
const times = [];
let running = true;
process.stdin.on('end', () => (running = false)).resume();
(async () => {
  while (running) {
    const sent = performance.now();
    try { await (await fetch(url)).arrayBuffer(); times.push(performance.now() - sent); } catch { times.push(Infinity); }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  process.stdout.write(JSON.stringify(times.map((t) => (Number.isFinite(t) ? t : 1e9))));
})();
`;

// Open-loop overload, bounded and on loopback (the full figures: npm run bench:overload). The
// server runs in its own process: requests beyond its in-flight limit are shed with 503 at once,
// memory stays bounded, and /healthz keeps answering.
describe('open-loop overload', () => {
  it('sheds with 503, answers every request, keeps RSS bounded and /healthz quick', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'baseliner-overload-'));
    const server = startServerProcess(dataDir, { BASELINER_INTAKE_MAX_IN_FLIGHT: '8' });
    try {
      const url = await server.url;
      const admin = client(url, readFileSync(join(dataDir, 'secrets', 'admin-token'), 'utf8').trim());
      await admin.post('/v1/deployments', validRegistration('flood'));
      const key = (await admin.post('/v1/deployments/flood/keys')).body.key as string;
      const bodies = Array.from({ length: 600 }, (_, b) => JSON.stringify(Array.from({ length: 500 }, (_, i) => taskCompleted('flood', { id: `o-${b}-${i}` }))));
      const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))?.[1]) / 1024;

      // 600 requests of 500 events over 5 s (120/s, past what two shared cores take), whatever the answers.
      // /healthz is timed from its own process, so the flood's client work in this one is not counted.
      const statuses: number[] = [];
      let peak = rss();
      const sampler = setInterval(() => (peak = Math.max(peak, rss())), 100);
      const probe = spawn(process.execPath, ['-e', HEALTH_PROBE, `${url}/healthz`], { stdio: ['pipe', 'pipe', 'inherit'] });
      let probeOutput = '';
      probe.stdout.on('data', (chunk: Buffer) => (probeOutput += chunk.toString()));
      const started = performance.now();
      const sends: Promise<void>[] = [];
      for (const [i, body] of bodies.entries()) {
        const wait = started + i * (5_000 / bodies.length) - performance.now();
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
        sends.push(
          client(url, key)
            .post('/v1/events', body, { 'content-type': 'application/json' })
            .then((reply) => void statuses.push(reply.status), () => void statuses.push(0)),
        );
      }
      await Promise.all(sends);
      clearInterval(sampler);
      probe.stdin.end();
      await exited(probe);
      const health = JSON.parse(probeOutput) as number[];

      expect(statuses).toHaveLength(bodies.length);
      expect(statuses.filter((s) => s !== 202 && s !== 503)).toEqual([]); // answered or refused, nothing else
      expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
      expect(statuses.filter((s) => s === 202).length).toBeGreaterThan(0);
      expect(peak).toBeLessThan(600);
      expect(health.length).toBeGreaterThan(10);
      health.sort((a, b) => a - b);
      expect(health[Math.floor(health.length * 0.95)]).toBeLessThan(1_000);
    } finally {
      server.child.kill('SIGTERM');
      await exited(server.child);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
