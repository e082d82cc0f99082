import { DeliveryError } from './errors';
import type { CloudEvent } from './events';
import type { BaselinerClientOptions, Rejection } from './options';
import { plural } from './wording';

/**
 * Where refused and undelivered events are told: the caller's `onRejected` and `onError`, or by
 * default a warning on stderr once per distinct problem, so a dead server does not flood the log.
 */
export class DeliveryReporter {
  /** The caller passed onError: the default warnings while retrying stay quiet. */
  readonly callerHandlesErrors: boolean;
  private readonly onRejected: (rejections: Rejection[]) => void;
  private readonly onError: (error: Error, events: CloudEvent[]) => void;
  /** Problems the default handlers have already warned about: each is said once per client. */
  private readonly warned = new Set<string>();

  constructor({ onRejected, onError }: Pick<BaselinerClientOptions, 'onRejected' | 'onError'>) {
    this.onRejected = onRejected ?? ((rejections) => this.warnRejections(rejections));
    this.onError = onError ?? ((error) => this.warnError(error));
    this.callerHandlesErrors = onError !== undefined;
  }

  rejected(rejections: Rejection[]): void {
    this.call(() => this.onRejected(rejections));
  }

  failed(error: Error, events: CloudEvent[]): void {
    this.call(() => this.onError(error, events));
  }

  warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    console.warn(`[baseliner] ${message}`);
  }

  /** A handler that throws must not stop delivery of the rest of the queue. */
  private call(handler: () => void): void {
    try {
      handler();
    } catch (error) {
      console.warn(`[baseliner] an onError/onRejected handler threw: ${(error as Error)?.stack ?? String(error)}`);
    }
  }

  private warnRejections(rejections: Rejection[]): void {
    const byReason = new Map<string, Rejection[]>();
    for (const r of rejections) byReason.set(r.reason, [...(byReason.get(r.reason) ?? []), r]);
    for (const [reason, list] of byReason) {
      const first = list[0] as Rejection;
      this.warnOnce(
        `rejected:${reason}`,
        `Baseliner refused ${list.length} ${plural(list.length, 'event', 'events')} (${reason}), e.g. ${first.event?.type ?? 'event'} ${first.event?.id ?? ''}: ` +
          `${first.message}. Refused events are not retried: fix what the message says. ` +
          `Further events refused for this reason are counted in client.stats.rejected, not logged; pass onRejected to handle each one.`,
      );
    }
  }

  private warnError(error: Error): void {
    if (!(error instanceof DeliveryError)) return this.warnOnce(error.message, error.message);
    const again = error.problem === 'not_delivered' ? '' : ' Further failures like this are counted in client.stats.failed, not logged; pass onError to handle each one.';
    this.warnOnce(`${error.problem}:${error.status ?? ''}`, `${error.message}${again}`);
  }
}
