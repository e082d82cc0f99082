import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { IngestAuthenticator } from '@baseliner/intake';
import { eventually } from '../support/eventually';
import { describeWithKafka } from '../support/kafka';
import { client, startTestServer, taskCompleted, validRegistration, type TestServer } from '../support/test-server';

const DAY = 86_400_000;

/** A sample's value in a Prometheus exposition, summed over the series matching `labels`. */
function sum(metrics: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([label, value]) => line.includes(`${label}="${value}"`))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

// One ingest-key check for every transport: HTTP and Kafka give the same answer, in the same
// order, from the same instance, and the state it keeps per client address is bounded.
describe('ingest keys: one check for every transport', () => {
  let server: TestServer;
  let authenticator: IngestAuthenticator;
  beforeAll(async () => {
    server = await startTestServer({ config: { ingestRateLimit: 0 } });
    authenticator = server.app.get(IngestAuthenticator);
  });
  afterAll(async () => server?.dispose());

  it('HTTP answers what the shared check says, for every kind of key', async () => {
    const admin = client(server.url, server.adminToken);
    await admin.post('/v1/deployments', validRegistration('auth-http'));
    const key = (await admin.post('/v1/deployments/auth-http/keys')).body.key as string;
    const revoked = (await admin.post('/v1/deployments/auth-http/keys')).body as { key: string; keyId: string };
    await admin.delete(`/v1/deployments/auth-http/keys/${revoked.keyId}`);
    const tokens = [undefined, 'x', key, `${key.slice(0, -2)}zz`, revoked.key, `${revoked.key.slice(0, -2)}zz`, server.adminToken, 'blk_000000000000.aaaaaaaaaaaaaaaaaaaaaaaa'];
    for (const token of tokens) {
      const reply = await client(server.url, token).post('/v1/events', [taskCompleted('auth-http')]);
      // Asked after the request (the HTTP answer went first), from another address: no budget spent.
      const shared = authenticator.authenticate(token, { transport: 'http', address: `198.51.100.${tokens.indexOf(token)}` });
      if (shared.ok) expect(reply.status).toBe(202);
      else expect({ token, status: reply.status, message: reply.body.message }).toEqual({ token, status: shared.status, message: shared.message });
    }
  });

  it('keeps the failures of at most 65,536 client addresses, whatever the number that fail', () => {
    for (let i = 0; i < 100_000; i += 1) authenticator.authenticate('blk_000000000000.aaaaaaaaaaaaaaaaaaaaaaaa', { transport: 'http', address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` });
    expect(authenticator.trackedAddresses).toBeLessThanOrEqual(65_536);
    expect(authenticator.trackedAddresses).toBeGreaterThan(60_000);
  });
});

describeWithKafka('ingest keys on Kafka: the same reasons as HTTP, and counters that agree', (brokers) => {
  const topic = `baseliner-auth-${randomUUID().slice(0, 8)}`;
  const kafka = new Kafka({ clientId: 'auth-test', brokers: [brokers], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  let server: TestServer;
  let key: string;
  let revoked: { key: string; keyId: string };

  beforeAll(async () => {
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    await kafkaAdmin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await kafkaAdmin.disconnect();
    await producer.connect();
    server = await startTestServer({ config: { kafka: { brokers: [brokers], topic, groupId: `${topic}-group`, clientId: 'baseliner-auth-test' } } });
    const admin = client(server.url, server.adminToken);
    await admin.post('/v1/deployments', { ...validRegistration('auth-kafka'), rampUpDays: 0 });
    await admin.post('/v1/deployments/auth-kafka/go-live', { at: new Date(Date.now() - 3 * DAY).toISOString() });
    key = (await admin.post('/v1/deployments/auth-kafka/keys')).body.key as string;
    revoked = (await admin.post('/v1/deployments/auth-kafka/keys')).body;
    await admin.delete(`/v1/deployments/auth-kafka/keys/${revoked.keyId}`);
    expect((await eventually(() => client(server.url).get('/readyz'), (r) => r.status === 200)).status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await producer.disconnect();
    await server?.dispose();
  }, 60_000);

  it('dead-letters each bad key with the reason HTTP gives, and every refused record counts in both intake counters', async () => {
    const event = () => JSON.stringify(taskCompleted('auth-kafka'));
    const records = [
      // Keys: a revoked key's id with a wrong secret is an unknown key (revocation is told only to its holder), the admin token is named.
      { expected: 'Missing or unknown ingest key', value: event(), headers: { authorization: `Bearer ${revoked.key.slice(0, -2)}zz` } },
      { expected: 'This ingest key was revoked', value: event(), headers: { authorization: `Bearer ${revoked.key}` } },
      { expected: 'This is the admin token', value: event(), headers: { authorization: `Bearer ${server.adminToken}` } },
      { expected: 'Missing or unknown ingest key', value: event(), headers: {} as Record<string, string> },
      // Refused before validation: not JSON, not one event.
      { expected: 'The value is not JSON', value: '{"oops', headers: { authorization: `Bearer ${key}` } },
      { expected: 'The value must be one CloudEvent', value: JSON.stringify([taskCompleted('auth-kafka')]), headers: { authorization: `Bearer ${key}` } },
      // Refused by validation.
      { expected: 'task.exploded', value: JSON.stringify({ ...taskCompleted('auth-kafka'), type: 'task.exploded' }), headers: { authorization: `Bearer ${key}` } },
    ];
    const dlq = kafka.consumer({ groupId: `auth-dlq-${randomUUID()}` });
    await dlq.connect();
    await dlq.subscribe({ topic: `${topic}.dlq`, fromBeginning: true });
    const letters: KafkaMessage[] = [];
    await dlq.run({ eachMessage: async ({ message }) => void letters.push(message) });
    await producer.send({ topic, messages: [...records.map(({ value, headers }) => ({ value, headers })), { value: event(), headers: { authorization: `Bearer ${key}` } }] });
    await eventually(async () => letters.length, (n) => n >= records.length, 60_000);
    await dlq.disconnect();
    const messages = letters.map((letter) => letter.headers?.['baseliner-message']?.toString() ?? '');
    for (const { expected } of records) expect(messages.filter((message) => message.includes(expected)).length).toBeGreaterThanOrEqual(1);
    expect(messages.filter((message) => message.startsWith('Missing or unknown ingest key')).length).toBe(2);
    // The same words as HTTP's answer, with where Kafka carries the key.
    expect(messages.find((message) => message.startsWith('This ingest key was revoked'))).toBe(
      'This ingest key was revoked. Send the deployment’s ingest key in the record header "authorization: Bearer blk_…" (POST /v1/deployments/{id}/keys issues one)',
    );

    const metrics = await eventually(
      async () => (await fetch(`${server.url}/metrics`)).text(),
      (text) => sum(text, 'baseliner_kafka_dead_letters_total') >= records.length,
    );
    const rejected = sum(metrics, 'baseliner_events_rejected_total', { transport: 'kafka' });
    expect(rejected).toBe(records.length);
    expect(sum(metrics, 'baseliner_events_received_total', { result: 'rejected' })).toBe(rejected);
    expect(sum(metrics, 'baseliner_events_rejected_total', { reason: 'unauthorized', transport: 'kafka' })).toBe(4);
    expect(sum(metrics, 'baseliner_events_received_total', { type: 'task.completed', result: 'rejected' })).toBe(4);
  }, 90_000);
});
