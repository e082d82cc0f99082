import { Kafka, logLevel, Partitioners, type IHeaders } from 'kafkajs';
import { deadLetterTopic, headerText, type KafkaRecord } from '@baseliner/kafka-intake';
import { CliError } from './api';

export interface ReplayOptions {
  brokers: string[];
  /** The topic the Kafka intake reads; dead letters are read from `<topic>.dlq`. */
  topic: string;
  /** Only this deployment's dead letters are sent again (its key proves no other). */
  deployment: string;
  /** The deployment's ingest key: dead letters carry none (it is stripped before they are written). */
  ingestKey: string;
  /** Count what would be sent, send nothing, and leave the replay's position where it is. */
  dryRun?: boolean;
}

export interface ReplaySummary {
  /** Sent again to the topic, by the reason they had been dead-lettered. */
  replayed: Record<string, number>;
  /** Dead letters of other deployments, left for their own replay. */
  otherDeployments: number;
  /** Dead letters whose deployment cannot be read (the value is not JSON and no `ce_deployment` header). */
  unreadable: number;
}

const BASELINER_HEADER = /^baseliner-/i;

/**
 * What `baseliner dlq replay` prints once done. `options` are the ones the replay ran with: the
 * topic as it was read (`--topic`, else BASELINER_KAFKA_TOPIC, else `baseliner.events`), never the
 * raw option, which is undefined when neither was given.
 */
export function replayReport(summary: ReplaySummary, options: Pick<ReplayOptions, 'topic' | 'deployment' | 'dryRun'>): string[] {
  const { topic, deployment, dryRun } = options;
  const byReason = Object.entries(summary.replayed);
  const count = byReason.reduce((sum, [, n]) => sum + n, 0);
  const reasons = byReason.length > 0 ? ` (${byReason.map(([reason, n]) => `${reason} ${n}`).join(', ')})` : '';
  const lines =
    count === 0
      ? [`no dead letters of ${deployment} to replay in ${deadLetterTopic(topic)}${dryRun ? '' : ' since the last replay'}`]
      : [`${dryRun ? 'would replay' : 'replayed'} ${count} dead ${count === 1 ? 'letter' : 'letters'} of ${deployment} to ${topic}${reasons}`];
  if (summary.otherDeployments > 0 || summary.unreadable > 0) {
    lines.push(`left: ${summary.otherDeployments} of other deployments (replay them with their own key), ${summary.unreadable} whose deployment cannot be read (not JSON)`);
  }
  return lines;
}

/** The deployment a dead letter names, read as the intake reads it: `ce_deployment` in binary mode, else the JSON value's `deployment`. */
export function deploymentOf(record: KafkaRecord): string | undefined {
  if (headerText(record, 'ce_specversion') !== undefined) return headerText(record, 'ce_deployment');
  try {
    const value: unknown = JSON.parse(record.value?.toString('utf8') ?? '');
    const deployment = (value as { deployment?: unknown } | null)?.deployment;
    return typeof deployment === 'string' ? deployment : undefined;
  } catch {
    return undefined;
  }
}

/** The consumer group that remembers how far a deployment's replays have read the dead-letter topic. */
export const replayGroup = (topic: string, deployment: string) => `baseliner-dlq-replay.${topic}.${deployment}`;

/** With no dead letter arriving for this long while some are still to read, the replay gives up and says so. */
const STALL_MS = 60_000;

/**
 * Sends a deployment's dead letters from `<topic>.dlq` back to `<topic>` with its ingest key,
 * once the cause is fixed: the original key, value and headers, without Baseliner's `baseliner-*`
 * headers. Reads up to the end the topic had when it started, then stops. Its position is kept
 * per deployment (a consumer group), so a second replay sends only what was dead-lettered since;
 * an offset is committed only after what it covers was acknowledged by the broker. A record sent
 * twice is harmless: the store counts it as a duplicate.
 */
