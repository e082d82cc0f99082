import type { EventSubscription, RecordedEvent, SubscriptionOptions } from './event-store.port';
import { PollingSubscription } from './polling-subscription';

export interface SubscriptionHubOptions {
  /** The next page after a position, of some categories or of all (`undefined` or empty). */
  readPage(after: number, categories: string[] | undefined): RecordedEvent[] | Promise<RecordedEvent[]>;
  pollIntervalMs: number;
  /** See `PollingSubscriptionOptions.prefetch`. */
  prefetch?: boolean;
}

/**
 * A store's subscriptions: opened over its page reader, woken by its commits, closed with it.
 * Every adapter that follows its log by polling keeps them here, in one way.
 */
export class SubscriptionHub {
  private readonly appendListeners = new Set<() => void>();
  private readonly subscriptions = new Set<PollingSubscription>();

  constructor(private readonly options: SubscriptionHubOptions) {}

  subscribe(options: SubscriptionOptions = {}): EventSubscription {
    const subscription = new PollingSubscription({
      fromPosition: options.fromPosition ?? 0,
      readPage: (after) => this.options.readPage(after, options.categories),
      onAppend: (listener) => {
        this.appendListeners.add(listener);
        return () => this.appendListeners.delete(listener);
      },
      pollIntervalMs: this.options.pollIntervalMs,
      prefetch: this.options.prefetch,
      onClose: () => this.subscriptions.delete(subscription),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Events were committed (here, or announced by the engine): caught-up subscriptions read now rather than at their next poll. */
  appended(): void {
    for (const listener of this.appendListeners) listener();
  }

  closeAll(): void {
    for (const subscription of this.subscriptions) subscription.close();
  }
}
