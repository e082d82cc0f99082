import { FormatRegistry } from '@sinclair/typebox';

// RFC 3339 date-time: a full date, a time and an explicit offset (Z or ±hh:mm).
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The number of two digits at `at` (the pattern has checked they are digits). */
const twoDigits = (value: string, at: number) => (value.charCodeAt(at) - 48) * 10 + value.charCodeAt(at + 1) - 48;

/** Days in a month of the Gregorian calendar (month 1–12). */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

// Read digit by digit rather than by slices and a Date: every event's time passes here, and the
// intake's hot path should make no garbage it does not need.
export function isRfc3339(value: string): boolean {
  if (!RFC3339.test(value) || Number.isNaN(Date.parse(value))) return false;
  // Date.parse rolls 2025-02-30 over into March: check the day exists in its month.
  const year = twoDigits(value, 0) * 100 + twoDigits(value, 2);
  const month = twoDigits(value, 5);
  const day = twoDigits(value, 8);
  const hour = twoDigits(value, 11);
  const minute = twoDigits(value, 14);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59;
}

export function isEmail(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}

/** TypeBox checks `format` only for formats registered here; call before compiling schemas. */
export function registerFormats(): void {
  if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', isRfc3339);
  if (!FormatRegistry.Has('email')) FormatRegistry.Set('email', isEmail);
}

registerFormats();
