import { Kafka, logLevel, Partitioners, type IHeaders, type KafkaMessage } from 'kafkajs';
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

const headerText = (value: IHeaders[string]): string | undefined => {
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  return last === undefined ? undefined : last.toString();
};

/** The deployment a dead letter names: `ce_deployment` in binary mode, else the JSON value's `deployment`. */
export function deploymentOf(record: Pick<KafkaMessage, 'headers' | 'value'>): string | undefined {
  const header = headerText(record.headers?.ce_deployment);
  if (header !== undefined) return header;
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

/**
 * Sends a deployment's dead letters from `<topic>.dlq` back to `<topic>` with its ingest key,
 * once the cause is fixed: the original key, value and headers, without Baseliner's `baseliner-*`
 * headers. Reads up to the end the topic had when it started, then stops. Its position is kept
 * per deployment (a consumer group), so a second replay sends only what was dead-lettered since;
 * an offset is committed only after what it covers was acknowledged by the broker. A record sent
 * twice is harmless: the store counts it as a duplicate.
 */
export async function replayDeadLetters(options: ReplayOptions, progress: (line: string) => void = () => undefined): Promise<ReplaySummary> {
  const source = `${options.topic}.dlq`;
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
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const remaining = [...ends].filter(([partition, end]) => (start.get(partition) ?? 0n) < end);
  if (remaining.length === 0) return summary;
  const total = remaining.reduce((sum, [partition, end]) => sum + Number(end - (start.get(partition) ?? 0n)), 0);
  progress(`reading ${total.toLocaleString('en')} dead letters from ${source}`);

  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  // A dry run reads under a group of its own that is never committed: the real replay's position stays put.
  const consumer = kafka.consumer({ groupId: options.dryRun ? `${groupId}.dry-run.${process.pid}.${Date.now()}` : groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
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
  consumer.on(consumer.events.CRASH, (event) => {
    const { error, restart } = event.payload as { error: Error; restart: boolean };
    if (!restart) fail(error);
  });
  try {
    if (!options.dryRun) await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [source], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
        const end = ends.get(batch.partition) ?? 0n;
        // A dry run's own group starts at the beginning: what the real replay already read is skipped.
        const from = start.get(batch.partition) ?? 0n;
        const messages = batch.messages.filter((m) => BigInt(m.offset) >= from && BigInt(m.offset) < end);
        const outgoing: { key: Buffer | null; value: Buffer | null; headers: IHeaders }[] = [];
        for (const record of messages) {
          const deployment = deploymentOf(record);
          if (deployment === undefined) summary.unreadable += 1;
          else if (deployment !== options.deployment) summary.otherDeployments += 1;
          else {
            const reason = headerText(record.headers?.['baseliner-reason']) ?? 'unknown';
            summary.replayed[reason] = (summary.replayed[reason] ?? 0) + 1;
            const headers = Object.fromEntries(Object.entries(record.headers ?? {}).filter(([name]) => !BASELINER_HEADER.test(name)));
            outgoing.push({ key: record.key ?? null, value: record.value, headers: { ...headers, authorization: `Bearer ${options.ingestKey}` } });
          }
        }
        // Acknowledged by the broker before the offset that covers it is committed.
        if (!options.dryRun && outgoing.length > 0) await producer.send({ topic: options.topic, acks: -1, messages: outgoing });
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
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
  }
  return summary;
}
