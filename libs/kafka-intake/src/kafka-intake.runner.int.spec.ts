import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { eventually } from '../../../test/support/eventually';
import { describeWithKafka } from '../../../test/support/kafka';
import { EventStoreUnavailableError, type AppendOptions, type EventStore, type NewEvent } from '@baseliner/event-store';
import { SqliteEventStore } from '@baseliner/event-store-sqlite';
import { ActorPseudonymiser, IntakeService } from '@baseliner/intake';
import { KafkaIntakeRunner } from './kafka-intake.runner';

const EVENTS = 2_500;

function events(count: number, prefix = 'full-disk'): Record<string, unknown>[] {
  const time = new Date(Date.now() - 3_600_000).toISOString();
  return Array.from({ length: count }, (_, i) => ({
    specversion: '1.0',
    id: `${prefix}-${i}`,
    source: 'runner-test',
    type: 'task.completed',
    time,
    deployment: 'dep',
    data: { taskId: `task-${i}`, mode: 'ai', outcome: 'success', durationSeconds: 30, actor: `user-${i % 7}@example.com` },
  }));
}

/**
 * In sends of 50 records: the broker returns at least one whole producer batch per fetch, so one
 * big send would come back as one batch per partition whatever the fetch size.
 */
async function sendInSmallBatches(producer: Producer, topic: string, all: Record<string, unknown>[]): Promise<void> {
  for (let start = 0; start < all.length; start += 50) {
    const messages = all.slice(start, start + 50).map((event, i) => ({ key: String((start + i) % 2), value: JSON.stringify(event) }));
    await producer.send({ topic, acks: -1, messages });
  }
}

