import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, WrongExpectedRevisionError, type AppendResult, type DecodedEvent, type EventStore } from '@baseliner/event-store';
import { CLOCK, storedEventCodec, type Clock } from '@baseliner/platform';

/** A command that lost a race is decided again on the new history this many times before 409. */
export const CONFLICT_RETRIES = 3;

/** How one stream is read and ruled on: its state folded from the history, and the domain's decision. */
export interface StreamDecision<State, Event extends { type: string; data: unknown }> {
  streamId: string;
  fold(history: DecodedEvent[]): State;
  /** Pure (libs/domain): the events the command means on that state, none when it changes nothing, or a DomainError. */
  decide(state: State, now: Date): Event[];
}

/**
 * The one place where every control command meets the store: read the stream, let the domain
 * decide, append what it decided with the revision that was read. When another process changed
 * the stream in between, the command is decided again on the new history: still valid, it goes
 * through; no longer valid, the decider says why. Only a stream changing faster than it can be
 * re-read answers 409 (the store's WrongExpectedRevisionError).
 */
@Injectable()
export class ConflictRetryingHandler {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Where the decided events landed, or undefined when the decision was to change nothing. */
  async handle<State, Event extends { type: string; data: unknown }>({ streamId, fold, decide }: StreamDecision<State, Event>): Promise<AppendResult | undefined> {
    for (let attempt = 0; ; attempt += 1) {
      const history = await this.store.readStream(streamId);
      const decided = decide(fold(history.map((e) => storedEventCodec.decode(e))), this.clock.now());
      if (decided.length === 0) return undefined;
      const revision = history.length ? (history[history.length - 1]?.revision as number) : 'no_stream';
      try {
        return await this.store.append(
          streamId,
          decided.map((event) => storedEventCodec.encode({ id: randomUUID(), type: event.type, data: event.data })),
          { expectedRevision: revision },
        );
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= CONFLICT_RETRIES) throw error;
      }
    }
  }
}
