import type { EachBatchPayload } from 'kafkajs';
import { EventStoreUnavailableError } from '@baseliner/event-store';
import type { DeadLetter } from './dead-letters';
import type { IngestedBatch } from './batch-ingest';
import type { KafkaIntakeHooks } from './kafka-intake.settings';
import type { KafkaRecord } from './kafka-message';

/** A partition's batches in flight, each committed only after its events are stored and the one before it committed. */
interface PartitionPipeline {
  /** Settles when the last batch taken is done: true if it (and every batch before it) was committed. */
  tail: Promise<boolean>;
  /** The tails of the latest batches before the last one taken, oldest first (the in-flight bound waits on the oldest). */
  earlierTails: Promise<boolean>[];
  /** Counts rewinds: a batch taken before the latest rewind must not rewind again. */
  round: number;
}

/** After a rewind or an error: batches read from here on no longer wait on the ones before. */
function startNewRound(pipeline: PartitionPipeline): void {
  pipeline.round += 1;
  pipeline.tail = Promise.resolve(true);
  pipeline.earlierTails = [];
}

export interface PartitionPipelineOptions {
  /** Batches of one partition handed to the store and not yet committed, at most (at least 2). */
  batchesInFlight: number;
  /** How long a rewound partition rests before it is read again. */
  backoffMs: number;
  isStopping(): boolean;
  /** Decodes, authenticates and hands a batch's records to the store (`ingestBatch`). */
  ingest(records: KafkaRecord[], isStale: () => boolean): Promise<IngestedBatch>;
  /** Sends dead letters and resolves once the broker acknowledged them. */
  sendDeadLetters(from: { topic: string; partition: number }, dead: DeadLetter[]): Promise<void>;
  /** Moves the consumer's position back (kafkajs `consumer.seek`); throws when the consumer crashed. */
  seek(target: { topic: string; partition: number; offset: string }): void;
  log: KafkaIntakeHooks['log'];
}

/**
 * Per-partition order: each batch is handed to the store at once (the next fetch is read while
 * the store writes), but its offset is committed only after its events are stored, its dead
 * letters acknowledged and the batch before it committed. A batch not stored pauses the
 * partition and rewinds it to that batch.
 */
export class PartitionPipelines {
  private readonly pipelines = new Map<string, PartitionPipeline>();
  /** Every batch taken and not yet settled, of any round: a rewind starts a new chain, but the old one's batches may still be storing. */
  private readonly unsettled = new Set<Promise<boolean>>();

  constructor(private readonly options: PartitionPipelineOptions) {}

  /** Resolves once every batch taken so far is committed or given up. */
  async settled(): Promise<void> {
    await Promise.all([...this.unsettled]);
  }

  /** kafkajs's `eachBatch`: returns once the partition has room for one more batch in flight. */
  async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, isRunning, isStale } = payload;
    if (this.options.isStopping() || !isRunning() || isStale() || batch.messages.length === 0) return;
    const key = `${batch.topic}|${batch.partition}`;
    let pipeline = this.pipelines.get(key);
    if (!pipeline) this.pipelines.set(key, (pipeline = { tail: Promise.resolve(true), earlierTails: [], round: 0 }));
    // Taken before any await: this batch commits only if every earlier batch of the partition did.
    const round = pipeline.round;
    const previous = pipeline.tail;
    // Batches commit in order: once the oldest of the last (batchesInFlight − 1) is committed, there is room.
    const earlierTails = pipeline.earlierTails;
    earlierTails.push(previous);
    if (earlierTails.length > this.options.batchesInFlight - 1) earlierTails.shift();
    const roomForNext = earlierTails[0] ?? previous;
    let settle!: (committed: boolean) => void;
    const tail = new Promise<boolean>((resolve) => (settle = resolve));
    pipeline.tail = tail;
    this.unsettled.add(tail);
    void tail.then(() => this.unsettled.delete(tail));
    try {
      await this.submitBatch(payload, pipeline, round, previous, settle);
    } catch (error) {
      // kafkajs retries this batch from its first offset: the batches before it settle first (one
      // refused still rewinds to itself), then a new round starts here so later ones do not wait forever.
      settle(false);
      await previous;
      if (round === pipeline.round) startNewRound(pipeline);
      throw error;
    }
    // kafkajs fetches again only once every batch of its last fetch returned: this bounds the work in flight.
    await roomForNext;
  }

  /** Hands a batch to the store and chains its commit after the batch before it. */
  private async submitBatch(
    { batch, resolveOffset, commitOffsetsIfNecessary, pause, isStale }: EachBatchPayload,
    pipeline: PartitionPipeline,
    round: number,
    previous: Promise<boolean>,
    settle: (committed: boolean) => void,
  ): Promise<void> {
    const { topic, partition } = batch;
    const messages = batch.messages as KafkaRecord[];
    const { stored, dead } = await this.options.ingest(messages, isStale);
    const firstOffset = (messages[0] as KafkaRecord).offset;
    const nextOffset = (BigInt(batch.lastOffset()) + 1n).toString();

    // Resolved at once so kafkajs fetches the next records while the store writes these; committed only once stored.
    resolveOffset(batch.lastOffset());
    const committed = (async (): Promise<boolean> => {
      const earlierCommitted = await previous;
      try {
        await stored;
        // Only once every earlier batch is committed: after a rewind this batch is read again, and its dead letters would go twice.
        if (earlierCommitted && dead.length > 0) await this.options.sendDeadLetters({ topic, partition }, dead);
      } catch (error) {
        // Only the first refusal of a round rewinds; the batches after it were read past it.
        if (earlierCommitted && round === pipeline.round) this.rewind(pipeline, topic, partition, firstOffset, pause, error as Error);
        return false;
      }
      if (!earlierCommitted) return false;
      try {
        await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: nextOffset }] }] });
      } catch (error) {
        // Stored already: a later commit covers it, or the partition's next owner reads it again as duplicates.
        this.options.log('warn', { msg: 'Kafka offset commit failed; the next commit covers it', topic, partition, offset: nextOffset, detail: (error as Error).message });
      }
      return true;
    })();
    committed.then(settle, () => settle(false));
  }

  /**
   * The store refused, a dead-letter send failed, or storing failed otherwise (logged as an
   * error): the partition is read again from the refused batch after a rest.
   */
  private rewind(pipeline: PartitionPipeline, topic: string, partition: number, offset: string, pause: () => () => void, error: Error): void {
    startNewRound(pipeline);
    const { backoffMs, isStopping } = this.options;
    try {
      this.options.seek({ topic, partition, offset });
      // While stopping the topic stays paused (stop paused it): a resume would fetch for nothing.
      if (!isStopping()) {
        const resume = pause();
        setTimeout(() => isStopping() || resume(), backoffMs).unref();
      }
    } catch {
      // The consumer crashed (kafkajs drops its group): it restarts from the committed offset, before this batch.
    }
    const level = error instanceof EventStoreUnavailableError ? 'warn' : 'error';
    this.options.log(level, { msg: 'batch not stored; partition paused and rewound', topic, partition, offset, retryInMs: backoffMs, detail: error.message });
  }
}
