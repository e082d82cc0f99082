import { ROOT_CONTEXT, trace, type Attributes, type Context, type HrTime, type SpanStatusCode } from '@opentelemetry/api';
import type { LogRecord } from '@opentelemetry/api-logs';
import { JsonLogsSerializer, JsonTraceSerializer, ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { OtlpLogsRequest, OtlpTracesRequest } from '../otlp-mapping';
import { OtlpProtobuf } from '../otlp-protobuf';

/**
 * Exports as the OpenTelemetry JS SDK makes them, for the unit tests of the mapping: records from a
 * real LoggerProvider or BasicTracerProvider (in-memory exporter), serialized by
 * @opentelemetry/otlp-transformer both ways — protobuf, decoded by the receiver's own descriptor,
 * and OTLP/JSON, parsed — so that a test can map both and expect the same.
 */

/** A span context to emit a log record under (the record then carries its trace and span id). */
export function spanContext(traceId: string, spanId: string): Context {
  return trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: 1 });
}

/** Log records as one LoggerProvider with that resource emits them. */
export async function sdkLogRecords(resource: Attributes, records: LogRecord[]): Promise<ReadableLogRecord[]> {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource: resourceFromAttributes(resource), processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
  const logger = provider.getLogger('otlp-unit', '1.0.0');
  for (const record of records) logger.emit(record);
  await provider.forceFlush();
  const finished = [...memory.getFinishedLogRecords()];
  await provider.shutdown();
  return finished;
}

export interface SpanSpec {
  name: string;
  attributes?: Attributes;
  start: HrTime;
  end: HrTime;
  status?: SpanStatusCode;
  /** Hex ids the tracer gives the span (a root span: the trace id is its own). */
  traceId: string;
  spanId: string;
}

/** Finished spans as one BasicTracerProvider with that resource records them, with the ids given. */
export async function sdkSpans(resource: Attributes, specs: SpanSpec[]): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  let next: SpanSpec | undefined;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor(memory)],
    idGenerator: { generateTraceId: () => next!.traceId, generateSpanId: () => next!.spanId },
  });
  const tracer = provider.getTracer('otlp-unit', '1.0.0');
  for (const spec of specs) {
    next = spec;
    const span = tracer.startSpan(spec.name, { attributes: spec.attributes, startTime: spec.start }, ROOT_CONTEXT);
    if (spec.status !== undefined) span.setStatus({ code: spec.status });
    span.end(spec.end);
  }
  await provider.forceFlush();
  const finished = [...memory.getFinishedSpans()];
  await provider.shutdown();
  return finished;
}

export interface BothEncodings<T> {
  /** Serialized by ProtobufLogsSerializer / ProtobufTraceSerializer, decoded by OtlpProtobuf. */
  protobuf: T;
  /** Serialized by JsonLogsSerializer / JsonTraceSerializer, parsed. */
  json: T;
}

function parse(bytes: Uint8Array | undefined): unknown {
  return JSON.parse(Buffer.from(bytes!).toString('utf8'));
}

export function logsBothWays(records: ReadableLogRecord[]): BothEncodings<OtlpLogsRequest> {
  return {
    protobuf: OtlpProtobuf.ExportLogsServiceRequest.decode(ProtobufLogsSerializer.serializeRequest(records)!) as OtlpLogsRequest,
    json: parse(JsonLogsSerializer.serializeRequest(records)) as OtlpLogsRequest,
  };
}

export function spansBothWays(spans: ReadableSpan[]): BothEncodings<OtlpTracesRequest> {
  return {
    protobuf: OtlpProtobuf.ExportTraceServiceRequest.decode(ProtobufTraceSerializer.serializeRequest(spans)!) as OtlpTracesRequest,
    json: parse(JsonTraceSerializer.serializeRequest(spans)) as OtlpTracesRequest,
  };
}
