import { EventStoreUnavailableError } from '@baseliner/event-store';

/** Connection-level failures (server gone, refused, too many connections) as opposed to bugs. */
export function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string') {
    // 08: connection exception, 53: insufficient resources, 57P: operator intervention (shutdown), 58: system error.
    if (/^(08|53|57P|58)/.test(code)) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code)) return true;
  }
  return /Connection terminated|connection timeout|Client has encountered a connection error|Cannot use a pool after calling end/i.test(
    (error as Error)?.message ?? '',
  );
}

/** A connection failure becomes the port's EventStoreUnavailableError (503, retry later); anything else stays as it is. */
export function asUnavailable(error: unknown, failedTo: string): unknown {
  return isUnavailable(error) ? new EventStoreUnavailableError(`${failedTo}: ${(error as Error).message}`, error) : error;
}

/** The unique index `(stream_id, event_id)` refused a row: another process stored that id first. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === '23505';
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
