import { Partitioners, type Admin, type Consumer, type EachBatchPayload, type Kafka, type Producer } from 'kafkajs';
import { INTAKE_LIMITS, type IntakeRejection } from '@baseliner/contracts';
import { EventStoreUnavailableError } from '@baseliner/event-store';
import type { IntakeOutcome, IntakeService } from '@baseliner/intake';
import { decodeRecord, headerText, type KafkaRecord } from './kafka-message';

/** Why a record went to the dead-letter topic: the HTTP 207 answer's reasons, plus two of Kafka's own. */
export type DeadLetterReason = IntakeRejection['reason'] | 'invalid_json' | 'unauthorized';

export interface KafkaIntakeSettings {
  brokers: string[];
  topic: string;
  groupId: string;
  clientId?: string;
  /** Partitions processed at once by this consumer (bounded in-flight work). */
  partitionsConsumedConcurrently?: number;
  /** How long a partition rests after the store refused a batch (busy, full disk). */
  backoffMs?: number;
  /** The most one fetch brings per partition. */
  maxBytesPerPartition?: number;
  /** Batches of one partition handed to the store and not yet committed, at most (default 3, at least 2). */
  batchesInFlightPerPartition?: number;
  /** The wait after a failed start, doubled after each failure up to `startRetryMaxMs`. */
  startRetryMs?: number;
  startRetryMaxMs?: number;
}

export interface KafkaIntakeHooks {
  /** The deployment a bearer token (an ingest key) proves, or why it proves none. */
  authenticate(token: string | undefined): { deploymentId: string } | { message: string };
  now(): Date;
  onOutcome(outcome: IntakeOutcome): void;
  /**
   * A record refused before the intake service saw it (not JSON, not an event, no valid key),
   * with its event type when readable: counted when decided, as `onOutcome`'s rejections are.
   */
  onRefused?(reason: DeadLetterReason, type: string | undefined): void;
  /** A record the broker acknowledged on the dead-letter topic. */
  onDeadLetter(reason: DeadLetterReason): void;
  log(level: 'log' | 'warn' | 'error', entry: Record<string, unknown>): void;
}

interface DeadLetter {
  record: KafkaRecord;
  reason: DeadLetterReason;
  message: string;
}

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

export const deadLetterTopic = (topic: string) => `${topic}.dlq`;

/** How long a scrape waits for the broker's offsets before keeping the last lag figures. */
const LAG_TIMEOUT_MS = 1_500;

/** The longest stop() waits for an attempt to start that is under way (the app's shutdown allows 10 s in all). */
const STOP_WAITS_FOR_START_MS = 2_000;

/** Resolves after `ms`; its timer never keeps the process alive. */
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the broker within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

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
 * Reads CloudEvents from a Kafka topic into the same IntakeService as HTTP (same validation,
 * pseudonymisation and dedupe), at least once and counted once:
 * - a batch's offset is committed only after its events are durably appended, its dead letters
 *   acknowledged by the broker and the partition's batch before it committed; a crash in between
 *   re-reads the batch, and the store reports its events as duplicates. The next fetch is read
 *   while the store writes the ones before (at most three batches per partition in flight);
 * - when the store refuses (busy, disk full) the partition is paused and rewound to the refused
 *   batch, read again after a rest — nothing is dropped;
 * - a record that cannot be stored goes to `<topic>.dlq` with headers that say why.
 */
export class KafkaIntakeRunner {
  private consumer: Consumer | undefined;
  private lagAdmin: Promise<Admin> | undefined;
  private stopped = false;
  private stopping = false;
  /** consumer.run has been called (kafkajs refuses pause before it). */
  private running = false;
  private readonly pipelines = new Map<string, PartitionPipeline>();
  /** Every batch taken and not yet settled, of any round: a rewind starts a new chain, but the old one's batches may still be storing. */
  private readonly unsettled = new Set<Promise<boolean>>();
  private producer: Producer | undefined;
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
  private readonly backoffMs: number;
  private readonly batchesInFlight: number;

