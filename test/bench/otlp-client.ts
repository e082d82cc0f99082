// The OTLP load generator, in its own process: posts protobuf ExportLogsServiceRequests of 500
// log records to POST /otlp/v1/logs with a few requests in flight, as intake-client.ts does with
// CloudEvents batches to POST /v1/events.
import { readFileSync, writeFileSync } from 'node:fs';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';

const BATCH = 500;

/**
 * `count` exports of `batch` log records each, encoded by the OpenTelemetry SDK's own protobuf
 * serializer from records the SDK's logger produced. The mix is bench-events.ts's: 90%
 * `task.completed` (taskId, mode, outcome, durationSeconds, costUsd, segment; the actor as
 * `user.id`), 10% `ai.used` (`user.id`, feature), 250 actors. The receiver derives each event's id
 * from the record (timestamp, event name, data), so every record gets its own timestamp (1 ms
 * apart) and every task its own id: nothing is a duplicate.
 */
export function encodeOtlpExports(prefix: string, count: number, batch = BATCH): Uint8Array[] {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench/doc-svc' }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('baseliner-bench', '1.0.0');
  const now = Date.now();
  const exports: Uint8Array[] = [];
  for (let e = 0; e < count; e += 1) {
    for (let i = e * batch; i < (e + 1) * batch; i += 1) {
      const actor = `user-${i % 250}@example.com`;
      const timestamp = now - i; // milliseconds: distinct for every record
      if (i % 10 === 0) {
        logger.emit({ eventName: 'ai.used', timestamp, attributes: { 'user.id': actor, feature: 'summarise' } });
      } else {
        logger.emit({
          eventName: 'task.completed',
          timestamp,
          attributes: {
            taskId: `${prefix}-task-${i}`,
            mode: i % 3 === 0 ? 'manual' : 'ai',
            outcome: i % 17 === 0 ? 'error' : 'success',
            durationSeconds: 30 + (i % 600),
            'user.id': actor,
            costUsd: 0.02,
            segment: 'contracts',
          },
        });
      }
    }
    // The simple processor hands each record to the in-memory exporter as it is emitted.
    const records = exporter.getFinishedLogRecords();
    if (records.length !== batch) throw new Error(`the SDK exported ${records.length} log records, not ${batch}`);
    const bytes = ProtobufLogsSerializer.serializeRequest(records);
    if (!bytes) throw new Error('ProtobufLogsSerializer gave no bytes');
    exports.push(bytes);
    exporter.reset();
  }
  return exports;
}

/** Exports enough for `seconds` at up to 100,000 events/s: as many batches as intake-client.ts makes. */
export const exportsFor = (seconds: number) => Math.ceil(seconds * 200);

/** Exports to a file (each one length-prefixed), so that several rounds can send the same ones without encoding them again. */
export function writeExports(path: string, exports: Uint8Array[]): void {
  const parts: Uint8Array[] = [];
  for (const bytes of exports) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.byteLength);
    parts.push(length, bytes);
  }
  writeFileSync(path, Buffer.concat(parts));
}

export function readExports(path: string): Uint8Array[] {
  const file = readFileSync(path);
  const exports: Uint8Array[] = [];
  for (let at = 0; at < file.length; ) {
    const length = file.readUInt32BE(at);
    exports.push(file.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return exports;
}

async function main(): Promise<void> {
  const [url, key, secondsArg, concurrencyArg, prefix, exportsFile] = process.argv.slice(2) as [string, string, string, string, string, string | undefined];
  const seconds = Number(secondsArg);
  const concurrency = Number(concurrencyArg);
  // Encoded before the clock starts (as intake-client.ts makes its JSON bodies), so the load
  // generator does not compete for the CPU with the server it measures; or encoded once by
  // otlp.bench.ts for all its rounds (each round has a fresh store, so none is a duplicate there).
  const encodeStarted = performance.now();
  const bodies = exportsFile ? readExports(exportsFile) : encodeOtlpExports(prefix, exportsFor(seconds));
  const encodeSeconds = exportsFile ? undefined : (performance.now() - encodeStarted) / 1000;
  const bytesPerExport = Math.round(bodies.reduce((sum, body) => sum + body.byteLength, 0) / bodies.length);
  let next = 0;
  let accepted = 0;
  let requests = 0;
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline && next < bodies.length) {
      const body = bodies[next++] as Uint8Array;
      const sent = performance.now();
      const response = await fetch(`${url}/otlp/v1/logs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-protobuf' },
        body,
      });
      const answer = new Uint8Array(await response.arrayBuffer());
      if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${Buffer.from(answer).toString('latin1').slice(0, 300)}`);
      // An ExportLogsServiceResponse: partial_success counts the records not stored, and why.
      const { partialSuccess } = ProtobufLogsSerializer.deserializeResponse(answer);
      const rejected = Number(partialSuccess?.rejectedLogRecords ?? 0);
      if (rejected > 0) throw new Error(`${rejected} of ${BATCH} log records rejected: ${partialSuccess?.errorMessage ?? ''}`);
      latencies.push(performance.now() - sent);
      accepted += BATCH - rejected;
      requests += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({
      accepted,
      requests,
      seconds: elapsed,
      p50Ms: latencies[Math.floor(latencies.length / 2)],
      p99Ms: latencies[Math.floor(latencies.length * 0.99)],
      encodeSeconds,
      bytesPerExport,
      exhausted: next >= bodies.length,
    })}\n`,
  );
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
