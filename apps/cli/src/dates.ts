import { utcOffsetMs } from '@baseliner/analytics';
import { CliError } from './api';

const PLAIN_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

export function isPlainDate(value: string): boolean {
  return PLAIN_DATE.test(value);
}

/** The instant local midnight starts `date` (YYYY-MM-DD) in `timeZone`. */
export function startOfLocalDay(date: string, timeZone: string): Date {
  const match = PLAIN_DATE.exec(date);
  const wall = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
  if (!Number.isFinite(wall) || new Date(wall).toISOString().slice(0, 10) !== date) {
    throw new CliError(`"${date}" is not a calendar date: write YYYY-MM-DD, e.g. 2026-09-01`);
  }
  // The offset at local midnight: guessed from the offset at UTC midnight, then corrected once
  // (the two differ only when the zone changes its offset between them).
  const guess = wall - utcOffsetMs(wall, timeZone);
  return new Date(wall - utcOffsetMs(guess, timeZone));
}

/**
 * A baseline window from what a person types: plain dates are whole days in the deployment's
 * time zone — `from` from the start of its day, `to` up to the end of its day (the next local
 * midnight, which is how the window's end is read: its last day is the one before). RFC 3339
 * times pass through unchanged.
 */
export function baselineWindow(from: string, to: string, timeZone: string): { from: string; to: string } {
  const start = isPlainDate(from) ? startOfLocalDay(from, timeZone).toISOString() : from;
  let end = to;
  if (isPlainDate(to)) {
    startOfLocalDay(to, timeZone); // a real date, or a clear error
    const nextDay = new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
    end = startOfLocalDay(nextDay, timeZone).toISOString();
  }
  return { from: start, to: end };
}
