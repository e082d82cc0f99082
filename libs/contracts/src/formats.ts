import { FormatRegistry } from '@sinclair/typebox';

// RFC 3339 date-time: a full date, a time and an explicit offset (Z or ±hh:mm).
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isRfc3339(value: string): boolean {
  if (!RFC3339.test(value) || Number.isNaN(Date.parse(value))) return false;
  // Date.parse rolls 2025-02-30 over into March: check the day exists in its month.
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  const hour = Number(value.slice(11, 13));
  const minute = Number(value.slice(14, 16));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59;
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
