import { DAY_MS, percentInWords } from '@baseliner/analytics';

export function ago(epochMs: number | undefined, now: number): string {
  if (epochMs === undefined) return 'never';
  const seconds = Math.max(0, (now - epochMs) / 1000);
  if (seconds < 90) return 'just now';
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
}

export function daysSince(iso: string | undefined, now: number): number | undefined {
  return iso ? Math.max(0, Math.floor((now - Date.parse(iso)) / DAY_MS)) : undefined;
}

/** A ratio as a percentage in the scorecard's own wording; '–' where there is none. */
export function percent(value: number | null | undefined, signed = false): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : percentInWords(value, signed);
}

export function seconds(value: number): string {
  if (value < 1) return `${Math.round(value * 1000)} ms`;
  if (value < 120) return `${value.toFixed(value < 10 ? 1 : 0)} s`;
  if (value < 7200) return `${(value / 60).toFixed(value < 600 ? 1 : 0)} min`;
  return `${(value / 3600).toFixed(1)} h`;
}

export function usd(value: number): string {
  return value < 1 ? `$${value.toFixed(3)}` : `$${value.toFixed(2)}`;
}

export function verdictLabel(verdict: string): string {
  return verdict.replace(/_/g, ' ');
}

/** An ISO timestamp shown in the deployment's time zone, e.g. "2026-11-03 09:15 (Europe/Berlin)". */
export function localTime(iso: string, timeZone: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}
