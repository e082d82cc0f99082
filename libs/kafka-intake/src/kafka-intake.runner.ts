import { Partitioners, type Consumer, type Kafka, type Producer } from 'kafkajs';
import type { IntakeService } from '@baseliner/intake';
import { ingestBatch } from './batch-ingest';
import { ConsumerLag } from './consumer-lag';
import { deadLetterTopic, sendDeadLetters } from './dead-letters';
import type { KafkaIntakeHooks, KafkaIntakeSettings } from './kafka-intake.settings';
import { PartitionPipelines } from './partition-pipeline';

/** The longest stop() waits for an attempt to start that is under way (the app's shutdown allows 10 s in all). */
const STOP_WAITS_FOR_START_MS = 2_000;

/** Resolves after `ms`; its timer never keeps the process alive. */
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Why an attempt to start failed, in words that say what to do, for /readyz and the log. A
 * missing topic is the usual first failure (kafkajs says only "This server does not host this
 * topic-partition"): Baseliner creates `<topic>.dlq`, never the producers' topic.
 */
export function whyNotStarted(error: Error, settings: Pick<KafkaIntakeSettings, 'brokers' | 'topic'>): string {
  const { topic } = settings;
  const brokers = settings.brokers.join(',');
  const { type } = error as Error & { type?: string };
  if (type === 'UNKNOWN_TOPIC_OR_PARTITION' || /does not host this topic-partition/i.test(error.message)) {
    return (
      `the topic ${topic} does not exist on ${brokers}: create it (Baseliner creates only ${deadLetterTopic(topic)}, not the topic it reads) ` +
      `with npm run kafka:topic -- ${topic} on the broker of npm run kafka:up, or kafka-topics.sh --bootstrap-server ${brokers} --create --topic ${topic} on your own; retrying`
    );
  }
  return `could not start on topic ${topic} (${brokers}): ${error.message}; retrying`;
}

/**
 * Reads CloudEvents from a Kafka topic into the same IntakeService as HTTP, at least once and
 * counted once (docs/kafka.md). This file is the consumer's life: start with retries, readiness,
 * stop. Batches: `partition-pipeline.ts` (order, commits, rewind) and `batch-ingest.ts`; dead
 * letters: `dead-letters.ts`; lag: `consumer-lag.ts`.
 */
export class KafkaIntakeRunner {
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private readonly batches: PartitionPipelines;
  private readonly consumerLag: ConsumerLag;
  private stopped = false;
  private stopping = false;
  /** consumer.run has been called (kafkajs refuses pause before it). */
  private running = false;
  private joined = false;
  /** The first join has been logged. */
  private announced = false;
  private crashed: string | undefined;
  /** Why the last attempt to start failed and what to do (whyNotStarted), until one succeeds. */
  private startError: string | undefined;
  /** The start and its retries, awaited by stop. */
  private starting: Promise<void> | undefined;
  /** Ends the wait before the next attempt to start. */
  private wake: (() => void) | undefined;

  constructor(
    private readonly kafka: Kafka,
    intake: IntakeService,
    private readonly settings: KafkaIntakeSettings,
    private readonly hooks: KafkaIntakeHooks,
  ) {
    this.consumerLag = new ConsumerLag(kafka, settings);
    this.batches = new PartitionPipelines({
      // Three by default, not two: the store's writer idled less (docs/benchmarks.md, "three batches per partition in flight").
      batchesInFlight: Math.max(2, settings.batchesInFlightPerPartition ?? 3),
      backoffMs: settings.backoffMs ?? 1_000,
      isStopping: () => this.stopping,
      ingest: (records, isStale) => ingestBatch(records, intake, hooks, isStale),
      sendDeadLetters: async (from, dead) => {
        await sendDeadLetters(this.producer as Producer, from, dead, hooks.now());
        for (const { reason } of dead) hooks.onDeadLetter(reason);
      },
      seek: (target) => this.consumer?.seek(target),
      log: (level, entry) => hooks.log(level, entry),
    });
  }

  /** Why this consumer is not consuming, or undefined when it is (for /readyz). */
  notReady(): string | undefined {
    if (this.crashed) return `the Kafka consumer stopped: ${this.crashed}`;
    if (this.startError) return this.startError;
    if (!this.joined) return `not yet in consumer group ${this.settings.groupId} on ${this.settings.brokers.join(',')}`;
    return undefined;
  }

  /**
   * Starts consuming. A failed start (broker unreachable, topic missing) is undone and tried again
   * after a wait that doubles up to a cap, until one succeeds or stop() is called: the topic may
   * be created after Baseliner. Never rejects; resolves once started or stopped.
   */
  start(): Promise<void> {
    this.starting ??= this.startAndRetry();
    return this.starting;
  }

  private async startAndRetry(): Promise<void> {
    const maxMs = this.settings.startRetryMaxMs ?? 30_000;
    let waitMs = Math.min(this.settings.startRetryMs ?? 1_000, maxMs);
    while (!this.stopping) {
      try {
        await this.startOnce();
        this.startError = undefined;
        // Finished after stop() stopped waiting for it: what it made is undone here.
        if (this.stopping && !this.running) await this.discardHalfStarted();
        return;
      } catch (error) {
        await this.discardHalfStarted();
        if (this.stopping) return;
        this.startError = whyNotStarted(error as Error, this.settings);
        this.hooks.log('error', { msg: 'Kafka intake could not start; retrying', topic: this.settings.topic, error: (error as Error).name, detail: this.startError, retryInMs: waitMs });
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, waitMs).unref();
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
        waitMs = Math.min(waitMs * 2, maxMs);
      }
    }
  }

  /** A failed start's producer and consumer, disconnected (their own errors do not matter: they are thrown away). */
  private async discardHalfStarted(): Promise<void> {
    const made = [this.consumer, this.producer];
    this.consumer = undefined;
    this.producer = undefined;
    await Promise.all(made.map((client) => client?.disconnect().catch(() => undefined)));
  }

  private async startOnce(): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      // The dead-letter topic must exist before the first poison record; the source topic is the producers'.
      await admin.createTopics({ topics: [{ topic: deadLetterTopic(this.settings.topic) }], waitForLeaders: true });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await this.producer.connect();
    const consumer = this.kafka.consumer({
      groupId: this.settings.groupId,
      allowAutoTopicCreation: false,
      // 10 s, not kafkajs's 30 s: after a broker restart the group waits for the old member's session to expire.
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
      // kafkajs's own 1 MB per partition: a small fetch's records die young (docs/benchmarks.md, bench:kafka).
      maxBytesPerPartition: this.settings.maxBytesPerPartition ?? 1024 * 1024,
      maxBytes: 4 * (this.settings.maxBytesPerPartition ?? 1024 * 1024),
      // An idle fetch waits at most 1 s (kafkajs: 5 s): a shutdown waits for it.
      maxWaitTimeInMs: 1_000,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.joined = true;
      this.crashed = undefined;
      // Said once, when the intake is first in its group (later joins are rebalances).
      if (this.announced) return;
      this.announced = true;
      const assigned = Object.values(event.payload.memberAssignment ?? {}).flat().sort((a, b) => a - b);
      this.hooks.log('log', {
        msg: `Kafka intake reading topic ${this.settings.topic}`,
        topic: this.settings.topic,
        brokers: this.settings.brokers.join(','),
        group: this.settings.groupId,
        partitions: assigned.join(','),
        deadLetters: deadLetterTopic(this.settings.topic),
      });
    });
    consumer.on(consumer.events.DISCONNECT, () => (this.joined = false));
    consumer.on(consumer.events.CRASH, (event) => {
      this.joined = false;
      const error = (event.payload as { error?: Error }).error;
      if (!(event.payload as { restart?: boolean }).restart) this.crashed = error?.message ?? 'crashed';
      this.hooks.log('error', { msg: 'Kafka consumer crashed', error: error?.name, detail: error?.message, restart: (event.payload as { restart?: boolean }).restart });
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [this.settings.topic], fromBeginning: true });
    // Stopped while starting: stop disconnects it without it joining the group only to leave.
    if (this.stopping) return;
    await consumer.run({
      // Offsets are committed by hand, per partition and in order, once a batch is stored.
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently ?? 4,
      eachBatch: (payload) => this.batches.handleBatch(payload),
    });
    this.running = true;
  }

  /** Finishes the batches under way, commits their offsets, and leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.startError = undefined;
    // An attempt to start under way cannot be cut short (kafkajs retries a connect by itself) and
    // is waited for only briefly, so later shutdown hooks still run; startAndRetry undoes it after.
    this.wake?.();
    if (this.starting) await Promise.race([this.starting, delay(STOP_WAITS_FOR_START_MS)]);
    // Batches in flight are stored and committed while still in the group (a commit after leaving is refused).
    try {
      if (this.running) this.consumer?.pause([{ topic: this.settings.topic }]);
    } catch {
      // The consumer crashed (kafkajs drops its group): nothing is fetched anyway.
    }
    await this.batches.settled();
    this.stopped = true;
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
    await this.consumerLag.close();
    this.joined = false;
  }

  /** The group's lag per partition, asked of the broker (`ConsumerLag`). */
  async lag(): Promise<{ partition: number; lag: number }[]> {
    if (this.stopped) return [];
    return this.consumerLag.read();
  }
}
