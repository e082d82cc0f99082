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

/**
 * Bytes as a Buffer without copying, or undefined when the value is not bytes: protobufjs gives
 * Buffers (an unset field's default is an empty array); in OTLP/JSON anything else is the
 * sender's mistake — and `{"length": 1e9}` must not become a billion-element array.
 */
function bytesOf(value: unknown): Buffer | undefined {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return Array.isArray(value) && value.length === 0 ? Buffer.alloc(0) : undefined;
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

/** A Long, as protobufjs decodes an int64 or fixed64 to. */
function isLong(value: OtlpInt64): value is Exclude<OtlpInt64, string | number | null | undefined> & { high: number; low: number; unsigned?: boolean } {
  return typeof value === 'object' && value !== null && typeof (value as { high?: unknown }).high === 'number' && typeof (value as { low?: unknown }).low === 'number';
}

/** A trace (16 bytes) or span (8 bytes) id as lower-case hex: '' when absent or all zero bytes, undefined when not an id of that size. */
export function idHex(value: OtlpBytes, bytes: 16 | 8): string | undefined {
  if (value === null || value === undefined) return '';
  let hex: string;
  if (typeof value === 'string') {
    // OTLP/JSON writes trace and span ids as hex (not base64, as protobuf's JSON mapping would).
    if (value === '') return '';
    if (value.length !== bytes * 2 || !HEX.test(value)) return undefined;
    hex = value.toLowerCase();
  } else {
    const buffer = bytesOf(value);
    if (buffer === undefined) return undefined;
    if (buffer.length === 0) return '';
    if (buffer.length !== bytes) return undefined;
    hex = buffer.toString('hex');
  }
  return ALL_ZERO.test(hex) ? '' : hex;
}

const HEX = /^[0-9a-fA-F]+$/;
const ALL_ZERO = /^0+$/;

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
    return typeof bytes === 'string' ? bytes : bytesOf(bytes)?.toString('base64');
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

/**
 * Nanoseconds since the epoch, split exactly into whole milliseconds and the nanoseconds after
 * them; undefined when not a non-negative integer. Exact without BigInt or a Long's toString
 * (both slow, and this runs for every record): as a plain number, today's times are multiples of
 * 256 ns (…00.250000000 s would read as …00.249999872).
 */
export function nanosParts(value: OtlpInt64): { ms: number; nanos: number } | undefined {
  if (value === null || value === undefined) return undefined;
  if (isLong(value)) {
    if (!value.unsigned && value.high < 0) return undefined;
    const high = value.high >>> 0;
    // 2^32 = 4294 × 10^6 + 967296, so high × 2^32 + low = high × 4294 × 10^6 + rest, and rest
    // (below 2^32 × 967297) is exact as a number.
    const rest = high * 967_296 + (value.low >>> 0);
    const nanos = rest % 1_000_000;
    return { ms: high * 4294 + (rest - nanos) / 1_000_000, nanos };
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) return Number.isInteger(value) && value > 0 ? nanosParts(BigInt(value).toString()) : undefined;
    const nanos = value % 1_000_000;
    return { ms: (value - nanos) / 1_000_000, nanos };
  }
  const digits = String(value);
  if (!/^\d{1,20}$/.test(digits)) return undefined;
  const cut = digits.length - 6;
  return cut > 0 ? { ms: Number(digits.slice(0, cut)), nanos: Number(digits.slice(cut)) } : { ms: 0, nanos: Number(digits) };
}

/** The exact nanoseconds as text ("<ms>.<nanos>"): the same for either encoding, for ids. */
export function nanosKey(value: OtlpInt64): string {
  const parts = nanosParts(value);
  return parts ? `${parts.ms}.${parts.nanos}` : int64Digits(value);
}

/** end − start in nanoseconds, exact (a 1 ns span lasts 1 ns); NaN when either is not a time. */
export function nanosBetween(start: OtlpInt64, end: OtlpInt64): number {
  const from = nanosParts(start);
  const to = nanosParts(end);
  return from && to ? (to.ms - from.ms) * 1_000_000 + (to.nanos - from.nanos) : Number.NaN;
}

/** The latest time a JavaScript Date holds, in milliseconds. */
const MAX_DATE_MS = 8.64e15;

/** Nanoseconds since the epoch as an RFC 3339 time (whole milliseconds), or undefined when zero (OTLP's "unset") or not a time. */
export function nanosToTime(nanos: OtlpInt64): string | undefined {
  const parts = nanosParts(nanos);
  if (!parts || (parts.ms === 0 && parts.nanos === 0) || parts.ms > MAX_DATE_MS) return undefined;
  return isoTime(parts.ms);
}

// The records of one export are mostly seconds apart at most: the date and time up to the second
// is formatted once per second (Date#toISOString for every record was a seventh of the mapping).
let cachedSecond = Number.NaN;
let cachedPrefix = '';

/** `new Date(ms).toISOString()`, for the years 0–9999. */
function isoTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    const iso = new Date(second * 1000).toISOString();
    if (iso.length !== 24) return new Date(ms).toISOString();
    cachedSecond = second;
    cachedPrefix = iso.slice(0, 20);
  }
  const millis = ms - second * 1000;
  return `${cachedPrefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}
