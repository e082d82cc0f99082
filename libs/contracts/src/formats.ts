import { FormatRegistry } from '@sinclair/typebox';

// RFC 3339 date-time: a full date, a time and an explicit offset (Z or ±hh:mm).
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isRfc3339(value: string): boolean {
  return RFC3339.test(value) && !Number.isNaN(Date.parse(value));
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
