import { EventStoreUnavailableError, type EventSubscription, type RecordedEvent } from '@baseliner/event-store';
import type { AllStreamResolvedEvent, AllStreamSubscription } from './kurrentdb-client';
import { storeError } from './kurrentdb-support';

const DONE: IteratorResult<RecordedEvent> = { done: true, value: undefined };
/** Events held between the gRPC stream and the consumer before the stream is paused. */
const BUFFER_HIGH = 512;
const BUFFER_LOW = 128;

/**
 * A catch-up subscription to $all as the port's async iterable. Events arrive as stream 'data'
 * (paused when the consumer falls behind) rather than through the stream's own iterator, so
 * close() can end a pending `next()` at once. Events at or before the last delivered position are
 * dropped: whether the server starts at or after `fromPosition`, each event comes once.
 */
export class KurrentDbSubscription implements EventSubscription {
  private readonly buffered: RecordedEvent[] = [];
  private closed = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private lastPosition: number;

  constructor(
    private readonly source: AllStreamSubscription,
    fromPosition: number,
    accept: (resolved: AllStreamResolvedEvent, after: number) => RecordedEvent | undefined,
    private readonly onClose: () => void,
  ) {
    this.lastPosition = fromPosition;
    source.on('data', (resolved: AllStreamResolvedEvent) => {
      const event = accept(resolved, this.lastPosition);
      if (!event || this.closed) return;
      this.lastPosition = event.position;
      this.buffered.push(event);
      if (this.buffered.length >= BUFFER_HIGH) source.pause();
      this.notify();
    });
    source.on('error', (error: Error) => {
      this.failure ??= storeError(error, 'follow $all');
      this.notify();
    });
    source.on('end', () => {
      this.failure ??= new EventStoreUnavailableError('KurrentDB ended the subscription to $all');
      this.notify();
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffered.length = 0;
    this.notify();
    this.onClose();
    // Cancels the gRPC call (the client drops its own cancellation error), then frees the stream.
    this.source
      .unsubscribe()
      .catch(() => undefined)
      .finally(() => this.source.destroy());
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return {
      next: () => this.next(),
      return: async () => {
        this.close();
        return DONE;
      },
    };
  }

  private async next(): Promise<IteratorResult<RecordedEvent>> {
    for (;;) {
      if (this.closed) return DONE;
      const event = this.buffered.shift();
      if (event) {
        if (this.buffered.length <= BUFFER_LOW && this.source.isPaused()) this.source.resume();
        return { done: false, value: event };
      }
      if (this.failure) {
        const failure = this.failure;
        this.close();
        throw failure;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
