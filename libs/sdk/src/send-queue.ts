import type { BatchDelivery } from './delivery';
import { DeliveryError, QueueFullError } from './errors';
import type { CloudEvent } from './events';
import type { ClientSettings, ClientStats } from './options';
import type { DeliveryReporter } from './reporting';
import { formatMs, plural } from './wording';

/**
 * Events waiting to be sent, sent one batch at a time: a full batch at once, a partial one after
 * `flushIntervalMs`. A bounded flush that runs out of time gives up on what is left.
 */
export class SendQueue {
  private queue: CloudEvent[] = [];
  private inFlight: CloudEvent[] | undefined;
  private pumping: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Aborted when a bounded flush gives up: stops the request and the backoff in progress. */
  private giveUp = new AbortController();

  constructor(
    private readonly settings: ClientSettings,
    private readonly stats: ClientStats,
    private readonly delivery: BatchDelivery,
    private readonly reporter: DeliveryReporter,
  ) {}

  /** Events waiting to be sent (not counting a batch on its way). */
  get length(): number {
    return this.queue.length;
  }

  /** Throws QueueFullError when full and `whenFull` is `reject`. */
  push(event: CloudEvent): void {
    if (this.queue.length >= this.settings.maxQueue) {
      if (this.settings.whenFull === 'reject') throw new QueueFullError(this.settings.maxQueue);
      this.queue.shift();
      this.stats.dropped += 1;
    }
    this.queue.push(event);
    this.stats.queued += 1;
    if (this.queue.length >= this.settings.batchSize) void this.pump();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.pump();
      }, this.settings.flushIntervalMs);
      // The client never keeps a process alive by itself; flushOnShutdown() sends what is left.
      this.timer.unref();
    }
  }

  stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Delivers everything queued so far; with `timeoutMs`, gives up on what is left by then. */
  async flush(timeoutMs: number | undefined): Promise<void> {
    const drained = this.drain();
    if (timeoutMs === undefined || !Number.isFinite(timeoutMs)) return drained;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), Math.max(0, timeoutMs))));
    const timedOut = await Promise.race([drained.then(() => false), expired]);
    clearTimeout(timer);
    if (!timedOut) return;
    // Not awaited: a fetch option that ignores its abort signal cannot hold close() past its timeout.
    this.abandon(timeoutMs);
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 || this.pumping) await this.pump();
  }

  private pump(): Promise<void> {
    if (this.pumping) return this.pumping;
    if (this.queue.length === 0) return Promise.resolve();
    // Started on the next tick so that `pumping` is set before the run can finish and clear it.
    this.pumping = Promise.resolve()
      .then(async () => {
        while (this.queue.length > 0) {
          const batch = this.queue.splice(0, this.settings.batchSize);
          this.inFlight = batch;
          const released = () => {
            if (this.inFlight === batch) this.inFlight = undefined;
          };
          await this.delivery.deliver(batch, this.giveUp.signal, released);
          released();
        }
      })
      .finally(() => {
        this.pumping = undefined;
      });
    return this.pumping;
  }

  /** A bounded flush ran out of time: what is queued or on its way is given up and reported. */
  private abandon(waitedMs: number): void {
    const waiting = this.inFlight !== undefined;
    const undelivered = [...(this.inFlight ?? []), ...this.queue.splice(0)];
    this.inFlight = undefined;
    this.giveUp.abort();
    this.giveUp = new AbortController();
    if (undelivered.length === 0) return;
    this.stats.failed += undelivered.length;
    const { lastProblem, endpoint } = this.delivery;
    const last = lastProblem ? ` Last problem: ${lastProblem.message}` : waiting ? ` ${this.settings.url} had not answered yet.` : '';
    const message =
      `Gave up after ${formatMs(waitedMs)}: ${undelivered.length} ${plural(undelivered.length, 'event was', 'events were')} not delivered to ${endpoint}.` +
      `${last} To wait longer, pass close({ timeoutMs }) or the closeTimeoutMs option.`;
    this.reporter.failed(new DeliveryError(message, 'not_delivered', endpoint, lastProblem?.status, { cause: lastProblem }), undelivered);
  }
}
