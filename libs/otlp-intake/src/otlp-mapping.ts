import { hash } from 'node:crypto';
import { INTAKE_LIMITS, isTelemetryEventType, TELEMETRY_DATA_SCHEMAS, type RejectionReason } from '@baseliner/contracts';
import {
  attributesObject,
  hasAttribute,
  idHex,
  int64Digits,
  int64Number,
  nanosBetween,
  nanosKey,
  nanosToTime,
  plainValue,
  stringAttribute,
  type OtlpAnyValue,
  type OtlpBytes,
  type OtlpInt64,
  type OtlpKeyValue,
} from './otlp-values';

/**
 * OTLP exports as Baseliner events, before the intake sees them: pure functions, no I/O. The
 * events are CloudEvents as `POST /v1/events` takes them, so the intake validates, admits,
 * pseudonymises and deduplicates them exactly as it does those, with the same reasons.
 * docs/opentelemetry.md says what maps to what and what is dropped.
 */

/**
 * The semantic-conventions release whose attribute names are read: v1.41.0, the last with the
 * GenAI conventions in the main repository (semantic-conventions-genai v0.1.0 keeps the two read
 * here, `gen_ai.operation.name` and `gen_ai.request.model`), and its `user.id`; `enduser.id`,
 * deprecated for `user.id`, is still read from older instrumentation.
 */
export const SEMCONV_VERSION = '1.41.0';

/** Resource attribute naming the deployment (the ingest key's own deployment when absent). */
export const DEPLOYMENT_ATTRIBUTE = 'baseliner.deployment';
/** Span attribute that makes a span a task of its own (see spans below). */
export const TASK_ID_ATTRIBUTE = 'baseliner.task.id';
export const TASK_MODE_ATTRIBUTE = 'baseliner.task.mode';
export const TASK_OUTCOME_ATTRIBUTE = 'baseliner.task.outcome';
export const TASK_COST_ATTRIBUTE = 'baseliner.task.cost_usd';
export const SEGMENT_ATTRIBUTE = 'baseliner.segment';
export const GENAI_OPERATION_ATTRIBUTE = 'gen_ai.operation.name';
export const DEFAULT_FEATURE_ATTRIBUTE = 'gen_ai.request.model';
/** Where the actor is read from when a record has no `actor` attribute: `user.id`, else `enduser.id`. */
export const USER_ID_ATTRIBUTE = 'user.id';
/** Deprecated in favour of `user.id`; read when `user.id` is absent. */
export const END_USER_ID_ATTRIBUTE = 'enduser.id';
const EVENT_NAME_ATTRIBUTE = 'event.name';
const BAD_IDS = 'traceId or spanId is not a 16- or 8-byte id: OTLP/JSON writes them as 32 or 16 hex characters';
/** The contract's limit on `ai.used` `feature`. */
const MAX_FEATURE_LENGTH = 64;
const UNKNOWN_SERVICE = 'unknown_service';
/** OTLP's span status code ERROR (opentelemetry.proto.trace.v1.Status.StatusCode). */
const STATUS_ERROR = 2;

/** The event fields the contract defines per type: only these are taken from attributes. */
const DATA_FIELDS = Object.fromEntries(
  Object.entries(TELEMETRY_DATA_SCHEMAS).map(([type, schema]) => [type, Object.keys((schema as { properties: object }).properties)]),
) as Record<string, string[]>;
const DATA_FIELD_POSITIONS = Object.fromEntries(
  Object.entries(DATA_FIELDS).map(([type, fields]) => [type, new Map(fields.map((field, position) => [field, position]))]),
) as Record<string, Map<string, number>>;

