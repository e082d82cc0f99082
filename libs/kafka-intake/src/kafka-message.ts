/** The parts of a Kafka record the intake reads (kafkajs's KafkaMessage fits). */
export interface KafkaRecord {
  key?: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  offset: string;
}

export type DecodedRecord =
  | { ok: true; event: Record<string, unknown>; token: string | undefined }
  | { ok: false; reason: 'invalid_json' | 'invalid_envelope' | 'invalid_data'; message: string; token: string | undefined };

/** A header as text (the last value when repeated), or undefined. */
export function headerText(record: KafkaRecord, name: string): string | undefined {
  const raw = record.headers?.[name];
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  return value === undefined ? undefined : value.toString();
}

/** `Authorization: Bearer <token>` → the token. */
function bearer(record: KafkaRecord): string | undefined {
  const header = headerText(record, 'authorization');
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

function parseJson(bytes: Buffer): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    // fatal: invalid UTF-8 is refused, not turned into U+FFFD (the HTTP intake refuses it too).
    return { ok: true, value: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) };
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
      if (name.startsWith(CE_PREFIX)) event[name.slice(CE_PREFIX.length)] = headerText(record, name);
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
