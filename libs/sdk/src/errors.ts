export class QueueFullError extends Error {
  constructor(limit: number) {
    super(`Baseliner client queue is full (${limit} events): the server is unreachable or too slow; retry later or raise maxQueue`);
    this.name = 'QueueFullError';
  }
}

/**
 * What went wrong with a delivery:
 * - `unauthorized`: the server refused the ingest key (401/403); not retried.
 * - `unreachable`: no answer (connection refused, unknown host, timeout) after every attempt.
 * - `refused`: another answer that a retry cannot change (400, 404, 413, 415…).
 * - `unavailable`: the server kept answering 429 or 5xx until the attempts ran out.
 * - `not_delivered`: `close()` (or a flush with a timeout) gave up on what was still queued.
 */
export type DeliveryProblem = 'unauthorized' | 'unreachable' | 'refused' | 'unavailable' | 'not_delivered';

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly problem: DeliveryProblem,
    /** The URL the events were for. */
    readonly url: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DeliveryError';
  }
}
