import { resolve } from 'node:path';

export type LogFormat = 'json' | 'text';
export type LogLevel = 'error' | 'warn' | 'log' | 'debug' | 'verbose';

export interface AppConfig {
  port: number;
  host: string;
  dataDir: string;
  eventStore: 'sqlite' | 'postgres' | 'kurrentdb';
  /** Connection string of the PostgreSQL store (BASELINER_POSTGRES_URL), when eventStore is postgres. */
  postgresUrl?: string;
  /** Connection string of the KurrentDB store (BASELINER_KURRENTDB_URL), when eventStore is kurrentdb. */
  kurrentdbUrl?: string;
  /** Shards the projectors split deployments into (BASELINER_PROJECTOR_SHARDS); leases need PostgreSQL. */
  projectorShards: number;
  /** The Kafka intake, when BASELINER_KAFKA_BROKERS is set. */
  kafka?: { brokers: string[]; topic: string; groupId: string; clientId: string };
  /** Grafana's base URL (BASELINER_GRAFANA_URL): the pages link each deployment to its dashboard. */
  grafanaUrl?: string;
  /** From the environment when set; otherwise generated into the data dir on first start. */
  adminToken?: string;
  actorKey?: string;
  /**
   * BASELINER_METRICS_TOKEN: when set, GET /metrics requires "Authorization: Bearer <it>" (what
   * Prometheus' `authorization` scrape setting sends); unset, /metrics is open (and says so at start).
   */
  metricsToken?: string;
  /** The span attribute an OTLP GenAI span's `ai.used` takes its `feature` from (BASELINER_OTLP_FEATURE_ATTRIBUTE). */
  otlpFeatureAttribute: string;
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

/** An attribute key as OpenTelemetry writes them (`gen_ai.request.model` when unset). */
function otlpFeatureAttribute(value: string | undefined): string {
  const key = value?.trim() || 'gen_ai.request.model';
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(key)) {
    throw new ConfigurationError('BASELINER_OTLP_FEATURE_ATTRIBUTE', `"${key.slice(0, 40)}" is not an attribute key: letters, digits, dots, dashes and underscores, e.g. gen_ai.agent.name`);
  }
  return key;
}

/** The topic the Kafka intake reads (BASELINER_KAFKA_TOPIC, or `name` when given another way), `baseliner.events` when unset. */
export function kafkaTopic(value: string | undefined, name = 'BASELINER_KAFKA_TOPIC'): string {
  const topic = value?.trim() || 'baseliner.events';
  // 245, not Kafka's 249: the dead-letter topic adds ".dlq".
  if (!/^[A-Za-z0-9._-]{1,245}$/.test(topic)) {
    throw new ConfigurationError(name, `"${topic}" is not a valid Kafka topic name (letters, digits, . _ -, at most 245 so that "<topic>.dlq" is one too)`);
  }
  return topic;
}

/** Kafka brokers as BASELINER_KAFKA_BROKERS gives them: host:port,host:port (spaces around a name ignored). */
export function kafkaBrokers(value: string, name = 'BASELINER_KAFKA_BROKERS'): string[] {
  const list = value.split(',').map((b) => b.trim()).filter(Boolean);
  const bad = list.find((b) => !/^[A-Za-z0-9.-]+:\d{1,5}$/.test(b) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(b));
  if (bad !== undefined || list.length === 0) {
    throw new ConfigurationError(name, `"${bad ?? value.trim()}" is not host:port; give a comma-separated list such as kafka-1:9092,kafka-2:9092`);
  }
  return list;
}

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

/** A bearer token: 24+ characters that fit in an Authorization header as one word. Never generated. */
function bearerSecret(env: Env, name: string): string | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (value.length < 24) throw new ConfigurationError(name, 'is too short: use at least 24 random characters (e.g. openssl rand -hex 32), or unset it');
  if (!/^[\x21-\x7e]+$/.test(value)) {
    throw new ConfigurationError(name, 'must be printable ASCII without spaces (it is sent as "Authorization: Bearer <token>"); e.g. openssl rand -hex 32');
  }
  return value;
}

function connectionString(env: Env, name: string, schemes: string[], required: boolean): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) {
    if (required) throw new ConfigurationError(name, `is required with BASELINER_EVENT_STORE=${name.includes('POSTGRES') ? 'postgres' : 'kurrentdb'}: a ${schemes[0]}// connection string`);
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigurationError(name, `is not a connection string; expected ${schemes[0]}//user@host:port/…`);
  }
  if (!schemes.includes(url.protocol)) throw new ConfigurationError(name, `must start with ${schemes.map((s) => `${s}//`).join(' or ')}, not ${url.protocol}//`);
  return raw;
}