describeWithKafka('the Kafka intake when the store cannot write', (brokers) => {
  it('pauses on a full disk, commits no offset until the events are stored, and counts each event once', async () => {
    const id = randomUUID().slice(0, 8);
    const topic = `runner-full-disk-${id}`;
    const kafka = new Kafka({ clientId: `runner-test-${id}`, brokers: [brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    // More than one request's worth per partition, so a batch is several appends.
    await producer.send({ topic, acks: -1, messages: events(EVENTS).map((event, i) => ({ key: String(i % 2), value: JSON.stringify(event) })) });
    await producer.disconnect();

    const dir = mkdtempSync(join(tmpdir(), 'baseliner-kafka-runner-'));
    const store = new SqliteEventStore({ path: join(dir, 'events.db') });
    // A full disk: the store may not grow by a page (SQLITE_FULL, reported as unavailable).
    await store.writerPragma(`max_page_count = ${store.database.pragma('page_count', { simple: true }) as number}`);
    const intake = new IntakeService({ store, pseudonymiser: new ActorPseudonymiser('k'.repeat(32)), phaseOf: () => 'live' });
    const counted = { accepted: 0, rejected: 0 };
    const warnings: string[] = [];
    const runner = new KafkaIntakeRunner(kafka, intake, { brokers: [brokers], topic, groupId: `runner-test-${id}`, backoffMs: 300 }, {
      authenticate: () => ({ deploymentId: 'dep' }),
      now: () => new Date(),
      onOutcome: (outcome) => {
        counted.accepted += outcome.accepted;
        counted.rejected += outcome.rejected.length;
      },
      onDeadLetter: () => undefined,
      log: (_, entry) => warnings.push(String(entry.msg)),
    });
    try {
      await runner.start();
      await eventually(async () => warnings.filter((w) => w.includes('partition paused')).length, (n) => n >= 4, 60_000);
      expect(await store.readStream('telemetry-dep')).toHaveLength(0);
      expect((await runner.lag()).reduce((sum, p) => sum + p.lag, 0)).toBe(EVENTS);

      await store.writerPragma('max_page_count = 1073741823');
      await eventually(() => runner.lag(), (lag) => lag.length === 2 && lag.every((p) => p.lag === 0), 60_000);
      expect(await store.readStream('telemetry-dep', { maxCount: EVENTS * 2 })).toHaveLength(EVENTS);
      // Counted once: an append that went through just before a re-read comes back as a duplicate.
      expect({ accepted: counted.accepted, rejected: counted.rejected }).toEqual({ accepted: EVENTS, rejected: 0 });
    } finally {
      await runner.stop();
      await store.close();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('rewinds to the refused batch when the disk fills mid-stream with later batches in flight, and stores every event once', async () => {
    const id = randomUUID().slice(0, 8);
    const topic = `runner-mid-stream-${id}`;
    const total = 6_000;
    const kafka = new Kafka({ clientId: `runner-test-${id}`, brokers: [brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    await sendInSmallBatches(producer, topic, events(total, 'mid-stream'));
    await producer.disconnect();

    const dir = mkdtempSync(join(tmpdir(), 'baseliner-kafka-runner-'));
    const store = new SqliteEventStore({ path: join(dir, 'events.db') });
    // Room for some of the events only: the disk fills while later batches are already read.
    const pages = store.database.pragma('page_count', { simple: true }) as number;
    await store.writerPragma(`max_page_count = ${pages + 150}`);
    const intake = new IntakeService({ store, pseudonymiser: new ActorPseudonymiser('k'.repeat(32)), phaseOf: () => 'live' });
    const counted = { accepted: 0, rejected: 0 };
    const warnings: string[] = [];
    // Small fetches (16 KiB, one producer batch of ~25 records each): many batches per partition, two in flight.
    const runner = new KafkaIntakeRunner(kafka, intake, { brokers: [brokers], topic, groupId: `runner-test-${id}`, backoffMs: 200, maxBytesPerPartition: 16 * 1024 }, {
      authenticate: () => ({ deploymentId: 'dep' }),
      now: () => new Date(),
      onOutcome: (outcome) => {
        counted.accepted += outcome.accepted;
        counted.rejected += outcome.rejected.length;
      },
      onDeadLetter: () => undefined,
      log: (_, entry) => warnings.push(String(entry.msg)),
    });
    try {
      await runner.start();
      await eventually(async () => warnings.filter((w) => w.includes('partition paused')).length, (n) => n >= 2, 60_000);
      const storedWhenFull = (await store.readStream('telemetry-dep', { maxCount: total * 2 })).length;
      expect(storedWhenFull).toBeGreaterThan(0);
      expect(storedWhenFull).toBeLessThan(total);
      // Nothing beyond what is stored was committed: the lag covers at least every missing event.
      expect((await runner.lag()).reduce((sum, p) => sum + p.lag, 0)).toBeGreaterThanOrEqual(total - storedWhenFull);

      await store.writerPragma('max_page_count = 1073741823');
      await eventually(() => runner.lag(), (lag) => lag.length === 2 && lag.every((p) => p.lag === 0), 60_000);
      const stored = await store.readStream('telemetry-dep', { maxCount: total * 2 });
      expect(stored).toHaveLength(total);
      const taskNumbers = stored.map((event) => Number((event.data as { data: { taskId: string } }).data.taskId.slice('task-'.length)));
      expect(new Set(taskNumbers).size).toBe(total);
      expect({ accepted: counted.accepted, rejected: counted.rejected }).toEqual({ accepted: total, rejected: 0 });
    } finally {
      await runner.stop();
      await store.close();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('commits nothing past a refused batch while later batches of the partition are stored', async () => {
    const id = randomUUID().slice(0, 8);
    const topic = `runner-one-refused-${id}`;
    const total = 6_000;
    const kafka = new Kafka({ clientId: `runner-test-${id}`, brokers: [brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    await sendInSmallBatches(producer, topic, events(total, 'one-refused'));
    await producer.disconnect();

    const dir = mkdtempSync(join(tmpdir(), 'baseliner-kafka-runner-'));
    const store = new SqliteEventStore({ path: join(dir, 'events.db') });
    // The real store, except that an append holding task-3001 is refused as unavailable (an
    // outage that hits one batch) until released, after 300 ms as a failed commit would be: the
    // batches after it are read and stored meanwhile.
    const refusedAfter = (ms: number) => new Promise<never>((_, reject) => setTimeout(() => reject(new EventStoreUnavailableError('simulated outage')), ms));
    let outage = true;
    const holds3001 = (events: NewEvent[]) => events.some((event) => (event.data as { data: { taskId: string } }).data.taskId === 'task-3001');
    const flakyStore = {
      append: (streamId: string, events: NewEvent[], options?: AppendOptions) =>
        outage && holds3001(events) ? refusedAfter(300) : store.append(streamId, events, options),
    } as unknown as EventStore;
    const intake = new IntakeService({ store: flakyStore, pseudonymiser: new ActorPseudonymiser('k'.repeat(32)), phaseOf: () => 'live' });
    const counted = { accepted: 0 };
    const warnings: string[] = [];
    const runner = new KafkaIntakeRunner(kafka, intake, { brokers: [brokers], topic, groupId: `runner-test-${id}`, backoffMs: 200, maxBytesPerPartition: 16 * 1024 }, {
      authenticate: () => ({ deploymentId: 'dep' }),
      now: () => new Date(),
      onOutcome: (outcome) => (counted.accepted += outcome.accepted),
      onDeadLetter: () => undefined,
      log: (_, entry) => warnings.push(String(entry.msg)),
    });
    // Events 3001, 3003, … 5999 share task-3001's partition: 1,500 of them, none committed yet.
    const fromRefused = 1_500;
    try {
      await runner.start();
      await eventually(async () => warnings.filter((w) => w.includes('partition paused')).length, (n) => n >= 3, 60_000);
      // Several rewinds later, the other partition is done and this one's committed offset has not moved past task-3001.
      await eventually(() => runner.lag(), (lag) => lag.length === 2 && lag.some((p) => p.lag === 0), 60_000);
      expect((await runner.lag()).reduce((sum, p) => sum + p.lag, 0)).toBeGreaterThanOrEqual(fromRefused);

      outage = false;
      await eventually(() => runner.lag(), (lag) => lag.length === 2 && lag.every((p) => p.lag === 0), 60_000);
      expect(await store.readStream('telemetry-dep', { maxCount: total * 2 })).toHaveLength(total);
      expect(counted.accepted).toBe(total);
    } finally {
      await runner.stop();
      await store.close();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
