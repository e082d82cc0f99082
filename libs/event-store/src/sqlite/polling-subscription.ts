import type { EventSubscription, RecordedEvent } from '../event-store.port';

export interface PollingSubscriptionOptions {
  fromPosition: number;
  readPage(after: number): RecordedEvent[];
  /** Registers a listener called after a local commit; returns the unregister function. */
  onAppend(listener: () => void): () => void;
  pollIntervalMs: number;
  onClose(): void;
}

/**
 * Reads pages after a checkpoint; when caught up, sleeps until a local commit or the poll
 * interval (for appends made by other processes). The checkpoint advances only past delivered
 * events, so nothing is skipped and nothing repeats.
 */
export class PollingSubscription implements EventSubscription {
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(private readonly options: PollingSubscriptionOptions) {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    this.options.onClose();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    let checkpoint = this.options.fromPosition;
    while (!this.closed) {
      const page = this.options.readPage(checkpoint);
      for (const event of page) {
        if (this.closed) return;
        checkpoint = event.position;
        yield event;
      }
      if (page.length === 0) await this.sleepUntilAppend();
    }
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
