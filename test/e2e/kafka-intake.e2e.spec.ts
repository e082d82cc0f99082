import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type IHeaders, type KafkaMessage } from 'kafkajs';
import { describeWithKafka } from '../support/kafka';
import { client, startTestServer, taskCompleted, validRegistration, type TestServer } from '../support/test-server';
import { eventually } from '../support/eventually';
import { runCli } from '../support/cli';

const DAY = 86_400_000;

const text = (headers: IHeaders | undefined, name: string) => headers?.[name]?.toString();

describeWithKafka('the Kafka intake, through a real broker', (brokers) => {
  const topic = `baseliner-test-${randomUUID().slice(0, 8)}`;
  const kafka = new Kafka({ clientId: 'test-producer', brokers: [brokers], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  let server: TestServer;
  let admin: ReturnType<typeof client>;
  let key: string;
  let otherKey: string;

  beforeAll(async () => {
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    await kafkaAdmin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
    await kafkaAdmin.disconnect();
    await producer.connect();
    server = await startTestServer({ config: { kafka: { brokers: [brokers], topic, groupId: `${topic}-group`, clientId: 'baseliner-test' } } });
    admin = client(server.url, server.adminToken);
    for (const id of ['kafka-live', 'kafka-other']) {
      await admin.post('/v1/deployments', { ...validRegistration(id), rampUpDays: 0 });
      await admin.post(`/v1/deployments/${id}/go-live`, { at: new Date(Date.now() - 3 * DAY).toISOString() });
    }
    key = (await admin.post('/v1/deployments/kafka-live/keys')).body.key as string;
    otherKey = (await admin.post('/v1/deployments/kafka-other/keys')).body.key as string;
    // Ready means: in the consumer group.
    expect((await eventually(() => client(server.url).get('/readyz'), (r) => r.status === 200)).status).toBe(200);
  }, 120_000);

  // Shutting down leaves the consumer group (and waits out a fetch under way): more than jest's 5 s default.
  afterAll(async () => {
    await producer.disconnect();
    await server?.dispose();
  }, 60_000);

  const aiTasks = async () => (await admin.get('/v1/deployments/kafka-live/scorecard')).body?.windows?.current?.tasks?.ai as number;

  it('stores structured and binary CloudEvents once each, however often they are delivered', async () => {
    const structured = Array.from({ length: 60 }, () => taskCompleted('kafka-live'));
    const binary = Array.from({ length: 40 }, () => taskCompleted('kafka-live'));
    const auth = { authorization: `Bearer ${key}` };
    const send = () =>
      producer.send({
        topic,
        messages: [
          ...structured.map((event) => ({ key: 'kafka-live', value: JSON.stringify(event), headers: { ...auth, 'content-type': 'application/cloudevents+json' } })),
          ...binary.map(({ data, ...attributes }) => ({
            key: 'kafka-live',
            value: JSON.stringify(data),
            headers: { ...auth, 'content-type': 'application/json', ...Object.fromEntries(Object.entries(attributes).map(([name, value]) => [`ce_${name}`, String(value)])) },
          })),
        ],
      });
    await send();
    expect(await eventually(aiTasks, (n) => n === 100)).toBe(100);
    // The same records again (a producer retry, a replay): duplicates, not new tasks.
    await send();
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await aiTasks()).toBe(100);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/baseliner_events_received_total\{type="task.completed",result="duplicate"\} 100/);
    expect(metrics).toMatch(/baseliner_kafka_consumer_lag\{topic="[^"]+",partition="\d"\} 0/);
  }, 60_000);

  it('dead-letters every record it cannot store, with the reason and where it came from, and stores the good ones beside them', async () => {
    const good = taskCompleted('kafka-live');
    const poison: { reason: string; value: string | null; headers: Record<string, string> }[] = [
      { reason: 'invalid_json', value: '{"specversion": "1.0", oops', headers: { authorization: `Bearer ${key}` } },
      { reason: 'unauthorized', value: JSON.stringify(taskCompleted('kafka-live')), headers: {} },
      { reason: 'unauthorized', value: JSON.stringify(taskCompleted('kafka-live')), headers: { authorization: `Bearer ${key.slice(0, -4)}abcd` } },
      { reason: 'forbidden', value: JSON.stringify(taskCompleted('kafka-live')), headers: { authorization: `Bearer ${otherKey}` } },
      { reason: 'unknown_type', value: JSON.stringify({ ...taskCompleted('kafka-live'), type: 'task.exploded' }), headers: { authorization: `Bearer ${key}` } },
      { reason: 'invalid_data', value: JSON.stringify(taskCompleted('kafka-live', {}, { durationSeconds: -5 })), headers: { authorization: `Bearer ${key}` } },
      { reason: 'time_in_future', value: JSON.stringify(taskCompleted('kafka-live', { time: new Date(Date.now() + 2 * DAY).toISOString() })), headers: { authorization: `Bearer ${key}` } },
      { reason: 'invalid_envelope', value: JSON.stringify([good]), headers: { authorization: `Bearer ${key}` } },
    ];
    const before = await aiTasks();
    const dlq = kafka.consumer({ groupId: `dlq-reader-${randomUUID()}` });
    await dlq.connect();
    await dlq.subscribe({ topic: `${topic}.dlq`, fromBeginning: true });
    const letters: KafkaMessage[] = [];
    await dlq.run({ eachMessage: async ({ message }) => void letters.push(message) });
    await producer.send({
      topic,
      messages: [
        ...poison.map((p) => ({ key: 'kafka-live', value: p.value, headers: p.headers })),
        { key: 'kafka-live', value: JSON.stringify(good), headers: { authorization: `Bearer ${key}` } },
      ],
    });
    await eventually(async () => letters.length, (n) => n >= poison.length);
    await dlq.disconnect();
    expect(letters.map((m) => text(m.headers, 'baseliner-reason')).sort()).toEqual(poison.map((p) => p.reason).sort());
    for (const letter of letters) {
      expect(text(letter.headers, 'baseliner-original-topic')).toBe(topic);
      expect(Number(text(letter.headers, 'baseliner-original-partition'))).toBeGreaterThanOrEqual(0);
      expect(Number(text(letter.headers, 'baseliner-original-offset'))).toBeGreaterThanOrEqual(0);
      expect(Date.parse(text(letter.headers, 'baseliner-dead-lettered-at') as string)).toBeGreaterThan(Date.now() - 60_000);
      expect(text(letter.headers, 'baseliner-message')).toBeTruthy();
      // The ingest key never travels into the dead-letter topic.
      expect(letter.headers?.authorization).toBeUndefined();
    }
    expect(letters.find((m) => text(m.headers, 'baseliner-reason') === 'invalid_json')?.value?.toString()).toBe('{"specversion": "1.0", oops');
    expect(await eventually(aiTasks, (n) => n === before + 1)).toBe(before + 1);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/baseliner_events_rejected_total\{reason="unauthorized",transport="kafka"\} 2/);
    expect(metrics).toMatch(/baseliner_events_rejected_total\{reason="forbidden",transport="kafka"\} 1/);
    expect(metrics).toMatch(/baseliner_kafka_dead_letters_total\{reason="invalid_json"\} 1/);
  }, 60_000);

  it('sends a deployment its dead letters back with its key once the cause is fixed (baseliner dlq replay), and each only once', async () => {
    const otherTasks = async () => (await admin.get('/v1/deployments/kafka-other/scorecard')).body?.windows?.current?.tasks?.ai as number;
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    const ends = async (name: string) => (await kafkaAdmin.fetchTopicOffsets(name)).reduce((sum, p) => sum + Number(p.high), 0);
    try {
      const before = await otherTasks();
      const lettersBefore = await ends(`${topic}.dlq`);
      // The sender forgot its key on two records; a third has a type Baseliner does not know.
      await producer.send({
        topic,
        messages: [
          { key: 'kafka-other', value: JSON.stringify(taskCompleted('kafka-other')) },
          { key: 'kafka-other', value: JSON.stringify(taskCompleted('kafka-other')) },
          { key: 'kafka-other', value: JSON.stringify({ ...taskCompleted('kafka-other'), type: 'task.exploded' }), headers: { authorization: `Bearer ${otherKey}` } },
        ],
      });
      await eventually(() => ends(`${topic}.dlq`), (n) => n === lettersBefore + 3);
      const replay = (...extra: string[]) => runCli(server, ['dlq', 'replay', '--deployment', 'kafka-other', '--brokers', brokers, '--topic', topic, ...extra], { BASELINER_INGEST_KEY: otherKey });

      // Without the key it says where to get one.
      const keyless = await runCli(server, ['dlq', 'replay', '--deployment', 'kafka-other', '--brokers', brokers, '--topic', topic]);
      expect(keyless.code).toBe(1);
      expect(keyless.stderr).toContain('BASELINER_INGEST_KEY');
      expect(keyless.stderr).toContain('baseliner deployments keys kafka-other');
      // Brokers are read as the server reads BASELINER_KAFKA_BROKERS.
      const badBrokers = await runCli(server, ['dlq', 'replay', '--deployment', 'kafka-other', '--brokers', 'kafka-1', '--topic', topic], { BASELINER_INGEST_KEY: otherKey });
      expect(badBrokers.code).toBe(1);
      expect(badBrokers.stderr).toContain('--brokers: "kafka-1" is not host:port');

      // A dry run counts and sends nothing.
      const topicEnd = await ends(topic);
      const dry = await replay('--dry-run');
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain('would replay 3 dead letters of kafka-other');
      expect(dry.stdout).toMatch(/unauthorized 2/);
      expect(dry.stdout).toMatch(/unknown_type 1/);
      expect(await ends(topic)).toBe(topicEnd);

      const first = await replay();
      expect(first.code).toBe(0);
      expect(first.stdout).toContain(`replayed 3 dead letters of kafka-other to ${topic}`);
      expect(await ends(topic)).toBe(topicEnd + 3);
      // With the key, the two tasks are stored; the unknown type is dead-lettered again.
      expect(await eventually(otherTasks, (n) => n === before + 2)).toBe(before + 2);
      await eventually(() => ends(`${topic}.dlq`), (n) => n === lettersBefore + 4);

      // The next replay starts where this one stopped: only the letter written since.
      const second = await replay();
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('replayed 1 dead letter of kafka-other');
      expect(second.stdout).toMatch(/unknown_type 1/);
      expect(await otherTasks()).toBe(before + 2);

      // Two replays of one deployment at once would split its partitions and wait on each other.
      const running = kafka.consumer({ groupId: `baseliner-dlq-replay.${topic}.kafka-other` });
      await running.connect();
      await running.subscribe({ topic: `${topic}.dlq` });
      await running.run({ eachMessage: async () => undefined });
      try {
        await eventually(async () => (await kafkaAdmin.describeGroups([`baseliner-dlq-replay.${topic}.kafka-other`])).groups[0]?.state, (state) => state === 'Stable');
        const beside = await replay();
        expect(beside.code).toBe(1);
        expect(beside.stderr).toContain("A replay of kafka-other's dead letters is running already");
      } finally {
        await running.disconnect();
      }
    } finally {
      await kafkaAdmin.disconnect();
    }
  }, 120_000);

  it('dlq replay names the default topic (baseliner.events) when neither --topic nor BASELINER_KAFKA_TOPIC is given', async () => {
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    const names = ['baseliner.events', 'baseliner.events.dlq'];
    const existed = new Set((await kafkaAdmin.listTopics()).filter((name) => names.includes(name)));
    try {
      await kafkaAdmin.createTopics({ topics: names.filter((name) => !existed.has(name)).map((name) => ({ topic: name, numPartitions: 1 })), waitForLeaders: true });
      const deployment = `kafka-nobody-${randomUUID().slice(0, 8)}`;
      const dry = await runCli(server, ['dlq', 'replay', '--deployment', deployment, '--brokers', brokers, '--dry-run'], { BASELINER_KAFKA_TOPIC: '' });
      expect(dry.code).toBe(0);
      expect(dry.stdout.split('\n')[0]).toBe(`no dead letters of ${deployment} to replay in baseliner.events.dlq`);
      expect(dry.stdout).not.toContain('undefined');
    } finally {
      // Only what this test made: a broker named by BASELINER_TEST_KAFKA_BROKERS may be someone's own.
      const made = names.filter((name) => !existed.has(name));
      if (made.length > 0) await kafkaAdmin.deleteTopics({ topics: made }).catch(() => undefined);
      await kafkaAdmin.disconnect();
    }
  }, 60_000);
});