  constructor(
    private readonly kafka: Kafka,
    private readonly intake: IntakeService,
    private readonly settings: KafkaIntakeSettings,
    private readonly hooks: KafkaIntakeHooks,
  ) {
    this.backoffMs = settings.backoffMs ?? 1_000;
    // Three, not two: with two, the next fetch is asked for only once the batch before is
    // committed, and the store's writer idled while the main thread decoded it (bench:kafka,
    // 1,000,000 events, alternated: 75.6k/67.4k and 69.4k/64.2k events/s, writer idle 15–16% vs 19–20%).
    this.batchesInFlight = Math.max(2, settings.batchesInFlightPerPartition ?? 3);
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
          // Unref'd: a wait to retry never keeps the process alive by itself.
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
    // A 10 s session (kafkajs's default is 30 s): after a broker restart the consumer rejoins as a
    // new member, and the group waits for the old one's session to expire before rebalancing.
    // kafkajs's own fetch size (1 MB per partition): the next fetch is read while the store writes
    // the last one (see handleBatch), and records of a small fetch die young, before the garbage
    // collector would copy them to the old generation (with 8 MB fetches its helper threads took
    // about twice the CPU).
    const consumer = this.kafka.consumer({
      groupId: this.settings.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: this.settings.maxBytesPerPartition ?? 1024 * 1024,
      maxBytes: 4 * (this.settings.maxBytesPerPartition ?? 1024 * 1024),
      // An idle fetch waits at most 1 s for records (kafkajs: 5 s): a shutdown waits for it.
      maxWaitTimeInMs: 1_000,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.joined = true;
      this.crashed = undefined;
      // Said once: the first time the intake is in its group and reading (later joins are rebalances).
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
      eachBatch: (payload) => this.handleBatch(payload),
    });
    this.running = true;
  }

