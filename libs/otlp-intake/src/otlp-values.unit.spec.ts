import type { OtlpLogRecord, OtlpLogsRequest } from './otlp-mapping';
import { OtlpProtobuf } from './otlp-protobuf';
import { logsBothWays, sdkLogRecords, spanContext } from './testing/otel-sdk';
import {
  attributesObject,
  hasAttribute,
  idHex,
  int64Digits,
  int64Number,
  nanosBetween,
  nanosToTime,
  plainValue,
  stringAttribute,
  type OtlpAnyValue,
  type OtlpInt64,
  type OtlpKeyValue,
} from './otlp-values';

/** The one log record of an SDK export with that body, decoded from protobuf and parsed from OTLP/JSON. */
async function recordBothWays(body: Parameters<typeof sdkLogRecords>[1][number]['body']): Promise<{ protobuf: OtlpLogRecord; json: OtlpLogRecord }> {
  const both = logsBothWays(
    await sdkLogRecords({}, [{ eventName: 'probe', timestamp: [1767225600, 123456789], context: spanContext('0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331'), body }]),
  );
  const first = (request: typeof both.json) => request.resourceLogs![0]!.scopeLogs![0]!.logRecords![0]!;
  return { protobuf: first(both.protobuf), json: first(both.json) };
}

/** The Long protobufjs decodes an AnyValue int64 (signed) or a fixed64 time (unsigned) to. */
function decodedLong(digits: string, unsigned = false): OtlpInt64 {
  const record = unsigned ? { timeUnixNano: digits } : { body: { intValue: digits } };
  const bytes = OtlpProtobuf.ExportLogsServiceRequest.encode({ resourceLogs: [{ scopeLogs: [{ logRecords: [record] }] }] }).finish();
  const decoded = (OtlpProtobuf.ExportLogsServiceRequest.decode(bytes) as unknown as OtlpLogsRequest).resourceLogs![0]!.scopeLogs![0]!.logRecords![0]!;
  const value = unsigned ? decoded.timeUnixNano : decoded.body!.intValue;
  expect(value).toEqual(expect.objectContaining({ unsigned }));
  return value;
}

const bytes = Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]);

describe('AnyValue as plain JSON, from the SDK in both encodings', () => {
  it('reads scalars, nested key-value lists and arrays, bytes as base64 and int64 beyond 2^53 as digits', async () => {
    const { protobuf, json } = await recordBothWays({
      text: 'héllo',
      empty: '',
      yes: true,
      no: false,
      small: 42,
      negative: -7,
      zero: 0,
      ratio: 0.25,
      big: 2 ** 60,
      blob: bytes,
      nested: { level: { deeper: ['a', 1, 2.5, false, { key: 'value' }] }, list: [] },
    });
    const expected = {
      text: 'héllo',
      empty: '',
      yes: true,
      no: false,
      small: 42,
      negative: -7,
      zero: 0,
      ratio: 0.25,
      big: '1152921504606846976',
      // de ad be ef 00 ff → 3q2+7wD/
      blob: '3q2+7wD/',
      nested: { level: { deeper: ['a', 1, 2.5, false, { key: 'value' }] }, list: [] },
    };
    expect(plainValue(protobuf.body)).toEqual(expected);
    expect(plainValue(json.body)).toEqual(expected);
  });

  it('reads trace and span ids as lower-case hex, and times as the same instant, from either encoding', async () => {
    const { protobuf, json } = await recordBothWays('line');
    for (const record of [protobuf, json]) {
      expect(idHex(record.traceId, 16)).toBe('0af7651916cd43dd8448eb211c80319c');
      expect(idHex(record.spanId, 8)).toBe('b7ad6b7169203331');
      expect(int64Digits(record.timeUnixNano)).toBe('1767225600123456789');
      expect(nanosToTime(record.timeUnixNano)).toBe('2026-01-01T00:00:00.123Z');
      expect(plainValue(record.body)).toBe('line');
    }
  });
});

