import { resolve } from 'node:path';

export type LogFormat = 'json' | 'text';
export type LogLevel = 'error' | 'warn' | 'log' | 'debug' | 'verbose';

export interface AppConfig {
  port: number;
  host: string;
  dataDir: string;
  eventStore: 'sqlite';
  kafka?: { brokers: string[]; topic: string };
  /** From the environment when set; otherwise generated into the data dir on first start. */
  adminToken?: string;
  actorKey?: string;
  /** Requests per second per ingest key (0 = unlimited); bursts up to twice this. */
  ingestRateLimit: number;
  /** Intake requests handled at once; beyond it a request is refused at once with 503 + Retry-After. */
  intakeMaxInFlight: number;
  /** A connection sending nothing for this long is closed (headers or body stalled, idle keep-alive). */
  idleTimeoutSeconds: number;
  /** A request must arrive whole (headers and body) within this. */
  requestTimeoutSeconds: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
}

/** Invalid configuration: the message names the variable and says what it accepts. */
export class ConfigurationError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigurationError';
  }
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigurationError(name, `"${raw}" is not a whole number from ${min} to ${max}`);
  }
  return Number(raw);
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigurationError(name, `"${raw}" is not one of ${allowed.join(', ')}`);
  }
  return raw as T;
}

function secret(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 24) {
    throw new ConfigurationError(name, 'is too short: use at least 24 random characters, or unset it to have one generated');
  }
  return raw;
}

/**
 * Reads and checks the whole configuration once, at boot. This is the only place that reads the
 * environment; everything else receives an AppConfig.
 */
export function loadConfiguration(env: Env): AppConfig {
  const store = oneOf(env, 'BASELINER_EVENT_STORE', 'sqlite', ['sqlite', 'kurrentdb'] as const);
  if (store === 'kurrentdb') {
    throw new ConfigurationError(
      'BASELINER_EVENT_STORE',
      'kurrentdb is not available in this build yet; use sqlite (the default) until the KurrentDB adapter lands',
    );
  }
  let kafka: AppConfig['kafka'];
  const brokers = env.BASELINER_KAFKA_BROKERS?.trim();
  if (brokers) {
    throw new ConfigurationError(
      'BASELINER_KAFKA_BROKERS',
      'the Kafka intake is not available in this build yet; unset it and send events over HTTP (POST /v1/events)',
    );
  }
  const topic = env.BASELINER_KAFKA_TOPIC?.trim();
  if (topic !== undefined && topic !== '' && !/^[A-Za-z0-9._-]{1,249}$/.test(topic)) {
    throw new ConfigurationError('BASELINER_KAFKA_TOPIC', `"${topic}" is not a valid Kafka topic name`);
  }
  const adminToken = secret(env, 'BASELINER_ADMIN_TOKEN');
  const actorKey = secret(env, 'BASELINER_ACTOR_KEY');
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: env.BASELINER_HOST?.trim() || '0.0.0.0',
    dataDir: resolve(env.BASELINER_DATA_DIR?.trim() || './data'),
    eventStore: 'sqlite',
    ...(kafka && { kafka }),
    ...(adminToken && { adminToken }),
    ...(actorKey && { actorKey }),
    ingestRateLimit: integer(env, 'BASELINER_INGEST_RATE_LIMIT', 1000, 0, 1_000_000),
    intakeMaxInFlight: integer(env, 'BASELINER_INTAKE_MAX_IN_FLIGHT', 64, 1, 100_000),
    idleTimeoutSeconds: integer(env, 'BASELINER_IDLE_TIMEOUT_SECONDS', 10, 1, 3600),
    requestTimeoutSeconds: integer(env, 'BASELINER_REQUEST_TIMEOUT_SECONDS', 30, 1, 3600),
    logLevel: oneOf(env, 'BASELINER_LOG_LEVEL', 'log', ['error', 'warn', 'log', 'debug', 'verbose'] as const),
    logFormat: oneOf(env, 'BASELINER_LOG_FORMAT', 'json', ['json', 'text'] as const),
  };
}
