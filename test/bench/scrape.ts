// Measures shared by the projector benchmarks (SQLite and PostgreSQL, one process or sharded).
import { readFileSync } from 'node:fs';

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
export const percentile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * q))] as number;

/** Scrapes /metrics repeatedly while pinging /healthz every 2 ms: the slowest ping bounds the event-loop stall. */
export async function scrape(url: string, rounds: number) {
  const latencies: number[] = [];
  const stalls: number[] = [];
  for (let i = 0; i < rounds; i += 1) {
    let pinging = true;
    let worstPing = 0;
    const pinger = (async () => {
      while (pinging) {
        const t = performance.now();
        await fetch(`${url}/healthz`).then((r) => r.arrayBuffer());
        worstPing = Math.max(worstPing, performance.now() - t);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await new Promise((r) => setTimeout(r, 20));
    const t = performance.now();
    await (await fetch(`${url}/metrics`)).text();
    latencies.push(performance.now() - t);
    pinging = false;
    await pinger;
    stalls.push(worstPing);
  }
  return { p50: median(latencies), p99: percentile(latencies, 0.99), stallMax: Math.max(...stalls), stallP50: median(stalls) };
}

/** Peak resident memory of a process so far (VmHWM), in bytes. */
export function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}
