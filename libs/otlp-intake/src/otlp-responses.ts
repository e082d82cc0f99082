import { OtlpProtobuf } from './otlp-protobuf';

/** How a request was encoded; the answer, errors included, is encoded the same way. */
export type OtlpEncoding = 'protobuf' | 'json';
export type OtlpSignal = 'logs' | 'traces';

export const OTLP_CONTENT_TYPES: Record<OtlpEncoding, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/** The encoding a Content-Type names, or undefined when it is neither of OTLP/HTTP's two. */
export function encodingOf(contentType: string | undefined): OtlpEncoding | undefined {
  const mediaType = mediaTypeOf(contentType);
  if (mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf') return 'protobuf';
  if (mediaType === 'application/json') return 'json';
  return undefined;
}

/** The media type of a Content-Type, lower-cased, without parameters. */
export function mediaTypeOf(contentType: string | undefined): string {
  return String(contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** google.rpc.Code for an HTTP status (the body of an OTLP error answer carries one). */
function rpcCode(status: number): number {
  switch (status) {
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 5; // NOT_FOUND
    case 429:
      return 8; // RESOURCE_EXHAUSTED
    case 499:
      return 1; // CANCELLED
    case 503:
      return 14; // UNAVAILABLE
    default:
      return status >= 500 ? 13 : 3; // INTERNAL, INVALID_ARGUMENT
  }
}

/**
 * Bodies are Buffers, so that the Content-Type goes out exactly as set: Fastify adds
 * "; charset=utf-8" to a string's, and the Collector's exporter reads a partial success only
 * when the answer's Content-Type is exactly the request's.
 */

/** The body of a 4xx/5xx answer: a google.rpc.Status, as OTLP/HTTP prescribes. */
export function statusBody(encoding: OtlpEncoding, status: number, message: string): Buffer {
  const code = rpcCode(status);
  if (encoding === 'json') return Buffer.from(JSON.stringify({ code, message }));
  return Buffer.from(OtlpProtobuf.Status.encode({ code, message }).finish());
}

/**
 * The body of a 200: an empty Export…ServiceResponse when everything was taken, else its
 * `partial_success` with the number of records rejected and why.
 */
export function exportResponseBody(encoding: OtlpEncoding, signal: OtlpSignal, rejected: number, errorMessage: string): Buffer {
  const partial =
    rejected === 0 && errorMessage === ''
      ? undefined
      : signal === 'logs'
        ? { rejectedLogRecords: rejected, errorMessage }
        : { rejectedSpans: rejected, errorMessage };
  if (encoding === 'json') {
    // OTLP/JSON: int64 as a decimal string.
    if (!partial) return Buffer.from('{}');
    const count = signal === 'logs' ? { rejectedLogRecords: String(rejected) } : { rejectedSpans: String(rejected) };
    return Buffer.from(JSON.stringify({ partialSuccess: { ...count, errorMessage } }));
  }
  const type = signal === 'logs' ? OtlpProtobuf.ExportLogsServiceResponse : OtlpProtobuf.ExportTraceServiceResponse;
  return Buffer.from(type.encode(partial ? { partialSuccess: partial } : {}).finish());
}
