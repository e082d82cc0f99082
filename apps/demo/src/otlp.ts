import { OtlpProtobuf } from '@baseliner/otlp-intake';
import type { CloudEvent } from '@baseliner/sdk';

/**
 * `BASELINER_DEMO_OTLP=1 npm run demo`: one story, doc-review, sends its events as an
 * instrumented application would through OpenTelemetry — log records named after the event type
 * (`event_name`), the data as attributes, the actor as `user.id` — protobuf-encoded to
 * `POST /otlp/v1/logs` with the story's ingest key. The other stories go through the SDK as before.
 *
 * doc-review because every one of its events differs from the others in time or data: OTLP
 * events have no id of their own, the intake derives one from the record, so two identical
 * records at the same instant would be one event.
 */
export const OTLP_STORY = 'doc-review';
export const OTLP_VARIABLE = 'BASELINER_DEMO_OTLP';

/** Records per export: below the intake's 1,000 events per request, as a BatchLogRecordProcessor's 512. */
export const OTLP_BATCH = 500;

/** Whether BASELINER_DEMO_OTLP asks for it: 1/true/yes, 0/false/no or unset; anything else is refused, naming the variable. */
export function otlpRequested(value: string | undefined): boolean {
  const text = (value ?? '').trim().toLowerCase();
  if (['', '0', 'false', 'no', 'off'].includes(text)) return false;
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  throw new Error(`${OTLP_VARIABLE}=${String(value).slice(0, 40)} is not understood: set it to 1 to send ${OTLP_STORY}'s events through OTLP, or leave it unset`);
}

type AnyValue = { stringValue: string } | { intValue: number } | { doubleValue: number } | { boolValue: boolean };

function anyValue(value: unknown): AnyValue {
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: value } : { doubleValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return { stringValue: String(value) };
}

/** Milliseconds since the epoch as OTLP's nanoseconds (decimal digits: beyond 2^53). */
function nanosOf(time: string): string {
  return `${Date.parse(time)}000000`;
}

/** Events of one deployment and source as an ExportLogsServiceRequest: one log record per event. */
export function otlpLogsRequest(events: readonly CloudEvent[], deployment: string, source: string) {
  return {
    resourceLogs: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: source } },
            { key: 'baseliner.deployment', value: { stringValue: deployment } },
          ],
        },
        scopeLogs: [
          {
            scope: { name: 'baseliner-demo' },
            logRecords: events.map((event) => ({
              timeUnixNano: nanosOf(event.time),
              eventName: event.type,
              attributes: Object.entries(event.data)
                .filter(([, value]) => value !== undefined && value !== null)
                .map(([key, value]) => ({ key: key === 'actor' ? 'user.id' : key, value: anyValue(value) })),
            })),
          },
        ],
      },
    ],
  };
}

export interface OtlpSent {
  records: number;
  rejected: number;
  /** The last partial-success message, when something was rejected. */
  message: string;
}

export interface OtlpTarget {
  url: string;
  ingestKey: string;
  deployment: string;
  source: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * Sends the events in exports of OTLP_BATCH records, one after the other, as an OTLP exporter
 * would: a 429 or 503 is retried after its Retry-After (a few times), any other refusal throws.
 * Resolves with how many records were sent and how many the receiver rejected (partial success).
 */
export async function sendOtlpLogs(events: readonly CloudEvent[], target: OtlpTarget): Promise<OtlpSent> {
  const post = target.fetch ?? fetch;
  const sent: OtlpSent = { records: 0, rejected: 0, message: '' };
  for (let start = 0; start < events.length; start += OTLP_BATCH) {
    const batch = events.slice(start, start + OTLP_BATCH);
    const body = OtlpProtobuf.ExportLogsServiceRequest.encode(otlpLogsRequest(batch, target.deployment, target.source)).finish();
    for (let attempt = 1; ; attempt += 1) {
      const response = await post(`${target.url}/otlp/v1/logs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${target.ingestKey}`, 'content-type': 'application/x-protobuf' },
        body,
        signal: target.signal,
      });
      const reply = new Uint8Array(await response.arrayBuffer());
      if (response.ok) {
        const { partialSuccess } = OtlpProtobuf.ExportLogsServiceResponse.toObject(OtlpProtobuf.ExportLogsServiceResponse.decode(reply), { longs: Number }) as {
          partialSuccess?: { rejectedLogRecords?: number; errorMessage?: string };
        };
        sent.records += batch.length;
        sent.rejected += partialSuccess?.rejectedLogRecords ?? 0;
        if (partialSuccess?.errorMessage) sent.message = partialSuccess.errorMessage;
        break;
      }
      if ((response.status === 429 || response.status === 503) && attempt < 5 && !target.signal?.aborted) {
        await sleep(Math.min(Number(response.headers.get('retry-after')) || 1, 10) * 1000, target.signal);
        continue;
      }
      const status = reply.length > 0 && response.headers.get('content-type')?.includes('protobuf') ? (OtlpProtobuf.Status.decode(reply) as unknown as { message?: string }) : undefined;
      throw new Error(`POST /otlp/v1/logs: ${response.status}${status?.message ? ` ${status.message}` : ''}`);
    }
  }
  return sent;
}
