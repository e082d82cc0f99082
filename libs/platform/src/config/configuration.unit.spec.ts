import { ConfigurationError, loadConfiguration } from './configuration';

const sharedSecrets = { BASELINER_ADMIN_TOKEN: 'a'.repeat(32), BASELINER_ACTOR_KEY: 'k'.repeat(32) };

describe('configuration', () => {
  it('has working defaults', () => {
    expect(loadConfiguration({})).toMatchObject({ port: 3000, eventStore: 'sqlite', ingestRateLimit: 1000, logFormat: 'json' });
    expect(loadConfiguration({}).dataDir).toMatch(/\/data$/);
  });

  it('takes PostgreSQL with its URL and shards, and KurrentDB with its URL', () => {
    expect(loadConfiguration({ ...sharedSecrets, BASELINER_EVENT_STORE: 'postgres', BASELINER_POSTGRES_URL: 'postgres://baseliner@db:5432/baseliner', BASELINER_PROJECTOR_SHARDS: '8' })).toMatchObject({
      eventStore: 'postgres',
      postgresUrl: 'postgres://baseliner@db:5432/baseliner',
      projectorShards: 8,
    });
    expect(loadConfiguration({ ...sharedSecrets, BASELINER_EVENT_STORE: 'kurrentdb', BASELINER_KURRENTDB_URL: 'kurrentdb://kdb:2113?tls=false' })).toMatchObject({ eventStore: 'kurrentdb', projectorShards: 1 });
  });

  it('turns the Kafka intake on with brokers, and names its topic, dead-letter topic and group', () => {
    expect(loadConfiguration({}).kafka).toBeUndefined();
    expect(loadConfiguration({ BASELINER_KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092' }).kafka).toEqual({
      brokers: ['kafka-1:9092', 'kafka-2:9092'],
      topic: 'baseliner.events',
      groupId: 'baseliner-intake',
      clientId: 'baseliner',
    });
    expect(loadConfiguration({ BASELINER_KAFKA_BROKERS: '127.0.0.1:9092', BASELINER_KAFKA_TOPIC: 'ai.telemetry', BASELINER_KAFKA_GROUP: 'g' }).kafka).toMatchObject({ topic: 'ai.telemetry', groupId: 'g' });
  });

  it('takes a metrics token (BASELINER_METRICS_TOKEN), and leaves /metrics open without one', () => {
    expect(loadConfiguration({}).metricsToken).toBeUndefined();
    expect(() => loadConfiguration({ BASELINER_METRICS_TOKEN: 'short' })).toThrow(/at least 24 random characters \(e\.g\. openssl rand -hex 32\), or unset it$/);
    expect(loadConfiguration({ BASELINER_METRICS_TOKEN: '' }).metricsToken).toBeUndefined();
    expect(loadConfiguration({ BASELINER_METRICS_TOKEN: 'm'.repeat(32) }).metricsToken).toBe('m'.repeat(32));
  });

  it.each([
    [{ BASELINER_METRICS_TOKEN: 'short' }, 'BASELINER_METRICS_TOKEN'],
    [{ BASELINER_METRICS_TOKEN: `${'m'.repeat(20)} ${'m'.repeat(20)}` }, 'BASELINER_METRICS_TOKEN'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ BASELINER_EVENT_STORE: 'mysql' }, 'BASELINER_EVENT_STORE'],
    [{ BASELINER_EVENT_STORE: 'postgres' }, 'BASELINER_POSTGRES_URL'],
    [{ BASELINER_EVENT_STORE: 'postgres', BASELINER_POSTGRES_URL: 'http://db:5432/x' }, 'BASELINER_POSTGRES_URL'],
    [{ BASELINER_EVENT_STORE: 'kurrentdb' }, 'BASELINER_KURRENTDB_URL'],
    [{ BASELINER_PROJECTOR_SHARDS: '4' }, 'BASELINER_PROJECTOR_SHARDS'],
    [{ ...sharedSecrets, BASELINER_EVENT_STORE: 'postgres', BASELINER_POSTGRES_URL: 'postgres://db/x', BASELINER_PROJECTOR_SHARDS: '0' }, 'BASELINER_PROJECTOR_SHARDS'],
    [{ BASELINER_ADMIN_TOKEN: 'a'.repeat(32), BASELINER_EVENT_STORE: 'postgres', BASELINER_POSTGRES_URL: 'postgres://db/x' }, 'BASELINER_ACTOR_KEY'],
    [{ BASELINER_KAFKA_BROKERS: 'localhost' }, 'BASELINER_KAFKA_BROKERS'],
    [{ BASELINER_KAFKA_BROKERS: 'k:9092', BASELINER_KAFKA_TOPIC: 'no spaces' }, 'BASELINER_KAFKA_TOPIC'],
    [{ BASELINER_ADMIN_TOKEN: 'short' }, 'BASELINER_ADMIN_TOKEN'],
    [{ BASELINER_LOG_LEVEL: 'loud' }, 'BASELINER_LOG_LEVEL'],
    [{ BASELINER_INGEST_RATE_LIMIT: '-1' }, 'BASELINER_INGEST_RATE_LIMIT'],
  ])('stops on %j with a message naming %s', (env, variable) => {
    expect(() => loadConfiguration(env)).toThrow(ConfigurationError);
    expect(() => loadConfiguration(env)).toThrow(new RegExp(`^${variable}: `));
  });
});