describe('int64 values', () => {
  // 2^53 + 1 = 9007199254740993, not a double; 2^63 − 1 = 9223372036854775807
  const beyond = '9007199254740993';

  it('as numbers: from a Long, a decimal string, a number, and 0 when unset', () => {
    expect(int64Number(decodedLong('1767225600123456789', true))).toBe(Number('1767225600123456789'));
    expect(int64Number('42')).toBe(42);
    expect(int64Number(-3)).toBe(-3);
    expect(int64Number(undefined)).toBe(0);
    expect(int64Number(null)).toBe(0);
    expect(int64Number('')).toBe(0);
  });

  it('as digits: exact, whichever way the value came', () => {
    expect(int64Digits(decodedLong(beyond))).toBe(beyond);
    expect(int64Digits(decodedLong('9223372036854775807'))).toBe('9223372036854775807');
    expect(int64Digits(decodedLong('18446744073709551615', true))).toBe('18446744073709551615');
    expect(int64Digits(beyond)).toBe(beyond);
    // A JSON number is a double: its exact value, not its shortest spelling (1152921504606847000)
    expect(int64Digits(2 ** 60)).toBe('1152921504606846976');
    expect(int64Digits(12.9)).toBe('12');
    expect(int64Digits(undefined)).toBe('0');
  });

  it('as attribute values: safe integers as numbers, the rest as decimal strings', () => {
    expect(plainValue({ intValue: beyond })).toBe(beyond);
    expect(plainValue({ intValue: decodedLong(beyond) })).toBe(beyond);
    expect(plainValue({ intValue: '-9223372036854775808' })).toBe('-9223372036854775808');
    expect(plainValue({ intValue: decodedLong('-9223372036854775808') })).toBe('-9223372036854775808');
    expect(plainValue({ intValue: '9007199254740991' })).toBe(9007199254740991);
    expect(plainValue({ intValue: '-5' })).toBe(-5);
    expect(plainValue({ intValue: 17 })).toBe(17);
  });
});

describe('time', () => {
  it('is RFC 3339 in UTC, truncated to the millisecond, from the exact nanoseconds', () => {
    expect(nanosToTime('1767225600250000000')).toBe('2026-01-01T00:00:00.250Z');
    expect(nanosToTime('1767225600999999999')).toBe('2026-01-01T00:00:00.999Z');
    expect(nanosToTime(decodedLong('1767225601000000000', true))).toBe('2026-01-01T00:00:01.000Z');
    expect(nanosToTime(1)).toBe('1970-01-01T00:00:00.000Z');
  });

  it('is undefined when unset (0), absent, negative or not a number', () => {
    for (const value of [0, '0', '', undefined, null, decodedLong('0', true), -1, '-1767225600000000000', 'soon']) expect(nanosToTime(value)).toBeUndefined();
  });

  it('differences are exact in nanoseconds', () => {
    expect(nanosBetween('1767225600999999999', '1767225601000000000')).toBe(1);
    expect(nanosBetween(decodedLong('1767225600123456789', true), decodedLong('1767225612469135802', true))).toBe(12_345_679_013);
    expect(nanosBetween('1767225612469135802', '1767225600123456789')).toBe(-12_345_679_013);
  });
});