export interface OtlpLogRecord {
  timeUnixNano?: OtlpInt64;
  observedTimeUnixNano?: OtlpInt64;
  body?: OtlpAnyValue | null;
  attributes?: OtlpKeyValue[];
  traceId?: OtlpBytes;
  spanId?: OtlpBytes;
  eventName?: string;
}
interface OtlpResource {
  attributes?: OtlpKeyValue[];
}
export interface OtlpLogsRequest {
  resourceLogs?: { resource?: OtlpResource | null; scopeLogs?: { logRecords?: OtlpLogRecord[] }[] }[];
}
export interface OtlpSpan {
  traceId?: OtlpBytes;
  spanId?: OtlpBytes;
  name?: string;
  startTimeUnixNano?: OtlpInt64;
  endTimeUnixNano?: OtlpInt64;
  attributes?: OtlpKeyValue[];
  status?: { code?: number | string; message?: string } | null;
}
export interface OtlpTracesRequest {
  resourceSpans?: { resource?: OtlpResource | null; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

/** A CloudEvent as `POST /v1/events` takes it. */
export interface MappedEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string | undefined;
  deployment: string;
  data: Record<string, unknown>;
}

/** Why a record (log record or span) was not turned into any event. */
export type IgnoredReason = 'no_event_name' | 'not_genai' | 'no_actor';

export interface MappedExport {
  /** Log records or spans in the export. */
  records: number;
  events: MappedEvent[];
  /** For each event, the position of its record in the export (counted across resources and scopes). */
  origins: number[];
  /** Records refused before the intake (each once). */
  rejected: { record: number; reason: RejectionReason; message: string }[];
  /** Records that were not meant for Baseliner, by why. */
  ignored: Map<IgnoredReason, number>;
}

export interface MappingContext {
  /** The ingest key's deployment: events go there unless the resource names one. */
  keyDeploymentId: string;
  /** Keys the content-derived ids, so that the raw actor inside cannot be confirmed from an id (derived from the actor key, for this use only). */
  idKey: string;
  /** The span attribute naming the feature of an `ai.used` (BASELINER_OTLP_FEATURE_ATTRIBUTE). */
  featureAttribute?: string;
}

/** An export that maps to more events than one intake request takes: refused whole (413), before the rest is mapped. */
export class TooManyEventsError extends Error {
  override readonly name = 'TooManyEventsError';
  constructor(records: 'log records' | 'spans') {
    super(
      `More than ${INTAKE_LIMITS.maxEventsPerRequest} events in one export; the limit is ${INTAKE_LIMITS.maxEventsPerRequest} (a span that is both GenAI and a task is two): split it, at most ${INTAKE_LIMITS.maxEventsPerRequest} ${records} an export (the Collector's batch processor: send_batch_max_size)`,
    );
  }
}

function push(mapped: MappedExport, event: MappedEvent, origin: number, records: 'log records' | 'spans'): void {
  if (mapped.events.length >= INTAKE_LIMITS.maxEventsPerRequest) throw new TooManyEventsError(records);
  mapped.events.push(event);
  mapped.origins.push(origin);
}

function emptyExport(): MappedExport {
  return { records: 0, events: [], origins: [], rejected: [], ignored: new Map() };
}

function ignore(mapped: MappedExport, reason: IgnoredReason): void {
  mapped.ignored.set(reason, (mapped.ignored.get(reason) ?? 0) + 1);
}

function resourceContext(resource: OtlpResource | null | undefined, context: MappingContext) {
  const attributes = resource?.attributes;
  return {
    deployment: stringAttribute(attributes, DEPLOYMENT_ATTRIBUTE) ?? context.keyDeploymentId,
    source: stringAttribute(attributes, 'service.name') || UNKNOWN_SERVICE,
    actor: actorOf(attributes),
  };
}

function actorOf(attributes: OtlpKeyValue[] | undefined): string | undefined {
  if (!Array.isArray(attributes)) return undefined;
  let endUser: string | undefined;
  for (const attribute of attributes) {
    if (attribute?.key === USER_ID_ATTRIBUTE) {
      const actor = actorValue(attribute.value);
      if (actor) return actor;
    } else if (attribute?.key === END_USER_ID_ATTRIBUTE) endUser ??= actorValue(attribute.value);
  }
  return endUser || undefined;
}

/** An actor id as sent: a string, or an integer id as its digits. */
function actorValue(value: OtlpAnyValue | null | undefined): string | undefined {
  if (!value) return undefined;
  if (Object.prototype.hasOwnProperty.call(value, 'stringValue')) return typeof value.stringValue === 'string' ? value.stringValue : undefined;
  if (Object.prototype.hasOwnProperty.call(value, 'intValue')) {
    const digits = int64Digits(value.intValue);
    return /^-?\d+$/.test(digits) ? digits : undefined;
  }
  return undefined;
}

/**
 * Log records → events. A record is an event when its event name (the LogRecord `event_name`
 * field, or else the `event.name` attribute) is set: the name is the event type, the contract's
 * `data` fields are read from the attributes (a key-value body is read too; attributes win),
 * `actor` falls back to `user.id` / `enduser.id`, the time is the record's timestamp (its
 * observed time when it has none). A record without an event name is an ordinary log line:
 * ignored. An unknown name goes to the intake like any other type, and is rejected there
 * (`unknown_type`).
 *
 * The id is derived from the record, so that a resent export is a duplicate: a keyed hash of its
 * trace id, span id, nanosecond timestamp, event name and data.
 */
export function mapLogs(request: OtlpLogsRequest, context: MappingContext): MappedExport {
  const mapped = emptyExport();
  for (const resourceLogs of request.resourceLogs ?? []) {
    const resource = resourceContext(resourceLogs?.resource, context);
    for (const scopeLogs of resourceLogs?.scopeLogs ?? []) {
      for (const record of scopeLogs?.logRecords ?? []) {
        const index = mapped.records++;
        if (!record) continue;
        const type = record.eventName || stringAttribute(record.attributes, EVENT_NAME_ATTRIBUTE);
        if (!type) {
          ignore(mapped, 'no_event_name');
          continue;
        }
        const nanos = int64Number(record.timeUnixNano) > 0 ? record.timeUnixNano : record.observedTimeUnixNano;
        const time = nanosToTime(nanos);
        if (time === undefined) {
          const message =
            int64Number(nanos) === 0
              ? 'the log record has neither timeUnixNano nor observedTimeUnixNano: set the record’s timestamp'
              : 'the log record’s timeUnixNano is not a time: nanoseconds since 1970-01-01 as an unsigned 64-bit integer';
          mapped.rejected.push({ record: index, reason: 'invalid_envelope', message });
          continue;
        }
        const traceId = idHex(record.traceId, 16);
        const spanId = idHex(record.spanId, 8);
        if (traceId === undefined || spanId === undefined) {
          mapped.rejected.push({ record: index, reason: 'invalid_envelope', message: BAD_IDS });
          continue;
        }
        const data = dataOf(type, record, resource.actor);
        const id = `log-${keyedDigest(context.idKey, `${traceId}/${spanId}/${nanosKey(nanos)}/${type}/${JSON.stringify(data)}`)}`;
        push(mapped, { specversion: '1.0', id, source: resource.source, type, time, deployment: resource.deployment, data }, index, 'log records');
      }
    }
  }
  return mapped;
}

function dataOf(type: string, record: OtlpLogRecord, resourceActor: string | undefined): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  // An unknown type is rejected by the intake; nothing of it is stored.
  if (!isTelemetryEventType(type)) return data;
  const fields = DATA_FIELDS[type] as string[];
  const positions = DATA_FIELD_POSITIONS[type] as Map<string, number>;
  // One pass over the attributes, keeping only the contract's fields (the last of a repeated key
  // wins); the rest — whatever instrumentation attached — is never converted.
  const found: (OtlpAnyValue | null | undefined)[] = new Array(fields.length);
  let userId: string | undefined;
  let endUserId: string | undefined;
  for (const attribute of record.attributes ?? []) {
    const key = attribute?.key;
    if (typeof key !== 'string') continue;
    const position = positions.get(key);
    if (position !== undefined) found[position] = attribute.value ?? null;
    else if (key === USER_ID_ATTRIBUTE) userId = actorValue(attribute.value);
    else if (key === END_USER_ID_ATTRIBUTE) endUserId = actorValue(attribute.value);
  }
  const body = record.body;
  const fromBody = body && Object.prototype.hasOwnProperty.call(body, 'kvlistValue') ? attributesObject(body.kvlistValue?.values) : undefined;
  // In the contract's field order, so that the data (and the id made from it) does not depend on
  // the order the attributes were sent in.
  for (let position = 0; position < fields.length; position += 1) {
    const field = fields[position] as string;
    const value = found[position] !== undefined ? plainValue(found[position]) : fromBody?.[field];
    if (value !== undefined) data[field] = value;
  }
  if (positions.has('actor') && data.actor === undefined) {
    const actor = userId || endUserId || resourceActor;
    if (actor !== undefined) data.actor = actor;
  }
  return data;
}

