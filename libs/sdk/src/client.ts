import { BatchDelivery } from './delivery';
import { EventBuilders } from './event-builders';
import type { CloudEvent } from './events';
import { settingsOf, type BaselinerClientOptions, type ClientSettings, type ClientStats, type CloseOptions, type FlushOptions, type ShutdownSignal } from './options';
import { DeliveryReporter } from './reporting';
import { SendQueue } from './send-queue';

/**
 * Sends adoption and outcome events to Baseliner: batched by size and time, retried with
 * exponential backoff and full jitter on 429/503/network errors (honouring Retry-After), each
 * event's id fixed at creation so a retry is a duplicate on the server, never a second event.
 */
export class BaselinerClient extends EventBuilders {
  readonly stats: ClientStats = { queued: 0, accepted: 0, duplicates: 0, rejected: 0, dropped: 0, failed: 0, retries: 0 };
  private readonly options: ClientSettings;
  private readonly queue: SendQueue;
  private closed = false;

  constructor(options: BaselinerClientOptions) {
    super();
    this.options = settingsOf(options);
    const reporter = new DeliveryReporter(options);
    const delivery = new BatchDelivery(this.options, `${this.options.url}/v1/events`, this.stats, reporter);
    this.queue = new SendQueue(this.options, this.stats, delivery, reporter);
  }

  protected override eventContext() {
    return { source: this.options.source, deployment: this.options.deployment, now: this.options.now };
  }

  /** Queues any CloudEvent. Throws QueueFullError when full and `whenFull` is `reject`. */
  override track(event: CloudEvent): CloudEvent {
    if (this.closed) throw new Error('Baseliner client is closed: create a new client to send more events');
    this.queue.push(event);
    return event;
  }

  /** Events waiting to be sent (not counting a batch on its way). */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * Resolves when everything queued so far has been delivered, refused or given up. With
   * `timeoutMs`, it gives up on what is left by then and reports it to `onError`.
   */
  async flush(options: FlushOptions = {}): Promise<void> {
    await this.queue.flush(options.timeoutMs);
  }

  /**
   * Refuses new events and delivers what is queued, waiting at most `timeoutMs` (default
   * `closeTimeoutMs`, 10 s); what is still undelivered then is reported to `onError`.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    this.closed = true;
    this.queue.stopTimer();
    await this.flush({ timeoutMs: options.timeoutMs ?? this.options.closeTimeoutMs });
  }

  /**
   * Closes on SIGTERM/SIGINT (then lets the signal end the process) and flushes before a natural
   * exit, both within `closeTimeoutMs`; returns a function that removes the hooks.
   */
  flushOnShutdown(signals: ShutdownSignal[] = ['SIGTERM', 'SIGINT']): () => void {
    const onSignal = (signal: ShutdownSignal) => {
      remove();
      void this.close().finally(() => process.kill(process.pid, signal));
    };
    const onBeforeExit = () => {
      if (this.queue.length > 0) void this.flush({ timeoutMs: this.options.closeTimeoutMs });
    };
    for (const signal of signals) process.once(signal, onSignal);
    process.on('beforeExit', onBeforeExit);
    const remove = () => {
      for (const signal of signals) process.removeListener(signal, onSignal);
      process.removeListener('beforeExit', onBeforeExit);
    };
    return remove;
  }
}
