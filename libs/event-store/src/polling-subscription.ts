import type { EventSubscription, RecordedEvent } from './event-store.port';

export interface PollingSubscriptionOptions {
  fromPosition: number;
  /** The next events after a position; synchronous for embedded stores (keeps a replay fast). */
  readPage(after: number): RecordedEvent[] | Promise<RecordedEvent[]>;
  /** Registers a listener called after a commit (local, or announced by the engine); returns the unregister function. */
  onAppend(listener: () => void): () => void;
  pollIntervalMs: number;
  onClose(): void;
  /**
   * Read the next page while the current one is handed out (for stores across a network: the
   * round trip overlaps with the projection's work). Pointless for a synchronous embedded store.
   */
  prefetch?: boolean;
}

/**
 * Reads pages after a checkpoint; when caught up, sleeps until a local commit or the poll
 * interval (for appends made by other processes). The checkpoint advances only past delivered
 * events, so nothing is skipped and nothing repeats.
 *
 * A hand-written iterator rather than an async generator: events already read are handed out
 * with one resolved promise each, which is what keeps a replay of millions of events fast.
 */
export class PollingSubscription implements EventSubscription {
  private closed = false;
  private wake: (() => void) | undefined;
  private page: RecordedEvent[] = [];
  private index = 0;
  private checkpoint: number;
  private prefetched: { after: number; page: Promise<RecordedEvent[]> } | undefined;

  constructor(private readonly options: PollingSubscriptionOptions) {
    this.checkpoint = options.fromPosition;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    this.options.onClose();
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return {
      next: () => this.next(),
      return: async () => {
        this.close();
        return { done: true, value: undefined };
      },
    };
  }

  private next(): Promise<IteratorResult<RecordedEvent>> {
    if (this.closed) return Promise.resolve({ done: true, value: undefined });
    if (this.index < this.page.length) return Promise.resolve(this.deliver());
    return this.refill();
  }

  private deliver(): IteratorResult<RecordedEvent> {
    const event = this.page[this.index++] as RecordedEvent;
    this.checkpoint = event.position;
    return { done: false, value: event };
  }

  private async refill(): Promise<IteratorResult<RecordedEvent>> {
    while (!this.closed) {
      const ahead = this.prefetched?.after === this.checkpoint ? await this.prefetched.page : undefined;
      this.prefetched = undefined;
      // An empty page read ahead is stale by now (appends may have come since): read again.
      const page = ahead && ahead.length > 0 ? ahead : this.options.readPage(this.checkpoint);
      this.page = Array.isArray(page) ? page : await page;
      this.index = 0;
      if (this.page.length > 0) {
        if (this.options.prefetch) {
          const after = (this.page[this.page.length - 1] as RecordedEvent).position;
          const next = Promise.resolve(this.options.readPage(after));
          next.catch(() => undefined); // a failed read ahead fails the subscription when its turn comes, as a direct read would
          this.prefetched = { after, page: next };
        }
        return this.deliver();
      }
      await this.sleepUntilAppend();
    }
    return { done: true, value: undefined };
  }

  private sleepUntilAppend(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        unregister();
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.options.pollIntervalMs);
      const unregister = this.options.onAppend(done);
      this.wake = done;
    });
  }
}
