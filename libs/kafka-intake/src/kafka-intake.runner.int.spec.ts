import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { eventually } from '../../../test/support/eventually';
import { describeWithKafka } from '../../../test/support/kafka';
import { SqliteEventStore } from '@baseliner/event-store-sqlite';
import { ActorPseudonymiser, IntakeService } from '@baseliner/intake';
import { KafkaIntakeRunner } from './kafka-intake.runner';

const EVENTS = 2_500;

function events(count: number): Record<string, unknown>[] {
  const time = new Date(Date.now() - 3_600_000).toISOString();
  return Array.from({ length: count }, (_, i) => ({
    specversion: '1.0',
    id: `full-disk-${i}`,
    source: 'runner-test',
    type: 'task.completed',
    time,
    deployment: 'dep',
    data: { taskId: `task-${i}`, mode: 'ai', outcome: 'success', durationSeconds: 30, actor: `user-${i % 7}@example.com` },
  }));
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
});