  /** Finishes the batches under way, commits their offsets, and leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.startError = undefined;
    // No further attempt to start. One under way cannot be cut short (kafkajs retries a connect by
    // itself, 8–10 s against an unreachable broker) and is waited for only briefly: the app's
    // shutdown has a deadline, and later hooks (the last snapshot, closing the store) must run.
    // What it makes after that is undone when it finishes (see startAndRetry).
    this.wake?.();
    if (this.starting) await Promise.race([this.starting, delay(STOP_WAITS_FOR_START_MS)]);
    // No new batch is taken; the ones in flight are stored and committed while this consumer is
    // still in the group (a commit after leaving would be refused and the batch read again).
    try {
      if (this.running) this.consumer?.pause([{ topic: this.settings.topic }]);
    } catch {
      // The consumer crashed (kafkajs drops its group): nothing is fetched anyway.
    }
    await Promise.all([...this.unsettled]);
    this.stopped = true;
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
    await this.lagAdmin?.then((admin) => admin.disconnect()).catch(() => undefined);
    this.joined = false;
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, isRunning, isStale } = payload;
    if (this.stopping || !isRunning() || isStale() || batch.messages.length === 0) return;
    const { topic, partition } = batch;
    const key = `${topic}|${partition}`;
    let pipeline = this.pipelines.get(key);
    if (!pipeline) this.pipelines.set(key, (pipeline = { tail: Promise.resolve(true), earlierTails: [], round: 0 }));
    // Taken before any await: this batch commits only if every earlier batch of the partition did.
    const round = pipeline.round;
    const previous = pipeline.tail;
    // Batches commit in order, so once the oldest of the last (batchesInFlight − 1) is committed,
    // fewer than batchesInFlight of this partition are left in flight.
    const earlierTails = pipeline.earlierTails;
    earlierTails.push(previous);
    if (earlierTails.length > this.batchesInFlight - 1) earlierTails.shift();
    const roomForNext = earlierTails[0] ?? previous;
    let settle!: (committed: boolean) => void;
    const tail = new Promise<boolean>((resolve) => (settle = resolve));
    pipeline.tail = tail;
    this.unsettled.add(tail);
    void tail.then(() => this.unsettled.delete(tail));
    try {
      await this.submitBatch(payload, pipeline, round, previous, settle);
    } catch (error) {
      // Whatever threw, the partition's later batches must not wait on this one forever. kafkajs
      // retries from the last offset resolved, this batch's first (it threw before resolving),
      // not from the committed one: so the batches before it settle first — one of them refused
      // still rewinds the partition to itself — and only then does a new round start here.
      settle(false);
      await previous;
      if (round === pipeline.round) startNewRound(pipeline);
      throw error;
    }
    // Bounded work in flight: kafkajs fetches again only once every batch of its last fetch returned.
    await roomForNext;
  }

  /** Decodes a batch, hands its events to the store, and chains its commit after the batch before it. */
  private async submitBatch(
    { batch, resolveOffset, commitOffsetsIfNecessary, pause, isStale }: EachBatchPayload,
    pipeline: PartitionPipeline,
    round: number,
    previous: Promise<boolean>,
    settle: (committed: boolean) => void,
  ): Promise<void> {
    const { topic, partition } = batch;
    const dead: DeadLetter[] = [];
    const appends: Promise<void>[] = [];
    let refused = false;
    const now = this.hooks.now();
    const append = (deploymentId: string, events: Record<string, unknown>[], records: KafkaRecord[]) => {
      const stored = this.intake.ingest(deploymentId, events, now).then((outcome) => {
        this.hooks.onOutcome(outcome);
        for (const rejection of outcome.rejected) {
          dead.push({ record: records[rejection.index] as KafkaRecord, reason: rejection.reason, message: rejection.message });
        }
      });
      // Caught here too so a failure while the batch is still being read is not an unhandled
      // rejection, and the rest of the batch is not read for nothing.
      stored.catch(() => (refused = true));
      appends.push(stored);
    };

    // A deployment's events go to the store in full requests as soon as they fill, and the loop
    // yields every request's worth of records: the store's writer thread commits a group while
    // the next records are decoded and validated.
    const filling = new Map<string, { events: Record<string, unknown>[]; records: KafkaRecord[] }>();
    const messages = batch.messages;
    for (let i = 0; i < messages.length && !refused; i += 1) {
      if (i > 0 && i % INTAKE_LIMITS.maxEventsPerRequest === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        // An earlier batch of this partition was refused meanwhile: this one is read again after the rewind.
        if (isStale()) refused = true;
      }
      const record = messages[i] as KafkaRecord;
      const decoded = decodeRecord(record);
      if (!decoded.ok) {
        dead.push({ record, reason: decoded.reason, message: decoded.message });
        this.hooks.onRefused?.(decoded.reason, headerText(record, 'ce_type'));
        continue;
      }
      const proof = this.hooks.authenticate(decoded.token);
      if (!('deploymentId' in proof)) {
        dead.push({ record, reason: 'unauthorized', message: proof.message });
        this.hooks.onRefused?.('unauthorized', typeof decoded.event.type === 'string' ? decoded.event.type : undefined);
        continue;
      }
      let group = filling.get(proof.deploymentId);
      if (!group) filling.set(proof.deploymentId, (group = { events: [], records: [] }));
      group.events.push(decoded.event);
      group.records.push(record);
      if (group.events.length === INTAKE_LIMITS.maxEventsPerRequest) {
        append(proof.deploymentId, group.events, group.records);
        filling.delete(proof.deploymentId);
      }
    }
    if (!refused) for (const [deploymentId, group] of filling) append(deploymentId, group.events, group.records);

    // Stored: every event appended durably (or refused as a duplicate). A batch cut short by a
    // refusal counts as not stored.
    const stored = (async () => {
      await Promise.all(appends);
      if (refused) throw new EventStoreUnavailableError('an earlier batch of this partition was refused; read again after the rewind');
    })();
    stored.catch(() => undefined);
    const firstOffset = (messages[0] as KafkaRecord).offset;
    const nextOffset = (BigInt(batch.lastOffset()) + 1n).toString();

    // The next fetch starts after this batch (kafkajs fetches only once every batch of the last
    // fetch has returned), so the broker's next records are read and decoded while the store
    // writes these. Nothing is committed until they are stored, in order per partition.
    resolveOffset(batch.lastOffset());
    const committed = (async (): Promise<boolean> => {
      const earlierCommitted = await previous;
      try {
        await stored;
        // Dead letters only once every earlier batch is committed: after a rewind this batch is
        // read again, and its dead letters would go twice.
        if (earlierCommitted && dead.length > 0) await this.sendDeadLetters(topic, partition, dead);
      } catch (error) {
        // Only the first refusal of a round rewinds; the batches after it were read past it.
        if (earlierCommitted && round === pipeline.round) this.rewind(pipeline, topic, partition, firstOffset, pause, error as Error);
        return false;
      }
      if (!earlierCommitted) return false;
      try {
        await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: nextOffset }] }] });
      } catch (error) {
        // The events are stored; a later batch's commit covers them, or after a rebalance the
        // partition's next owner reads them again and the store counts them as duplicates.
        this.hooks.log('warn', { msg: 'Kafka offset commit failed; the next commit covers it', topic, partition, offset: nextOffset, detail: (error as Error).message });
      }
      return true;
    })();
    committed.then(settle, () => settle(false));
  }

  /**
   * Back-pressure, a failed dead-letter send, or any other failure to store a batch: the
   * partition is read again from the refused batch after a rest (an error that is not the store
   * being unavailable is logged as an error). What that batch and the ones after it stored comes
   * back as duplicates.
   */
  private rewind(pipeline: PartitionPipeline, topic: string, partition: number, offset: string, pause: () => () => void, error: Error): void {
    startNewRound(pipeline);
    try {
      this.consumer?.seek({ topic, partition, offset });
      // While stopping, the topic stays paused (stop paused it): a resume would fetch for nothing.
      if (!this.stopping) {
        const resume = pause();
        setTimeout(() => this.stopping || resume(), this.backoffMs).unref();
      }
    } catch {
      // The consumer crashed (kafkajs drops its group): it restarts from the committed offset,
      // which is before this batch.
    }
    const level = error instanceof EventStoreUnavailableError ? 'warn' : 'error';
    this.hooks.log(level, { msg: 'batch not stored; partition paused and rewound', topic, partition, offset, retryInMs: this.backoffMs, detail: error.message });
  }

  /**
   * The group's lag per partition, from the broker: its high watermark minus the group's committed
   * offset. Asked at scrape time, so a consumer that is stuck or gone shows its lag growing
   * (a figure kept from the last batch would freeze).
   */
  async lag(): Promise<{ partition: number; lag: number }[]> {
    if (this.stopped) return [];
    // One client, made once even when scrapes overlap; it retries little: a scrape must not wait
    // out a broker outage (Prometheus would drop every metric of the scrape, not just this one).
    this.lagAdmin ??= (async () => {
      const admin = this.kafka.admin({ retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 } });
      await admin.connect();
      return admin;
    })().catch((error: unknown) => {
      this.lagAdmin = undefined;
      throw error;
    });
    const admin = await withTimeout(this.lagAdmin, LAG_TIMEOUT_MS);
    const [ends, committed] = await withTimeout(
      Promise.all([admin.fetchTopicOffsets(this.settings.topic), admin.fetchOffsets({ groupId: this.settings.groupId, topics: [this.settings.topic] })]),
      LAG_TIMEOUT_MS,
    );
    const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return ends.map((end) => {
      const offset = done.get(end.partition) ?? -1;
      // -1: nothing committed yet, so everything from the earliest kept record is still to read.
      return { partition: end.partition, lag: Math.max(0, Number(end.high) - (offset < 0 ? Number(end.low) : offset)) };
    });
  }

  private async sendDeadLetters(topic: string, partition: number, dead: DeadLetter[]): Promise<void> {
    const at = this.hooks.now().toISOString();
    await (this.producer as Producer).send({
      topic: deadLetterTopic(topic),
      acks: -1,
      messages: dead.map(({ record, reason, message }) => ({
        key: record.key ?? null,
        value: record.value,
        headers: {
          // The original headers travel too, but never the ingest key.
          ...Object.fromEntries(Object.entries(record.headers ?? {}).filter(([name]) => name.toLowerCase() !== 'authorization')),
          'baseliner-reason': reason,
          'baseliner-message': message,
          'baseliner-original-topic': topic,
          'baseliner-original-partition': String(partition),
          'baseliner-original-offset': record.offset,
          'baseliner-dead-lettered-at': at,
        } as Record<string, string | Buffer>,
      })),
    });
    for (const { reason } of dead) this.hooks.onDeadLetter(reason);
  }
}