/**
 * Reads and checks the whole configuration once, at boot. This is the only place that reads the
 * environment; everything else receives an AppConfig.
 */
export function loadConfiguration(env: Env): AppConfig {
  const store = oneOf(env, 'BASELINER_EVENT_STORE', 'sqlite', ['sqlite', 'postgres', 'kurrentdb'] as const);
  const postgresUrl = connectionString(env, 'BASELINER_POSTGRES_URL', ['postgres:', 'postgresql:'], store === 'postgres');
  const kurrentdbUrl = connectionString(env, 'BASELINER_KURRENTDB_URL', ['kurrentdb:', 'kurrentdb+discover:', 'esdb:', 'esdb+discover:'], store === 'kurrentdb');
  const projectorShards = integer(env, 'BASELINER_PROJECTOR_SHARDS', 1, 1, 1024);
  if (projectorShards > 1 && store !== 'postgres') {
    throw new ConfigurationError(
      'BASELINER_PROJECTOR_SHARDS',
      `sharded projectors hold their shards by leases in PostgreSQL; with ${store} run one projector (leave it at 1) or use BASELINER_EVENT_STORE=postgres`,
    );
  }
  let kafka: AppConfig['kafka'];
  const topic = kafkaTopic(env.BASELINER_KAFKA_TOPIC);
  const groupId = env.BASELINER_KAFKA_GROUP?.trim() || 'baseliner-intake';
  if (env.BASELINER_KAFKA_BROKERS?.trim()) {
    kafka = { brokers: kafkaBrokers(env.BASELINER_KAFKA_BROKERS), topic, groupId, clientId: env.BASELINER_KAFKA_CLIENT_ID?.trim() || 'baseliner' };
  }
  const grafanaUrl = connectionString(env, 'BASELINER_GRAFANA_URL', ['http:', 'https:'], false)?.replace(/\/+$/, '');
  const adminToken = secret(env, 'BASELINER_ADMIN_TOKEN');
  const actorKey = secret(env, 'BASELINER_ACTOR_KEY');
  const metricsToken = bearerSecret(env, 'BASELINER_METRICS_TOKEN');
  if (store !== 'sqlite') {
    // Secrets generated into one process's data dir would differ between intakes: the same person
    // would get a different pseudonym from each, and each would accept a different admin token.
    for (const [name, value] of [['BASELINER_ACTOR_KEY', actorKey], ['BASELINER_ADMIN_TOKEN', adminToken]] as const) {
      if (!value) throw new ConfigurationError(name, `is required with BASELINER_EVENT_STORE=${store}: every process sharing the store must use the same one (24+ random characters)`);
    }
  }
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: env.BASELINER_HOST?.trim() || '0.0.0.0',
    dataDir: resolve(env.BASELINER_DATA_DIR?.trim() || './data'),
    eventStore: store,
    ...(postgresUrl && { postgresUrl }),
    ...(kurrentdbUrl && { kurrentdbUrl }),
    projectorShards,
    ...(kafka && { kafka }),
    ...(grafanaUrl && { grafanaUrl }),
    ...(adminToken && { adminToken }),
    ...(actorKey && { actorKey }),
    ...(metricsToken && { metricsToken }),
    otlpFeatureAttribute: otlpFeatureAttribute(env.BASELINER_OTLP_FEATURE_ATTRIBUTE),
    ingestRateLimit: integer(env, 'BASELINER_INGEST_RATE_LIMIT', 1000, 0, 1_000_000),
    intakeMaxInFlight: integer(env, 'BASELINER_INTAKE_MAX_IN_FLIGHT', 64, 1, 100_000),
    idleTimeoutSeconds: integer(env, 'BASELINER_IDLE_TIMEOUT_SECONDS', 10, 1, 3600),
    requestTimeoutSeconds: integer(env, 'BASELINER_REQUEST_TIMEOUT_SECONDS', 30, 1, 3600),
    logLevel: oneOf(env, 'BASELINER_LOG_LEVEL', 'log', ['error', 'warn', 'log', 'debug', 'verbose'] as const),
    logFormat: oneOf(env, 'BASELINER_LOG_FORMAT', 'json', ['json', 'text'] as const),
  };
}