/**
 * Spans → events. Only two kinds of span count; every other span is skipped after a look at its
 * attribute keys:
 * - a GenAI span (`gen_ai.operation.name` set) with an actor (`user.id`, else `enduser.id`, on
 *   the span or its resource) is an `ai.used` by that actor at the span's start, `feature` from
 *   `gen_ai.request.model` (or the configured attribute). Its id is the trace and span id.
 * - a span with `baseliner.task.id` is one finished task: `task.completed` at the span's end,
 *   `durationSeconds` from its start and end, `mode` from `baseliner.task.mode` (default `ai`),
 *   `outcome` from `baseliner.task.outcome` (default: `error` when the span's status is ERROR,
 *   else `success`), `costUsd` from `baseliner.task.cost_usd`, `segment` from `baseliner.segment`.
 *   Its id is the task id, so several spans naming one task count it once.
 * A GenAI span with neither an actor nor a task counts nowhere (`no_actor`).
 */
export function mapSpans(request: OtlpTracesRequest, context: MappingContext): MappedExport {
  const mapped = emptyExport();
  const featureAttribute = context.featureAttribute ?? DEFAULT_FEATURE_ATTRIBUTE;
  for (const resourceSpans of request.resourceSpans ?? []) {
    let resource: ReturnType<typeof resourceContext> | undefined;
    for (const scopeSpans of resourceSpans?.scopeSpans ?? []) {
      for (const span of scopeSpans?.spans ?? []) {
        const index = mapped.records++;
        const attributes = span?.attributes;
        const genAi = hasAttribute(attributes, GENAI_OPERATION_ATTRIBUTE);
        const taskId = stringAttribute(attributes, TASK_ID_ATTRIBUTE);
        if (!genAi && taskId === undefined) {
          ignore(mapped, 'not_genai');
          continue;
        }
        resource ??= resourceContext(resourceSpans?.resource, context);
        const actor = actorOf(attributes) ?? resource.actor;
        if (actor === undefined && taskId === undefined) {
          ignore(mapped, 'no_actor');
          continue;
        }
        const traceId = idHex(span.traceId, 16);
        const spanId = idHex(span.spanId, 8);
        if (traceId === undefined || spanId === undefined) {
          mapped.rejected.push({ record: index, reason: 'invalid_envelope', message: BAD_IDS });
          continue;
        }
        if (!traceId || !spanId) {
          mapped.rejected.push({ record: index, reason: 'invalid_envelope', message: 'the span has no traceId or spanId: send spans as an OpenTelemetry SDK records them' });
          continue;
        }
        const base = { specversion: '1.0' as const, source: resource.source, deployment: resource.deployment };
        if (genAi && actor !== undefined) {
          const feature = featureOf(stringAttribute(attributes, featureAttribute));
          push(
            mapped,
            { ...base, id: `span-${traceId}-${spanId}`, type: 'ai.used', time: nanosToTime(span.startTimeUnixNano), data: { actor, ...(feature !== undefined && { feature }) } },
            index,
            'spans',
          );
        }
        if (taskId !== undefined) {
          push(mapped, { ...base, id: taskEventId(taskId, context.idKey), type: 'task.completed', time: nanosToTime(span.endTimeUnixNano), data: taskData(span, taskId, actor) }, index, 'spans');
        }
      }
    }
  }
  return mapped;
}