export async function replayDeadLetters(options: ReplayOptions, progress: (line: string) => void = () => undefined): Promise<ReplaySummary> {
  const source = deadLetterTopic(options.topic);
  const kafka = new Kafka({ clientId: 'baseliner-cli', brokers: options.brokers, logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  const admin = kafka.admin();
  const summary: ReplaySummary = { replayed: {}, otherDeployments: 0, unreadable: 0 };
  const groupId = replayGroup(options.topic, options.deployment);
  let ends: Map<number, bigint>;
  let start: Map<number, bigint>;
  try {
    await admin.connect().catch((error: Error) => {
      throw new CliError(`Cannot reach the Kafka brokers ${options.brokers.join(',')} (${error.message}): check --brokers or BASELINER_KAFKA_BROKERS`);
    });
    const topics = await admin.listTopics();
    if (!topics.includes(source)) {
      throw new CliError(`There is no dead-letter topic ${source} on ${options.brokers.join(',')}: nothing has been dead-lettered yet, or --topic is not the topic the Kafka intake reads`);
    }
    if (!topics.includes(options.topic)) throw new CliError(`There is no topic ${options.topic} to send the dead letters back to`);
    const offsets = await admin.fetchTopicOffsets(source);
    ends = new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
    if (!options.dryRun) {
      const [group] = (await admin.describeGroups([groupId])).groups;
      if (group && group.members.length > 0) {
        throw new CliError(`A replay of ${options.deployment}'s dead letters is running already (consumer group ${groupId} has ${group.members.length} member(s)): wait for it to end`);
      }
    }
    const committed = await admin.fetchOffsets({ groupId, topics: [source] });
    const lows = new Map(offsets.map((p) => [p.partition, BigInt(p.low)]));
    // Where this deployment's last replay stopped (or the earliest dead letter kept).
    start = new Map(
      (committed[0]?.partitions ?? []).map((p) => {
        const low = lows.get(p.partition) ?? 0n;
        const at = BigInt(p.offset);
        return [p.partition, at < low ? low : at];
      }),
    );
  } catch (error) {
    await admin.disconnect().catch(() => undefined);
    throw error;
  }
  const remaining = [...ends].filter(([partition, end]) => (start.get(partition) ?? 0n) < end);
  if (remaining.length === 0) {
    await admin.disconnect().catch(() => undefined);
    return summary;
  }
  const total = remaining.reduce((sum, [partition, end]) => sum + Number(end - (start.get(partition) ?? 0n)), 0);
  progress(`reading ${total.toLocaleString('en')} dead letters from ${source}`);

  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  // A dry run reads under a group of its own that is never committed: the real replay's position stays put.
  const consumer = kafka.consumer({
    groupId: options.dryRun ? `${groupId}.dry-run.${process.pid}.${Date.now()}` : groupId,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 500,
    // A failure ends the replay with its error instead of restarting the consumer out of sight.
    retry: { retries: 3, restartOnFailure: async () => false },
  });
  const done = new Set<number>();
  let finish!: () => void;
  let fail!: (error: Error) => void;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const markDone = (partition: number, next: bigint) => {
    if (next >= (ends.get(partition) ?? 0n)) done.add(partition);
    if (remaining.every(([p]) => done.has(p))) finish();
  };
  consumer.on(consumer.events.CRASH, (event) => fail((event.payload as { error: Error }).error));
  // A partition whose dead letters are gone (retention, deleted records) or already read (by a
  // replay that ran meanwhile) sends no batch at all: kafkajs does not call eachBatch for an empty
  // fetch. Checked against the broker every few seconds; a replay that gets nothing for a minute
  // says so rather than waiting forever.
  let lastBatchAt = Date.now();
  const watchdog = setInterval(() => {
    void (async () => {
      const lows = await admin.fetchTopicOffsets(source);
      const read = options.dryRun ? [] : ((await admin.fetchOffsets({ groupId, topics: [source] }))[0]?.partitions ?? []);
      for (const { partition, low } of lows) markDone(partition, BigInt(low));
      for (const { partition, offset } of read) markDone(partition, BigInt(offset));
      if (Date.now() - lastBatchAt > STALL_MS) {
        const left = remaining.filter(([p]) => !done.has(p)).map(([p]) => p);
        fail(new CliError(`No dead letters came from ${source} for ${STALL_MS / 1000} s while partitions ${left.join(', ')} still had some to read; run the replay again (it goes on from where it stopped)`));
      }
    })().catch(() => undefined);
  }, 3_000);
  try {
    if (!options.dryRun) await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [source], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
        lastBatchAt = Date.now();
        const end = ends.get(batch.partition) ?? 0n;
        // A dry run's own group starts at the beginning: what the real replay already read is skipped.
        const from = start.get(batch.partition) ?? 0n;
        const messages = batch.messages.filter((m) => BigInt(m.offset) >= from && BigInt(m.offset) < end);
        const outgoing: { key: Buffer | null; value: Buffer | null; headers: IHeaders }[] = [];
        // Counted once the batch is sent: a batch that fails is not counted (the replay ends).
        const reasons: string[] = [];
        let unreadable = 0;
        let otherDeployments = 0;
        for (const record of messages) {
          const deployment = deploymentOf(record);
          if (deployment === undefined) unreadable += 1;
          else if (deployment !== options.deployment) otherDeployments += 1;
          else {
            reasons.push(headerText(record, 'baseliner-reason') ?? 'unknown');
            const headers = Object.fromEntries(Object.entries(record.headers ?? {}).filter(([name]) => !BASELINER_HEADER.test(name)));
            outgoing.push({ key: record.key ?? null, value: record.value, headers: { ...headers, authorization: `Bearer ${options.ingestKey}` } });
          }
        }
        // Acknowledged by the broker before the offset that covers it is committed.
        if (!options.dryRun && outgoing.length > 0) await producer.send({ topic: options.topic, acks: -1, messages: outgoing });
        for (const reason of reasons) summary.replayed[reason] = (summary.replayed[reason] ?? 0) + 1;
        summary.unreadable += unreadable;
        summary.otherDeployments += otherDeployments;
        resolveOffset(batch.lastOffset());
        // Never past the end taken at the start: what was dead-lettered since is left for the next replay.
        const next = BigInt(batch.lastOffset()) + 1n;
        const covered = next < end ? next : end;
        if (!options.dryRun && covered > from) {
          await commitOffsetsIfNecessary({ topics: [{ topic: source, partitions: [{ partition: batch.partition, offset: covered.toString() }] }] });
        }
        markDone(batch.partition, next);
      },
    });
    await finished;
  } finally {
    clearInterval(watchdog);
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
  return summary;
}
