import { DeliveryError } from './errors';
import type { CloudEvent } from './events';
import type { ClientSettings, ClientStats } from './options';
import type { DeliveryReporter } from './reporting';
import { backoffMs, RETRYABLE, retryAfterSeconds, sleepUnlessAborted } from './retry';
import { answerError, postEvents, unreachableError } from './transport';
import { plural } from './wording';

/**
 * Delivers one batch: attempts until the server answers 202/207, a permanent error, or
 * `maxAttempts`, with backoff between them; what is given up is counted and reported.
 */
export class BatchDelivery {
  /** The most recent failed attempt, for the message when close() gives up. */
  lastProblem: DeliveryError | undefined;

  constructor(
    private readonly settings: ClientSettings,
    readonly endpoint: string,
    private readonly stats: ClientStats,
    private readonly reporter: DeliveryReporter,
  ) {}

  /** `released` runs when the batch is given up, before it is reported (it is no longer in flight). */
  async deliver(batch: CloudEvent[], giveUp: AbortSignal, released: () => void): Promise<void> {
    const { settings, endpoint } = this;
    let lastError = new DeliveryError('not sent', 'unreachable', endpoint);
    let attempts = 0;
    for (let attempt = 0; attempt < settings.maxAttempts; attempt += 1) {
      if (attempt > 0) this.stats.retries += 1;
      attempts += 1;
      let retryAfter: number | undefined;
      try {
        const { response, body } = await postEvents(settings, endpoint, batch, giveUp);
        if (giveUp.aborted) return; // abandoned: already counted and reported
        if (response.status === 202 || response.status === 207) {
          this.lastProblem = undefined;
          this.stats.accepted += body.accepted ?? 0;
          this.stats.duplicates += body.duplicates ?? 0;
          const rejected = body.rejected ?? [];
          this.stats.rejected += rejected.length;
          if (rejected.length > 0) {
            this.reporter.rejected(rejected.map((r) => ({ event: batch[r.index] as CloudEvent, reason: r.reason, message: r.message })));
          }
          return;
        }
        lastError = answerError(settings, endpoint, response.status, body.message);
        this.lastProblem = lastError;
        if (!RETRYABLE.has(response.status)) break;
        retryAfter = retryAfterSeconds(response);
      } catch (error) {
        if (giveUp.aborted) return;
        // Network error or timeout: the batch may or may not have landed; ids make a resend safe.
        lastError = unreachableError(settings, endpoint, error);
        this.lastProblem = lastError;
        if (attempt === 0 && !this.reporter.callerHandlesErrors) {
          this.reporter.warnOnce('unreachable-retrying', `${lastError.message} Retrying with backoff; events stay queued (up to maxQueue).`);
        }
      }
      if (attempt + 1 < settings.maxAttempts) {
        await sleepUnlessAborted(settings.sleep, backoffMs(attempt, retryAfter, settings), giveUp);
        if (giveUp.aborted) return;
      }
    }
    released();
    this.stats.failed += batch.length;
    const given = RETRYABLE.has(lastError.status ?? 0) || lastError.problem === 'unreachable' ? ` after ${attempts} ${plural(attempts, 'attempt', 'attempts')}` : '';
    const dropped = `${batch.length} ${plural(batch.length, 'event was', 'events were')} dropped${given}.`;
    this.reporter.failed(new DeliveryError(`${lastError.message} ${dropped}`, lastError.problem, endpoint, lastError.status, { cause: lastError.cause }), batch);
  }
}
