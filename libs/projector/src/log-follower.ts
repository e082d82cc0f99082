import type { Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import type { EventStore, EventSubscription } from '@baseliner/event-store';
import { applyRecordedEvent, type ProjectionState } from './projection-state';

/** While following the log: look at the clock every this many events, yield after this long. */
const REPLAY_CHECK_EVERY = 1_000;
const REPLAY_SLICE_MS = 20;
const RESUBSCRIBE_DELAY_MS = 1_000;

/**
 * Follows the event log into a projection state from its checkpoint (catch-up, then live),
 * resubscribing after a read error, and tells waiters when a position has been projected.
 */
export class LogFollower {
  private subscription: EventSubscription | undefined;
  private stopped = false;
  /** Set while the projection is swapped for another set of shards. */
  private paused = false;
  private waiters: { position: number; resolve: () => void }[] = [];

  constructor(
    private readonly store: EventStore,
    private readonly logger: Logger,
  ) {}

  /** Folds every event after `state`'s checkpoint into it; resolves once paused or stopped. */
  async follow(state: ProjectionState): Promise<void> {
    this.paused = false;
    while (!this.stopped && !this.paused) {
      this.subscription = this.store.subscribeToAll({ fromPosition: state.checkpoint });
      try {
        // A replay resolves page after page without I/O: yield every few milliseconds so the server keeps answering.
        let sliceStart = performance.now();
        let sinceCheck = 0;
        for await (const event of this.subscription) {
          applyRecordedEvent(state, event);
          if (this.waiters.length > 0) this.wakeWaiters(state.checkpoint);
          if ((sinceCheck += 1) < REPLAY_CHECK_EVERY) continue;
          sinceCheck = 0;
          if (performance.now() - sliceStart >= REPLAY_SLICE_MS) {
            await new Promise((resolve) => setImmediate(resolve));
            sliceStart = performance.now();
          }
        }
      } catch (error) {
        if (this.paused) return;
        this.logger.error({ msg: 'projection subscription failed; resubscribing', error: (error as Error).name });
        await new Promise((resolve) => setTimeout(resolve, RESUBSCRIBE_DELAY_MS));
      }
    }
  }

  /** Ends `follow` for a swap of shards (it may be called again with another state). */
  pause(): void {
    this.paused = true;
    this.subscription?.close();
  }

  /** Ends `follow` for good. */
  stop(): void {
    this.stopped = true;
    this.subscription?.close();
  }

  /** Resolves true when everything stored up to now is projected, or false after `timeoutMs`. */
  async catchUp(checkpoint: () => number, timeoutMs: number): Promise<boolean> {
    const head = await this.store.headPosition();
    if (checkpoint() >= head) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
      this.waiters.push({ position: head, resolve: () => (clearTimeout(timer), resolve(true)) });
    });
  }

  /** Age of the oldest stored event after `checkpoint` (0 when caught up). */
  async lagSeconds(checkpoint: number, now: () => Date): Promise<number> {
    const [oldestUnprojected] = await this.store.readAll({ fromPosition: checkpoint, maxCount: 1 });
    if (!oldestUnprojected) return 0;
    return Math.max(0, (now().getTime() - oldestUnprojected.recordedAt.getTime()) / 1000);
  }

  private wakeWaiters(checkpoint: number): void {
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.position > checkpoint) return true;
      waiter.resolve();
      return false;
    });
  }
}