/**
 * A model name as `feature`: at most 64 characters, the contract's limit, keeping the end when it
 * is longer (an inference-profile ARN ends in the model's name); none when empty. A name the
 * contract would refuse must not lose the use it describes.
 */
function featureOf(name: string | undefined): string | undefined {
  if (!name) return undefined;
  if (name.length <= MAX_FEATURE_LENGTH) return name;
  const tail = name.slice(-MAX_FEATURE_LENGTH);
  // Not starting with the second half of a surrogate pair.
  return /^[\uDC00-\uDFFF]/.test(tail) ? tail.slice(1) : tail;
}

function taskData(span: OtlpSpan, taskId: string, actor: string | undefined): Record<string, unknown> {
  const attributes = attributesObject(span.attributes);
  const start = int64Number(span.startTimeUnixNano);
  const end = int64Number(span.endTimeUnixNano);
  const failed = Number(span.status?.code) === STATUS_ERROR || span.status?.code === 'STATUS_CODE_ERROR';
  const data: Record<string, unknown> = {
    taskId,
    mode: attributes[TASK_MODE_ATTRIBUTE] ?? 'ai',
    outcome: attributes[TASK_OUTCOME_ATTRIBUTE] ?? (failed ? 'error' : 'success'),
    // Negative or missing times leave a value the intake refuses, with its reason.
    durationSeconds: start > 0 && end > 0 ? nanosBetween(span.startTimeUnixNano, span.endTimeUnixNano) / 1e9 : undefined,
  };
  if (attributes[TASK_COST_ATTRIBUTE] !== undefined) data.costUsd = attributes[TASK_COST_ATTRIBUTE];
  if (attributes[SEGMENT_ATTRIBUTE] !== undefined) data.segment = attributes[SEGMENT_ATTRIBUTE];
  if (actor !== undefined) data.actor = actor;
  return data;
}

/** A task's event id: the task id itself when it fits the envelope's 128 characters, else its digest. */
function taskEventId(taskId: string, key: string): string {
  return taskId.length <= 120 ? `task-${taskId}` : `task-${keyedDigest(key, taskId)}`;
}

/**
 * 128 bits of SHA-256 over the key and the text, base64url: keyed, so that a guessed actor inside
 * the text cannot be confirmed without the key. A one-shot hash of key and text rather than an
 * HMAC, which costs twice as much per record (a new Hmac each time); what an HMAC adds — no length
 * extension — does not matter for an id nobody verifies.
 */
function keyedDigest(key: string, text: string): string {
  return hash('sha256', `${key.length}:${key}${text}`, 'base64url').slice(0, 22);
}
