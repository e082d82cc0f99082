import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { eventually } from '../../../test/support/eventually';
import { describeWithKafka } from '../../../test/support/kafka';
import { EventStoreUnavailableError, type AppendOptions, type EventStore, type NewEvent } from '@baseliner/event-store';
import { SqliteEventStore } from '@baseliner/event-store-sqlite';
import { ActorPseudonymiser, IntakeService, type IngestAuthentication } from '@baseliner/intake';
import { deadLetterTopic } from './dead-letters';
import { KafkaIntakeRunner } from './kafka-intake.runner';
import type { KafkaIntakeSettings } from './kafka-intake.settings';

/** Every record's key proves deployment `dep`. */
const KEY_OF_DEP: IngestAuthentication = { ok: true, keyId: 'k', deploymentId: 'dep' };

function events(count: number, prefix: string): Record<string, unknown>[] {
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

const keyed = (all: Record<string, unknown>[], offset = 0) => all.map((event, i) => ({ key: String((offset + i) % 2), value: JSON.stringify(event) }));

/**
 * In sends of 50 records: the broker returns at least one whole producer batch per fetch, so one
 * big send would come back as one batch per partition whatever the fetch size.
 */
async function sendInSmallBatches(producer: Producer, topic: string, all: Record<string, unknown>[]): Promise<void> {
  for (let start = 0; start < all.length; start += 50) {
    await producer.send({ topic, acks: -1, messages: keyed(all.slice(start, start + 50), start) });
  }
}

const taskIdOf = (event: { data: unknown }) => (event.data as { data: { taskId: string } }).data.taskId;

/** An append the store refuses as unavailable after `ms`, as a commit failing under an outage would. */
const refusedAfter = (ms: number) => new Promise<never>((_, reject) => setTimeout(() => reject(new EventStoreUnavailableError('simulated outage')), ms));

/**
 * A 2-partition topic with `produce`'s records (even tasks on key 0, odd on key 1), a real store
 * in a temporary directory, and a runner over them that is not started yet. `storeFor` may put a
 * fault in front of the store's appends; with `topicLater` the topic is made (and the records
 * produced) only by `createTopic()`.
 */
async function runnerFixture(
  brokers: string,
  name: string,
  produce: (producer: Producer, topic: string) => Promise<void>,
  options: {
    settings?: Partial<KafkaIntakeSettings>;
    storeFor?: (store: SqliteEventStore) => EventStore;
    topicLater?: boolean;
    authenticate?: (token: string | undefined) => IngestAuthentication;
  } = {},
) {
  const id = randomUUID().slice(0, 8);
  const topic = `runner-${name}-${id}`;
  const kafka = new Kafka({ clientId: `runner-test-${id}`, brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const createTopic = async () => {
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await produce(producer, topic);
    await producer.disconnect();
  };
  if (!options.topicLater) await createTopic();

  const dir = mkdtempSync(join(tmpdir(), 'baseliner-kafka-runner-'));
  const store = new SqliteEventStore({ path: join(dir, 'events.db') });
  const intake = new IntakeService({ store: options.storeFor?.(store) ?? store, pseudonymiser: new ActorPseudonymiser('k'.repeat(32)), phaseOf: () => 'live' });
  const counted = { accepted: 0, rejected: 0 };
  const warnings: string[] = [];
  const entries: Record<string, unknown>[] = [];
  const runner = new KafkaIntakeRunner(kafka, intake, { brokers: [brokers], topic, groupId: `runner-test-${id}`, backoffMs: 300, ...options.settings }, {
    authenticate: options.authenticate ?? (() => KEY_OF_DEP),
    now: () => new Date(),
    onOutcome: (outcome) => {
      counted.accepted += outcome.accepted;
      counted.rejected += outcome.rejected.length;
    },
    onDeadLetter: () => undefined,
    log: (_, entry) => {
      warnings.push(String(entry.msg));
      entries.push(entry);
    },
  });
  return {
    kafka,
    topic,
    entries,
    store,
    runner,
    counted,
    createTopic,
    pauses: () => warnings.filter((w) => w.includes('partition paused')).length,
    failedStarts: () => warnings.filter((w) => w.includes('could not start')).length,
    totalLag: async () => (await runner.lag()).reduce((sum, p) => sum + p.lag, 0),
    async close(): Promise<void> {
      await runner.stop();
      await store.close();
      // Only those that exist: deleting a missing topic is retried for seconds.
      const existing = new Set(await admin.listTopics());
      await admin.deleteTopics({ topics: [topic, deadLetterTopic(topic)].filter((name) => existing.has(name)) }).catch(() => undefined);
      await admin.disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const allCommitted = (lag: { lag: number }[]) => lag.length === 2 && lag.every((p) => p.lag === 0);

describeWithKafka('the Kafka intake when the store cannot write', (brokers) => {
  it('pauses on a full disk, commits no offset until the events are stored, and counts each event once', async () => {
    const total = 2_500;
    // One send: more than one request's worth per partition, so a batch is several appends.
    const fixture = await runnerFixture(brokers, 'full-disk', (producer, topic) => producer.send({ topic, acks: -1, messages: keyed(events(total, 'full-disk')) }).then(() => undefined));
    const { store, runner, counted } = fixture;
    try {
      // A full disk: the store may not grow by a page (SQLITE_FULL, reported as unavailable).
      await store.writerPragma(`max_page_count = ${store.database.pragma('page_count', { simple: true }) as number}`);
      await runner.start();
      await eventually(async () => fixture.pauses(), (n) => n >= 4, 60_000);
      expect(await store.readStream('telemetry-dep')).toHaveLength(0);
      expect(await fixture.totalLag()).toBe(total);

      await store.writerPragma('max_page_count = 1073741823');
      await eventually(() => runner.lag(), allCommitted, 60_000);
      expect(await store.readStream('telemetry-dep', { maxCount: total * 2 })).toHaveLength(total);
      // Counted once: an append that went through just before a re-read comes back as a duplicate.
      expect({ accepted: counted.accepted, rejected: counted.rejected }).toEqual({ accepted: total, rejected: 0 });
    } finally {
      await fixture.close();
    }
  }, 120_000);

  it('rewinds to the refused batch when the disk fills mid-stream with later batches in flight, and stores every event once', async () => {
    const total = 6_000;
    // Small fetches (16 KiB, one producer batch of ~25 records each): many batches per partition, three in flight.
    const fixture = await runnerFixture(brokers, 'mid-stream', (producer, topic) => sendInSmallBatches(producer, topic, events(total, 'mid-stream')), {
      settings: { backoffMs: 200, maxBytesPerPartition: 16 * 1024 },
    });
    const { store, runner, counted } = fixture;
    try {
      // Room for some of the events only: the disk fills while later batches are already read.
      const pages = store.database.pragma('page_count', { simple: true }) as number;
      await store.writerPragma(`max_page_count = ${pages + 150}`);
      await runner.start();
      await eventually(async () => fixture.pauses(), (n) => n >= 2, 60_000);
      const storedWhenFull = (await store.readStream('telemetry-dep', { maxCount: total * 2 })).length;
      expect(storedWhenFull).toBeGreaterThan(0);
      expect(storedWhenFull).toBeLessThan(total);
      // Nothing beyond what is stored was committed: the lag covers at least every missing event.
      expect(await fixture.totalLag()).toBeGreaterThanOrEqual(total - storedWhenFull);

      await store.writerPragma('max_page_count = 1073741823');
      await eventually(() => runner.lag(), allCommitted, 60_000);
      const stored = await store.readStream('telemetry-dep', { maxCount: total * 2 });
      expect(stored).toHaveLength(total);
      expect(new Set(stored.map(taskIdOf)).size).toBe(total);
      expect({ accepted: counted.accepted, rejected: counted.rejected }).toEqual({ accepted: total, rejected: 0 });
    } finally {
      await fixture.close();
    }
  }, 120_000);

  it('commits nothing past a refused batch while later batches of the partition are stored', async () => {
    const total = 6_000;
    // The real store, except that an append holding task-3001 is refused as unavailable (an
    // outage that hits one batch) until released, after 300 ms as a failed commit would be: the
    // batches after it are read and stored meanwhile.
    let outage = true;
    const holds3001 = (batch: NewEvent[]) => batch.some((event) => taskIdOf(event) === 'task-3001');
    const fixture = await runnerFixture(brokers, 'one-refused', (producer, topic) => sendInSmallBatches(producer, topic, events(total, 'one-refused')), {
      settings: { backoffMs: 200, maxBytesPerPartition: 16 * 1024 },
      storeFor: (store) =>
        ({
          append: (streamId: string, batch: NewEvent[], options?: AppendOptions) => (outage && holds3001(batch) ? refusedAfter(300) : store.append(streamId, batch, options)),
        }) as unknown as EventStore,
    });
    const { store, runner, counted } = fixture;
    // Events 3001, 3003, … 5999 share task-3001's partition: 1,500 of them, none committed yet.
    const fromRefused = 1_500;
    try {
      await runner.start();
      await eventually(async () => fixture.pauses(), (n) => n >= 3, 60_000);
      // Several rewinds later, the other partition is done and this one's committed offset has not moved past task-3001.
      await eventually(() => runner.lag(), (lag) => lag.length === 2 && lag.some((p) => p.lag === 0), 60_000);
      expect(await fixture.totalLag()).toBeGreaterThanOrEqual(fromRefused);

      outage = false;
      await eventually(() => runner.lag(), allCommitted, 60_000);
      expect(await store.readStream('telemetry-dep', { maxCount: total * 2 })).toHaveLength(total);
      expect(counted.accepted).toBe(total);
    } finally {
      await fixture.close();
    }
  }, 120_000);

  it('stores every event once when a batch throws while an earlier batch of its partition is still to be refused', async () => {
    const total = 6_000;
    // task-3000's batch is refused once, 300 ms late; meanwhile a later batch of the same
    // partition throws once while being read (at task-3100). kafkajs retries that batch from its
    // own first offset, so the refusal before it must still rewind the partition.
    let refuse3000 = true;
    let throw3100 = true;
    // task-3100's record carries a key of its own, the one that makes authentication throw.
    const produce = async (producer: Producer, topic: string) => {
      const all = keyed(events(total, 'throw-after-refusal')).map((record, i) => (i === 3100 ? { ...record, headers: { authorization: 'Bearer throw-once' } } : record));
      for (let start = 0; start < all.length; start += 50) await producer.send({ topic, acks: -1, messages: all.slice(start, start + 50) });
    };
    const fixture = await runnerFixture(brokers, 'throw-after-refusal', produce, {
      settings: { backoffMs: 200, maxBytesPerPartition: 16 * 1024 },
      storeFor: (store) =>
        ({
          append: (streamId: string, batch: NewEvent[], options?: AppendOptions) => {
            if (refuse3000 && batch.some((event) => taskIdOf(event) === 'task-3000')) {
              refuse3000 = false;
              return refusedAfter(300);
            }
            return store.append(streamId, batch, options);
          },
        }) as unknown as EventStore,
      authenticate: (token) => {
        if (throw3100 && token === 'throw-once') {
          throw3100 = false;
          throw new Error('simulated bug while reading a batch');
        }
        return KEY_OF_DEP;
      },
    });
    const { store, runner, counted } = fixture;
    try {
      await runner.start();
      await eventually(() => runner.lag(), allCommitted, 60_000);
      expect(throw3100).toBe(false);
      expect(refuse3000).toBe(false);
      const stored = await store.readStream('telemetry-dep', { maxCount: total * 2 });
      expect(new Set(stored.map(taskIdOf)).size).toBe(total);
      expect(counted.accepted).toBe(total);
    } finally {
      await fixture.close();
    }
  }, 120_000);

  it('stops only once the batches read before a rewind are done storing', async () => {
    const total = 3_000;
    // task-1000's batch is refused 100 ms late, once; the batches after it in its partition, read
    // before the refusal, take four seconds to store. A stop right after the rewind waits for them.
    let refused = false;
    let slowInFlight = 0;
    let slowDone = 0;
    const number = (event: NewEvent) => Number(taskIdOf(event).slice('task-'.length));
    const fixture = await runnerFixture(brokers, 'stop-after-rewind', (producer, topic) => sendInSmallBatches(producer, topic, events(total, 'stop-after-rewind')), {
      settings: { backoffMs: 5_000, maxBytesPerPartition: 16 * 1024 },
      storeFor: (store) =>
        ({
          append: async (streamId: string, batch: NewEvent[], options?: AppendOptions) => {
            if (!refused && batch.some((event) => number(event) === 1000)) {
              refused = true;
              return refusedAfter(100);
            }
            if (!refused || !batch.some((event) => number(event) > 1000 && number(event) % 2 === 0)) return store.append(streamId, batch, options);
            slowInFlight += 1;
            // Longer than leaving the group takes, so a stop that did not wait would end first.
            await new Promise((resolve) => setTimeout(resolve, 4_000));
            const result = await store.append(streamId, batch, options);
            slowInFlight -= 1;
            slowDone += 1;
            return result;
          },
        }) as unknown as EventStore,
    });
    const { runner } = fixture;
    try {
      await runner.start();
      await eventually(async () => fixture.pauses(), (n) => n >= 1, 60_000);
      expect(slowInFlight).toBeGreaterThan(0);
      await runner.stop();
      expect(slowInFlight).toBe(0);
      expect(slowDone).toBeGreaterThan(0);
    } finally {
      await fixture.close();
    }
  }, 120_000);

  it('hands at most three batches of a partition to the store before the first is committed', async () => {
    const total = 3_000;
    // The real store, behind a gate: no append finishes until the gate opens, so nothing commits.
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let appendsWaiting = 0;
    const fixture = await runnerFixture(brokers, 'in-flight', (producer, topic) => sendInSmallBatches(producer, topic, events(total, 'in-flight')), {
      // Small fetches: each batch is well under one request's worth, so one append per batch.
      settings: { maxBytesPerPartition: 16 * 1024 },
      storeFor: (store) =>
        ({
          append: async (streamId: string, batch: NewEvent[], options?: AppendOptions) => {
            appendsWaiting += 1;
            await gate;
            return store.append(streamId, batch, options);
          },
        }) as unknown as EventStore,
    });
    const { store, runner, counted } = fixture;
    try {
      await runner.start();
      // Two partitions, three batches each: the next fetches are read while the store writes.
      await eventually(async () => appendsWaiting, (n) => n >= 6, 30_000);
      // …and no more, however long the store takes.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(appendsWaiting).toBe(6);
      expect(await fixture.totalLag()).toBe(total);

      open();
      await eventually(() => runner.lag(), allCommitted, 60_000);
      expect(await store.readStream('telemetry-dep', { maxCount: total * 2 })).toHaveLength(total);
      expect(counted.accepted).toBe(total);
    } finally {
      open();
      await fixture.close();
    }
  }, 120_000);
});

describeWithKafka('the Kafka intake when it cannot start', (brokers) => {
  it('stops within its shutdown budget while an attempt to reach an unreachable broker is under way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baseliner-kafka-runner-'));
    const store = new SqliteEventStore({ path: join(dir, 'events.db') });
    // Nothing listens on port 1: kafkajs retries the connect for 8–10 s before the attempt fails.
    const unreachable = new Kafka({ clientId: 'runner-test-unreachable', brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING });
    const attempts = jest.spyOn(unreachable, 'admin');
    const runner = new KafkaIntakeRunner(
      unreachable,
      new IntakeService({ store, pseudonymiser: new ActorPseudonymiser('k'.repeat(32)), phaseOf: () => 'live' }),
      { brokers: ['127.0.0.1:1'], topic: 'never', groupId: 'runner-test-unreachable', startRetryMs: 50 },
      { authenticate: () => KEY_OF_DEP, now: () => new Date(), onOutcome: () => undefined, onDeadLetter: () => undefined, log: () => undefined },
    );
    try {
      const started = runner.start();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(attempts).toHaveBeenCalledTimes(1);
      const before = Date.now();
      await runner.stop();
      // The app's shutdown allows 10 s for every hook; this one takes at most ~2 s of it.
      expect(Date.now() - before).toBeLessThan(3_000);
      // The attempt ends by itself later, and no other follows.
      await started;
      expect(attempts).toHaveBeenCalledTimes(1);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('retries while the topic is missing, says why on /readyz, and stores the events once the topic exists', async () => {
    const total = 500;
    const fixture = await runnerFixture(brokers, 'topic-later', (producer, topic) => sendInSmallBatches(producer, topic, events(total, 'topic-later')), {
      topicLater: true,
      settings: { startRetryMs: 100, startRetryMaxMs: 400 },
    });
    const { store, runner } = fixture;
    try {
      const started = runner.start();
      await eventually(async () => fixture.failedStarts(), (n) => n >= 3, 30_000);
      expect(fixture.failedStarts()).toBeGreaterThanOrEqual(3);
      // In our words, not kafkajs's "This server does not host this topic-partition": what is missing and the command that makes it.
      expect(runner.notReady()).toBe(
        `the topic ${fixture.topic} does not exist on ${brokers}: create it (Baseliner creates only ${fixture.topic}.dlq, not the topic it reads) ` +
          `with npm run kafka:topic -- ${fixture.topic} on the broker of npm run kafka:up, or kafka-topics.sh --bootstrap-server ${brokers} --create --topic ${fixture.topic} on your own; retrying`,
      );
      expect(fixture.entries.find((e) => e.msg === 'Kafka intake could not start; retrying')?.detail).toBe(runner.notReady());
      expect(fixture.entries.some((e) => String(e.msg).startsWith('Kafka intake reading'))).toBe(false);

      await fixture.createTopic();
      await started;
      await eventually(() => runner.lag(), allCommitted, 60_000);
      expect(runner.notReady()).toBeUndefined();
      // Once in its group it says so, once: topic, brokers, group, its partitions.
      expect(fixture.entries.filter((e) => String(e.msg).startsWith('Kafka intake reading'))).toEqual([
        { msg: `Kafka intake reading topic ${fixture.topic}`, topic: fixture.topic, brokers, group: expect.stringMatching(/^runner-test-/), partitions: '0,1', deadLetters: `${fixture.topic}.dlq` },
      ]);
      const stored = await store.readStream('telemetry-dep', { maxCount: total * 2 });
      expect(new Set(stored.map(taskIdOf)).size).toBe(total);
      expect(stored).toHaveLength(total);
    } finally {
      await fixture.close();
    }
  }, 120_000);

  it('stops at once while it waits to retry', async () => {
    // A wait (capped at startRetryMaxMs, 30 s) longer than the 2 s allowed: only a cancelled wait lets start() and stop() return.
    const fixture = await runnerFixture(brokers, 'stop-waiting', async () => undefined, { topicLater: true, settings: { startRetryMs: 60_000 } });
    const { runner } = fixture;
    try {
      const started = runner.start();
      await eventually(async () => fixture.failedStarts(), (n) => n === 1, 30_000);
      const before = Date.now();
      await Promise.all([runner.stop(), started]);
      expect(Date.now() - before).toBeLessThan(2_000);
    } finally {
      await fixture.close();
    }
  }, 60_000);

  it('stops between quick retries and tries no more', async () => {
    const fixture = await runnerFixture(brokers, 'stop-retrying', async () => undefined, { topicLater: true, settings: { startRetryMs: 50, startRetryMaxMs: 50 } });
    const { runner } = fixture;
    // Every attempt starts with an admin client (the runner makes no other here).
    const attempts = jest.spyOn(fixture.kafka, 'admin');
    try {
      const started = runner.start();
      await eventually(async () => fixture.failedStarts(), (n) => n >= 3, 30_000);
      const before = Date.now();
      await runner.stop();
      await started;
      expect(Date.now() - before).toBeLessThan(3_000);
      expect(runner.notReady()).not.toMatch(/retrying/);
      const made = attempts.mock.calls.length;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(attempts.mock.calls.length).toBe(made);
    } finally {
      await fixture.close();
    }
  }, 60_000);
});
