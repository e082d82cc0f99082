// The load generator, in its own process: posts 500-event batches with a few requests in flight.
import { benchEvents } from './bench-events';

const [url, key, secondsArg, concurrencyArg, prefix] = process.argv.slice(2) as [string, string, string, string, string];
const seconds = Number(secondsArg);
const concurrency = Number(concurrencyArg);
const BATCH = 500;

async function main(): Promise<void> {
  // Bodies are made before the clock starts, so the load generator does not compete for the
  // CPU with the server it measures (both run on this machine). Each event id is unique.
  const bodies = Array.from({ length: Math.ceil(seconds * 200) }, (_, i) =>
    JSON.stringify(benchEvents('bench', prefix, BATCH, i * BATCH)),
  );
  let next = 0;
  let accepted = 0;
  let requests = 0;
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline && next < bodies.length) {
      const body = bodies[next++] as string;
      const sent = performance.now();
      const response = await fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/cloudevents-batch+json' },
        body,
      });
      const result = (await response.json()) as { accepted?: number };
      if (response.status !== 202) throw new Error(`HTTP ${response.status}: ${JSON.stringify(result)}`);
      latencies.push(performance.now() - sent);
      accepted += result.accepted ?? 0;
      requests += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({ accepted, requests, seconds: elapsed, p50Ms: latencies[Math.floor(latencies.length / 2)], p99Ms: latencies[Math.floor(latencies.length * 0.99)] })}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
