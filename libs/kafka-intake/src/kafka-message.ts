import { bearerTokenOf } from '@baseliner/platform';

/** The parts of a Kafka record the intake reads (kafkajs's KafkaMessage fits). */
export interface KafkaRecord {
  key?: Buffer | null;
  value: Buffer | null;
  /** A header sent with a null value comes as null (kafkajs decodes it so). */
  headers?: Record<string, Buffer | string | null | (Buffer | string | null)[] | undefined>;
  offset: string;
}

export type DecodedRecord =
  | { ok: true; event: Record<string, unknown>; token: string | undefined }
  | { ok: false; reason: 'invalid_json' | 'invalid_envelope' | 'invalid_data'; message: string; token: string | undefined };

/** A header as text (the last value when repeated), or undefined when absent or null. */
export function headerText(record: KafkaRecord, name: string): string | undefined {
  const raw = record.headers?.[name];
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  return value == null ? undefined : value.toString();
}

/**
 * The last authorization header read as bytes, and its token: a batch usually carries one key, so
 * most records are one byte comparison instead of decoding the header and matching it. The bytes
 * are a copy (a record's are a view into the whole fetched response, which must not stay alive).
 */
let lastAuthorization: { bytes: Buffer; token: string | undefined } | undefined;

/** `Authorization: Bearer <token>` → the token. */
function bearer(record: KafkaRecord): string | undefined {
  const raw = record.headers?.authorization;
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (value == null) return undefined;
  if (typeof value === 'string') return bearerTokenOf(value);
  if (lastAuthorization?.bytes.equals(value)) return lastAuthorization.token;
  const token = bearerTokenOf(value.toString());
  lastAuthorization = { bytes: Buffer.from(value), token };
  return token;
}

// One decoder for every record (decode() without `stream` starts afresh each time). fatal:
// invalid UTF-8 is refused, not turned into U+FFFD (the HTTP intake refuses it too).
const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJson(bytes: Buffer): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(utf8.decode(bytes)) };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

const CE_PREFIX = 'ce_';

/**
 * A record as a CloudEvent, in either mode of the CloudEvents Kafka binding:
 * - structured: the value is the whole event as JSON (`content-type: application/cloudevents+json`,
 *   or no content type);
 * - binary: the attributes are `ce_*` headers (`ce_specversion`, `ce_id`, `ce_source`, `ce_type`,
 *   `ce_time`, `ce_deployment`, …) and the value is the event's `data` as JSON.
 * Schema validation happens later, in the intake service, as for HTTP.
 */
export function decodeRecord(record: KafkaRecord): DecodedRecord {
  const token = bearer(record);
  if (headerText(record, 'ce_specversion') !== undefined) {
    const event: Record<string, unknown> = {};
    for (const name of Object.keys(record.headers ?? {})) {
      const text = name.startsWith(CE_PREFIX) ? headerText(record, name) : undefined;
      if (text !== undefined) event[name.slice(CE_PREFIX.length)] = text;
    }
    const contentType = headerText(record, 'content-type');
    if (contentType && !/^application\/([a-z.+-]+\+)?json\b/i.test(contentType)) {
      return { ok: false, reason: 'invalid_data', message: `content-type ${contentType}: the data of an event must be JSON`, token };
    }
    if (record.value && record.value.length > 0) {
      const data = parseJson(record.value);
      if (!data.ok) return { ok: false, reason: 'invalid_json', message: `The value is not JSON (${data.message}); in binary mode it holds the event's data as JSON`, token };
      event.data = data.value;
    }
    return { ok: true, event, token };
  }
  if (!record.value || record.value.length === 0) {
    return { ok: false, reason: 'invalid_json', message: 'The value is empty: send the CloudEvent as JSON (structured mode) or its data with ce_* headers (binary mode)', token };
  }
  const parsed = parseJson(record.value);
  if (!parsed.ok) return { ok: false, reason: 'invalid_json', message: `The value is not JSON (${parsed.message}); send one CloudEvent as a JSON object`, token };
  if (parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
    return { ok: false, reason: 'invalid_envelope', message: 'The value must be one CloudEvent as a JSON object (one event per record)', token };
  }
  return { ok: true, event: parsed.value as Record<string, unknown>, token };
}
