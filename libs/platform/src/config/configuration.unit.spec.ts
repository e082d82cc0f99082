import { ConfigurationError, loadConfiguration } from './configuration';

describe('configuration', () => {
  it('has working defaults', () => {
    expect(loadConfiguration({})).toMatchObject({ port: 3000, eventStore: 'sqlite', ingestRateLimit: 1000, logFormat: 'json' });
    expect(loadConfiguration({}).dataDir).toMatch(/\/data$/);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ BASELINER_EVENT_STORE: 'postgres' }, 'BASELINER_EVENT_STORE'],
    [{ BASELINER_EVENT_STORE: 'kurrentdb' }, 'BASELINER_EVENT_STORE'],
    [{ BASELINER_KAFKA_BROKERS: 'localhost:9092' }, 'BASELINER_KAFKA_BROKERS'],
    [{ BASELINER_ADMIN_TOKEN: 'short' }, 'BASELINER_ADMIN_TOKEN'],
    [{ BASELINER_LOG_LEVEL: 'loud' }, 'BASELINER_LOG_LEVEL'],
    [{ BASELINER_INGEST_RATE_LIMIT: '-1' }, 'BASELINER_INGEST_RATE_LIMIT'],
  ])('stops on %j with a message naming %s', (env, variable) => {
    expect(() => loadConfiguration(env)).toThrow(ConfigurationError);
    expect(() => loadConfiguration(env)).toThrow(new RegExp(`^${variable}: `));
  });
});
