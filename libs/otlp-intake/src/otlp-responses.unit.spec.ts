import { JsonLogsSerializer, ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { encodingOf, exportResponseBody, OTLP_CONTENT_TYPES, statusBody } from './otlp-responses';

/**
 * OTLP/HTTP answers: an Export…ServiceResponse on 200 (its partial_success when something was
 * rejected), a google.rpc.Status on 4xx/5xx, each in the request's encoding. The protobuf forms
 * are read back by the OpenTelemetry exporters' own deserializers, or checked byte by byte.
 */

const bytesOf = (body: Buffer | string) => [...(typeof body === 'string' ? Buffer.from(body) : body)];
const ascii = (text: string) => [...Buffer.from(text, 'ascii')];

describe('encodingOf', () => {
  it('knows OTLP/HTTP’s two media types, whatever their parameters and case', () => {
    expect(encodingOf('application/x-protobuf')).toBe('protobuf');
    expect(encodingOf('application/protobuf')).toBe('protobuf');
    expect(encodingOf('Application/X-Protobuf; proto=opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest')).toBe('protobuf');
    expect(encodingOf('application/json')).toBe('json');
    expect(encodingOf('application/json; charset=utf-8')).toBe('json');
    expect(encodingOf(' APPLICATION/JSON ;charset=UTF-8')).toBe('json');
  });

  it('knows nothing else', () => {
    for (const type of [undefined, '', 'text/plain', 'application/jsonl', 'application/x-ndjson', 'application/cloudevents+json', 'application/grpc', 'json']) {
      expect(encodingOf(type)).toBeUndefined();
    }
  });

  it('answers in the media type it names', () => {
    expect(OTLP_CONTENT_TYPES).toEqual({ protobuf: 'application/x-protobuf', json: 'application/json' });
  });
});

describe('exportResponseBody', () => {
  it('is empty when everything was taken: no bytes in protobuf, {} in JSON', () => {
    expect(bytesOf(exportResponseBody('protobuf', 'logs', 0, ''))).toEqual([]);
    expect(bytesOf(exportResponseBody('protobuf', 'traces', 0, ''))).toEqual([]);
    expect(exportResponseBody('json', 'logs', 0, '').toString('utf8')).toBe('{}');
    expect(exportResponseBody('json', 'traces', 0, '').toString('utf8')).toBe('{}');
    expect(ProtobufLogsSerializer.deserializeResponse(exportResponseBody('protobuf', 'logs', 0, '') as Buffer)).toEqual({});
  });

  it('carries partial_success with the count and message, as the OTel exporters read it', () => {
    const message = '2 of 5 log records rejected: record 1 (task.completed) invalid_data: data.mode must be one of ai, assisted, manual';
    expect(ProtobufLogsSerializer.deserializeResponse(exportResponseBody('protobuf', 'logs', 2, message) as Buffer)).toEqual({
      partialSuccess: { rejectedLogRecords: 2, errorMessage: message },
    });
    expect(ProtobufTraceSerializer.deserializeResponse(exportResponseBody('protobuf', 'traces', 300, 'x') as Buffer)).toEqual({
      partialSuccess: { rejectedSpans: 300, errorMessage: 'x' },
    });
  });

  it('is ExportLogsServiceResponse{partial_success(1){rejected_log_records(1), error_message(2)}} byte by byte', () => {
    // 0a 05 = field 1, length 5; 08 02 = field 1 varint 2; 12 01 'x' = field 2, length 1
    expect(bytesOf(exportResponseBody('protobuf', 'logs', 2, 'x'))).toEqual([0x0a, 0x05, 0x08, 0x02, 0x12, 0x01, ...ascii('x')]);
    // 300 as a varint: ac 02 (an empty message may be written out as 12 00: the same value to a proto3 reader)
    expect(bytesOf(exportResponseBody('protobuf', 'traces', 300, '')).slice(0, 5)).toEqual([0x0a, expect.any(Number), 0x08, 0xac, 0x02]);
    expect(ProtobufTraceSerializer.deserializeResponse(exportResponseBody('protobuf', 'traces', 300, '') as Buffer).partialSuccess).toMatchObject({ rejectedSpans: 300 });
  });

  it('in OTLP/JSON: lowerCamelCase, the int64 count as a decimal string', () => {
    const body = exportResponseBody('json', 'logs', 2, 'record 0 unknown_type: …');
    expect(body.toString('utf8')).toBe('{"partialSuccess":{"rejectedLogRecords":"2","errorMessage":"record 0 unknown_type: …"}}');
    expect(JsonLogsSerializer.deserializeResponse(Buffer.from(body))).toEqual({ partialSuccess: { rejectedLogRecords: '2', errorMessage: 'record 0 unknown_type: …' } });
    expect(JSON.parse(exportResponseBody('json', 'traces', 1, 'm').toString('utf8'))).toEqual({ partialSuccess: { rejectedSpans: '1', errorMessage: 'm' } });
  });

  it('carries a message with nothing rejected (a warning, as OTLP allows)', () => {
    expect(JSON.parse(exportResponseBody('json', 'logs', 0, 'note').toString('utf8'))).toEqual({ partialSuccess: { rejectedLogRecords: '0', errorMessage: 'note' } });
    const { partialSuccess } = ProtobufLogsSerializer.deserializeResponse(exportResponseBody('protobuf', 'logs', 0, 'note') as Buffer);
    expect(partialSuccess?.errorMessage).toBe('note');
    expect(partialSuccess?.rejectedLogRecords ?? 0).toBe(0);
  });
});

describe('statusBody', () => {
  // google.rpc.Code: 1 CANCELLED, 3 INVALID_ARGUMENT, 5 NOT_FOUND, 7 PERMISSION_DENIED,
  // 8 RESOURCE_EXHAUSTED, 13 INTERNAL, 14 UNAVAILABLE, 16 UNAUTHENTICATED
  const codes: [number, number][] = [
    [400, 3],
    [401, 16],
    [403, 7],
    [404, 5],
    [415, 3],
    [429, 8],
    [499, 1],
    [500, 13],
    [503, 14],
  ];

  it.each(codes)('HTTP %i is google.rpc code %i, in JSON', (status, code) => {
    expect(JSON.parse(statusBody('json', status, 'why').toString('utf8'))).toEqual({ code, message: 'why' });
  });

  it.each(codes)('HTTP %i is google.rpc code %i, in protobuf: Status{code(1), message(2)}', (status, code) => {
    // 08 <code> = field 1 varint; 12 03 'why' = field 2, length 3
    expect(bytesOf(statusBody('protobuf', status, 'why'))).toEqual([0x08, code, 0x12, 0x03, ...ascii('why')]);
  });

  it('encodes a UTF-8 message by its byte length', () => {
    const body = bytesOf(statusBody('protobuf', 401, 'clé'));
    expect(body).toEqual([0x08, 16, 0x12, 0x04, ...Buffer.from('clé', 'utf8')]);
  });
});
