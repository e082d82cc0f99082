import { diag, DiagLogLevel, type AttributeValue, type Attributes } from '@opentelemetry/api';
import type { AnyValue } from '@opentelemetry/api-logs';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { exited, onLines, spawnTs } from './run-ts';

/**
 * OpenTelemetry JS SDK records for the OTLP e2e tests: built by the real SDK (a LoggerProvider or
 * BasicTracerProvider writing to an in-memory exporter), so that an OTLP exporter or the
 * transformer's serializers send exactly what an instrumented application would.
 */

export interface LogSpec {
  eventName?: string;
  attributes?: Record<string, AttributeValue>;
  body?: AnyValue;
  /** Milliseconds since the epoch (the SDK's default, now, otherwise). */
  timestamp?: number;
}

/** Log records as an application's LoggerProvider emits them, under one resource. */
export async function sdkLogRecords(resource: Attributes, specs: LogSpec[]): Promise<ReadableLogRecord[]> {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource: resourceFromAttributes(resource), processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
  const logger = provider.getLogger('otlp-e2e', '1.0.0');
  for (const spec of specs) {
    logger.emit({
      ...(spec.eventName !== undefined && { eventName: spec.eventName }),
      ...(spec.attributes !== undefined && { attributes: spec.attributes }),
      ...(spec.body !== undefined && { body: spec.body }),
      ...(spec.timestamp !== undefined && { timestamp: spec.timestamp }),
    });
  }
  await provider.forceFlush();
  const records = [...memory.getFinishedLogRecords()];
  await provider.shutdown();
  return records;
}

export interface SpanSpec {
  name: string;
  attributes?: Attributes;
  /** How long the span lasted, ending now (ms). */
  durationMs?: number;
}

/** Finished spans as an application's tracer records them, under one resource. */
export async function sdkSpans(resource: Attributes, specs: SpanSpec[]): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes(resource), spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('otlp-e2e', '1.0.0');
  for (const spec of specs) {
    const end = Date.now();
    const span = tracer.startSpan(spec.name, { attributes: spec.attributes, startTime: end - (spec.durationMs ?? 1_000) });
    span.end(end);
  }
  await provider.forceFlush();
  const spans = [...memory.getFinishedSpans()];
  await provider.shutdown();
  return spans;
}

/** What an exporter's `export` reports, as a promise (0 SUCCESS, 1 FAILED, with the error). */
export function exportWith<T>(exporter: { export(items: T[], done: (result: ExportResult) => void): void }, items: T[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(items, resolve));
}

export interface RawReply {
  status: number;
  headers: Headers;
  bytes: Buffer;
}

/** A POST with the body as given (an OTLP payload built by a serializer, or something broken), every status returned. */
export async function postRaw(url: string, body: Uint8Array | string, headers: Record<string, string>): Promise<RawReply> {
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** A sample's value in a Prometheus exposition, summed over the series matching `labels`. */
export function metricSum(metrics: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([label, value]) => line.includes(`${label}="${value}"`))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export type ExporterKind = 'logs-proto' | 'logs-json' | 'traces-proto' | 'traces-json';

/** One export by a real OTLP exporter: its records (built by the SDK), where to and with which headers. */
export interface ExportJob {
  kind: ExporterKind;
  url: string;
  headers?: Record<string, string>;
  resource?: Attributes;
  logs?: LogSpec[];
  spans?: SpanSpec[];
  /** The exporter's deadline for the export, retries included (its default is 10 s). */
  timeoutMillis?: number;
  /** Set by runExporter when it has something to do once the exporter is ready: the exporter then waits for a go. */
  waitForGo?: boolean;
}

/** What the exporter reported: its ExportResult, and the warnings it logged (a partial success is one). */
export interface ExportOutcome {
  code: number;
  error?: { name?: string; message: string; code?: number; data?: string };
  warnings: string[];
  elapsedMs: number;
}

/** Runs the job in this process (a plain Node process: the exporters load `http` with a dynamic import, which Jest's module sandbox refuses). */
async function exportHere(job: ExportJob): Promise<ExportOutcome> {
  const warnings: string[] = [];
  const collect = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
  diag.setLogger({ error: collect, warn: collect, info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.WARN);
  const options = { url: job.url, headers: job.headers ?? {}, ...(job.timeoutMillis !== undefined && { timeoutMillis: job.timeoutMillis }) };
  const go = async () => {
    if (!job.waitForGo) return;
    process.stdout.write('ready\n');
    await new Promise((resolve) => process.stdin.once('data', resolve));
  };
  let started = Date.now();
  let result: ExportResult;
  if (job.kind.startsWith('logs')) {
    const exporter = job.kind === 'logs-proto' ? new ProtoLogExporter(options) : new JsonLogExporter(options);
    const records = await sdkLogRecords(job.resource ?? {}, job.logs ?? []);
    await go();
    started = Date.now();
    result = await exportWith(exporter, records);
    await exporter.shutdown();
  } else {
    const exporter = job.kind === 'traces-proto' ? new ProtoTraceExporter(options) : new JsonTraceExporter(options);
    const spans = await sdkSpans(job.resource ?? {}, job.spans ?? []);
    await go();
    started = Date.now();
    result = await exportWith(exporter, spans);
    await exporter.shutdown();
  }
  const error = result.error as (Error & { code?: number; data?: string }) | undefined;
  return {
    code: result.code,
    ...(error && { error: { name: error.name, message: error.message, code: error.code, data: error.data } }),
    warnings,
    elapsedMs: Date.now() - started,
  };
}

/**
 * Exports with a real OpenTelemetry JS exporter, in a Node process of its own (as an instrumented
 * application would run it), and returns what the exporter reported. `beforeExport` runs once the
 * process is up and its records are built, right before the exporter sends (its start-up takes
 * a couple of seconds: what must hold when the exporter sends is set up there).
 */
export async function runExporter(job: ExportJob, beforeExport?: () => Promise<void>): Promise<ExportOutcome> {
  const child = spawnTs('test/support/otlp.ts', [JSON.stringify({ ...job, waitForGo: beforeExport !== undefined })], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  onLines(child.stdout, (line) => {
    if (line !== 'ready' || !beforeExport) return;
    beforeExport().then(
      () => child.stdin?.write('go\n'),
      (error: Error) => {
        stderr += `beforeExport failed: ${error.message}`;
        child.kill();
      },
    );
  });
  const status = await exited(child);
  child.stdin?.destroy();
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as ExportOutcome;
  } catch {
    throw new Error(`the exporter process ended (${String(status)}) without a result: ${stdout}${stderr}`);
  }
}

if (require.main === module) {
  exportHere(JSON.parse(process.argv[2] ?? '{}') as ExportJob).then(
    (outcome) => {
      process.stdout.write(`${JSON.stringify(outcome)}\n`);
      process.exit(0);
    },
    (error: Error) => {
      process.stderr.write(`${error.stack ?? error.message}\n`);
      process.exit(1);
    },
  );
}
