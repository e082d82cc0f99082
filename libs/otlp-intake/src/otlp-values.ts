/**
 * Reading OTLP values the same way whether they came from protobuf (decoded by protobufjs:
 * int64 as Long, bytes as Buffer, unset fields on the prototype) or from OTLP/JSON (int64 as a
 * decimal string or number, trace and span ids as hex, bytes as base64).
 */

/** An int64 / fixed64 as either encoding gives it. */
export type OtlpInt64 = number | string | { toNumber(): number; toString(): string } | null | undefined;

export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: OtlpInt64;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
  bytesValue?: Uint8Array | string;
}

export interface OtlpKeyValue {
  key?: string;
  value?: OtlpAnyValue | null;
}

export type OtlpBytes = Uint8Array | string | null | undefined;

const has = Object.prototype.hasOwnProperty;

/** Bytes as a Buffer without copying (protobufjs gives Buffers; an unset field's default is an empty array). */
function bytesOf(value: Uint8Array | ArrayLike<number>): Buffer {
  if (Buffer.isBuffer(value)) return value;
  return value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : Buffer.from(Array.from(value));
}

/** An int64 as a JavaScript number (exact to 2^53; nanosecond times lose under a microsecond). */
export function int64Number(value: OtlpInt64): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return value === '' ? 0 : Number(value);
  return value.toNumber();
}

/** An int64 as exact decimal digits (used where two values must not collide, as in event ids). */
export function int64Digits(value: OtlpInt64): string {
  if (value === null || value === undefined) return '0';
  if (typeof value !== 'number') return String(value);
  // Not String(value): that is the shortest text that reads back as the same double (2^60 is
  // '1152921504606847000'), where a Long from protobuf gives every digit ('1152921504606846976').
  return Number.isFinite(value) ? BigInt(Math.trunc(value)).toString() : String(value);
}

/** An int64 as an exact bigint, or undefined when it is not written as an integer. */
function int64BigInt(value: OtlpInt64): bigint | undefined {
  if (isLong(value)) {
    // From the bits, not through Long's toString(), which is slow (a division per digit group).
    const bits = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
    return value.unsigned ? bits : BigInt.asIntN(64, bits);
  }
  const digits = int64Digits(value);
  return /^-?\d+$/.test(digits) ? BigInt(digits) : undefined;
}

/** A Long, as protobufjs decodes an int64 or fixed64 to. */
function isLong(value: OtlpInt64): value is Exclude<OtlpInt64, string | number | null | undefined> & { high: number; low: number; unsigned?: boolean } {
  return typeof value === 'object' && value !== null && typeof (value as { high?: unknown }).high === 'number' && typeof (value as { low?: unknown }).low === 'number';
}

/**
 * end − start in nanoseconds, exact: today's times as numbers are multiples of 256 ns, so their
 * difference would be off by up to that (a 1 ns span would last 0 or 256 ns).
 */
export function nanosBetween(start: OtlpInt64, end: OtlpInt64): number {
  const from = int64BigInt(start);
  const to = int64BigInt(end);
  return from !== undefined && to !== undefined ? Number(to - from) : int64Number(end) - int64Number(start);
}

/** A trace or span id as lower-case hex ('' when absent or all zero bytes). */
export function idHex(value: OtlpBytes): string {
  if (value === null || value === undefined || value.length === 0) return '';
  const hex = typeof value === 'string' ? value.toLowerCase() : bytesOf(value).toString('hex');
  return /^0*$/.test(hex) ? '' : hex;
}

/**
 * An attribute value as plain JSON: strings, booleans and doubles as they are, int64 as a number
 * (a string when it is not a safe integer), arrays and key-value lists as arrays and objects,
 * bytes as base64. Undefined when the value is empty.
 */
export function plainValue(value: OtlpAnyValue | null | undefined, depth = 0): unknown {
  if (value === null || value === undefined || typeof value !== 'object') return undefined;
  if (has.call(value, 'stringValue')) return value.stringValue;
  if (has.call(value, 'intValue')) {
    const number = int64Number(value.intValue);
    return Number.isSafeInteger(number) ? number : int64Digits(value.intValue);
  }
  if (has.call(value, 'doubleValue')) return Number(value.doubleValue);
  if (has.call(value, 'boolValue')) return value.boolValue === true;
  // Nesting beyond the intake's own limit is left for it to refuse, with its own reason.
  if (depth > 40) return {};
  if (has.call(value, 'arrayValue')) return (value.arrayValue?.values ?? []).map((item) => plainValue(item, depth + 1) ?? null);
  if (has.call(value, 'kvlistValue')) return attributesObject(value.kvlistValue?.values, depth + 1);
  if (has.call(value, 'bytesValue')) {
    const bytes = value.bytesValue;
    return typeof bytes === 'string' ? bytes : bytes ? bytesOf(bytes).toString('base64') : '';
  }
  return undefined;
}

/** Key-value pairs as an object (a repeated key: the last one wins, as the OTLP spec leaves it undefined). */
export function attributesObject(attributes: OtlpKeyValue[] | null | undefined, depth = 0): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  if (!Array.isArray(attributes)) return object;
  for (const attribute of attributes) {
    if (!attribute || typeof attribute.key !== 'string') continue;
    const value = plainValue(attribute.value, depth);
    if (value !== undefined) object[attribute.key] = value;
  }
  return object;
}

/** One attribute's string value, without building the rest (undefined when absent or not a string). */
export function stringAttribute(attributes: OtlpKeyValue[] | null | undefined, key: string): string | undefined {
  if (!Array.isArray(attributes)) return undefined;
  for (const attribute of attributes) {
    if (attribute?.key === key) {
      const value = attribute.value;
      return value && has.call(value, 'stringValue') ? value.stringValue : undefined;
    }
  }
  return undefined;
}

/** Whether an attribute with that key is present (any value). */
export function hasAttribute(attributes: OtlpKeyValue[] | null | undefined, key: string): boolean {
  if (!Array.isArray(attributes)) return false;
  for (const attribute of attributes) if (attribute?.key === key) return true;
  return false;
}

/** Nanoseconds since the epoch as an RFC 3339 time, or undefined when zero (OTLP's "unset"). */
export function nanosToTime(nanos: OtlpInt64): string | undefined {
  const number = int64Number(nanos);
  if (!Number.isFinite(number) || number <= 0) return undefined;
  // Whole milliseconds from the exact value: as a number, …00.250000000 s reads as …00.249999872
  // and …00.999999999 as …01.000000000.
  const exact = int64BigInt(nanos);
  const date = new Date(exact !== undefined ? Number(exact / 1_000_000n) : Math.floor(number / 1e6));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