describe('ids and bytes', () => {
  it('ids: hex of the bytes, JSON hex lower-cased, empty or all-zero as absent', () => {
    expect(idHex(Buffer.from('0af7651916cd43dd', 'hex'), 8)).toBe('0af7651916cd43dd');
    expect(idHex(new Uint8Array([0, 1, 0xab, 0, 0, 0, 0, 2]), 8)).toBe('0001ab0000000002');
    expect(idHex('0AF7651916CD43DD', 8)).toBe('0af7651916cd43dd');
    for (const absent of [undefined, null, '', new Uint8Array(0), '0000000000000000']) expect(idHex(absent, 8)).toBe('');
    expect(idHex(new Uint8Array(16), 16)).toBe('');
  });

  it('ids: anything else is not an id (undefined), and never read as bytes', () => {
    // Wrong size, not hex (base64, as protobuf's own JSON mapping would write it), not bytes at all.
    for (const bad of [new Uint8Array(3), '0af7', 'CvdlGRbNQ92ESOshHIAxnA==', 'zzzzzzzzzzzzzzzz', { length: 20_000_000 }, 42, [1, 2]]) {
      expect(idHex(bad as never, 8)).toBeUndefined();
    }
    // A bytes attribute that is not bytes is no value (and not a 20-million-element array).
    expect(plainValue({ bytesValue: { length: 20_000_000 } as never })).toBeUndefined();
  });

  it('bytes values: base64 of the bytes (a view into a larger buffer: only its own bytes); OTLP/JSON’s base64 as it is', () => {
    const backing = Uint8Array.from([1, 2, 0xde, 0xad, 0xbe, 0xef, 3]);
    expect(plainValue({ bytesValue: backing.subarray(2, 6) })).toBe('3q2+7w==');
    expect(plainValue({ bytesValue: '3q2+7w==' })).toBe('3q2+7w==');
    expect(plainValue({ bytesValue: new Uint8Array(0) })).toBe('');
  });
});

describe('AnyValue shapes', () => {
  it('is undefined for an empty AnyValue, and null inside an array', () => {
    expect(plainValue({})).toBeUndefined();
    expect(plainValue(null)).toBeUndefined();
    expect(plainValue({ arrayValue: { values: [{ stringValue: 'a' }, {}, { boolValue: true }] } })).toEqual(['a', null, true]);
    expect(plainValue({ arrayValue: {} })).toEqual([]);
    expect(plainValue({ kvlistValue: {} })).toEqual({});
  });

  it('reads a value protobufjs decoded, whose unset oneof members sit on the prototype', () => {
    const decoded = OtlpProtobuf.ExportLogsServiceRequest.decode(
      OtlpProtobuf.ExportLogsServiceRequest.encode({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { boolValue: false } }, { body: { doubleValue: 0 } }] }] }] }).finish(),
    ) as unknown as { resourceLogs: { scopeLogs: { logRecords: OtlpLogRecord[] }[] }[] };
    const [falseBody, zeroBody] = decoded.resourceLogs[0]!.scopeLogs[0]!.logRecords.map((record) => record.body);
    expect(plainValue(falseBody)).toBe(false);
    expect(plainValue(zeroBody)).toBe(0);
  });

  it('stops descending past 40 levels of nesting (the intake refuses what is too deep)', () => {
    let value: OtlpAnyValue = { stringValue: 'leaf' };
    for (let level = 0; level < 60; level++) value = { arrayValue: { values: [value] } };
    let plain = plainValue(value);
    let depth = 0;
    while (Array.isArray(plain)) {
      plain = plain[0];
      depth++;
    }
    expect(depth).toBe(41);
    expect(plain).toEqual({});
  });
});

describe('attributes', () => {
  const attributes: OtlpKeyValue[] = [
    { key: 'user.id', value: { stringValue: 'alice' } },
    { key: 'count', value: { intValue: '3' } },
    { key: 'unset', value: {} },
    { key: 'dup', value: { stringValue: 'first' } },
    { key: 'dup', value: { stringValue: 'last' } },
    { value: { stringValue: 'no key' } },
  ];

  it('as an object: absent values left out, a repeated key the last one', () => {
    expect(attributesObject(attributes)).toEqual({ 'user.id': 'alice', count: 3, dup: 'last' });
    expect(attributesObject(undefined)).toEqual({});
  });

  it('one string attribute: undefined when absent or not a string', () => {
    expect(stringAttribute(attributes, 'user.id')).toBe('alice');
    expect(stringAttribute(attributes, 'count')).toBeUndefined();
    expect(stringAttribute(attributes, 'missing')).toBeUndefined();
    expect(stringAttribute(null, 'user.id')).toBeUndefined();
  });

  it('presence, whatever the value', () => {
    expect(hasAttribute(attributes, 'unset')).toBe(true);
    expect(hasAttribute(attributes, 'missing')).toBe(false);
    expect(hasAttribute(undefined, 'unset')).toBe(false);
  });
});
