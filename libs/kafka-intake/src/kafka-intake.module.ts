import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { Counter, Gauge, type Registry } from 'prom-client';
import { METRIC_NAMES } from '@baseliner/contracts';
import { IngestAuthenticator, IngestAuthModule, IntakeMetrics, IntakeService } from '@baseliner/intake';
import { APP_CONFIG, CLOCK, METRICS_REGISTRY, ReadinessChecks, type AppConfig, type Clock } from '@baseliner/platform';
import type { DeadLetterReason } from './dead-letters';
import { KafkaIntakeRunner } from './kafka-intake.runner';

const KAFKA_ONLY_REASONS = ['invalid_json', 'unauthorized'] as const;

/** The same kafkajs message at most once per this long: an outage makes it say the same thing many times a second. */
const REPEAT_QUIET_MS = 10_000;

/** kafkajs's own log lines, through Nest's logger at the matching level (its default writes to stdout). */
function kafkaLogger(logger: Logger) {
  const lastSaid = new Map<string, number>();
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...rest } = log;
      const now = Date.now();
      if (now - (lastSaid.get(message) ?? 0) < REPEAT_QUIET_MS) return;
      if (lastSaid.size > 1_000) lastSaid.clear();
      lastSaid.set(message, now);
      const entry = { msg: `kafkajs: ${message}`, ...rest };
      // "Response …" errors are the broker's answers that kafkajs retries (coordinator loading,
      // leader moved): expected around starts and rebalances, not failures of ours.
      if (level === logLevel.ERROR && message.startsWith('Response ')) logger.debug(entry);
      else if (level === logLevel.ERROR) logger.error(entry);
      else if (level === logLevel.WARN) logger.warn(entry);
      else logger.debug(entry);
    };
}

/** Runs the Kafka consumer inside a Nest app: starts after the registry is ready, stops before the store closes. */
@Injectable()
export class KafkaIntakeService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('KafkaIntake');
  private readonly runner: KafkaIntakeRunner;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(CLOCK) clock: Clock,
    @Inject(METRICS_REGISTRY) registry: Registry,
    intake: IntakeService,
    metrics: IntakeMetrics,
    authenticator: IngestAuthenticator,
    readiness: ReadinessChecks,
  ) {
    const settings = config.kafka as NonNullable<AppConfig['kafka']>;
    metrics.declareTransport('kafka', KAFKA_ONLY_REASONS);
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const service = this;
    new Gauge({
      name: METRIC_NAMES.kafkaConsumerLag,
      help: 'Records in the partition not yet committed by the consumer group (high watermark − committed offset), asked of the broker at scrape time',
      labelNames: ['topic', 'partition'],
      registers: [registry],
      async collect() {
        try {
          for (const { partition, lag } of await service.runner.lag()) this.set({ topic: settings.topic, partition: String(partition) }, lag);
        } catch (error) {
          // Broker unreachable: keep the last figures (readiness says why).
          service.logger.debug({ msg: 'could not read the consumer lag', detail: (error as Error).message });
        }
      },
    });
    const deadLetters = new Counter({
      name: METRIC_NAMES.kafkaDeadLetters,
      help: 'Records sent to the dead-letter topic, by reason',
      labelNames: ['reason'],
      registers: [registry],
    });
    const kafka = new Kafka({
      clientId: settings.clientId,
      brokers: settings.brokers,
      logLevel: logLevel.WARN,
      logCreator: kafkaLogger(this.logger),
    });
    this.runner = new KafkaIntakeRunner(kafka, intake, { brokers: settings.brokers, topic: settings.topic, groupId: settings.groupId }, {
      // HTTP's check (IngestAuthenticator); a record has no client address.
      authenticate: (token) => authenticator.authenticate(token, { transport: 'kafka' }),
      now: () => clock.now(),
      onOutcome: (outcome) => metrics.record(outcome, 'kafka'),
      // Counted where it is decided, as the intake service's rejections are: received{result="rejected"}
      // and rejected{reason} move together.
      onRefused: (reason, type) => metrics.rejectedBeforeValidation(reason, 'kafka', type),
      onDeadLetter: (reason: DeadLetterReason) => deadLetters.inc({ reason }),
      log: (level, entry) => this.logger[level](entry),
    });
    readiness.add('kafka', () => this.runner.notReady());
  }

  /** Not awaited by the app's start: until the runner starts (it retries), /readyz is red, not the HTTP server down. */
  onApplicationBootstrap(): void {
    void this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }
}

/** The Kafka intake: CloudEvents from `BASELINER_KAFKA_TOPIC` into the same intake service as HTTP. */
@Module({})
export class KafkaIntakeModule {
  static forRoot(): DynamicModule {
    return { module: KafkaIntakeModule, imports: [IngestAuthModule], providers: [KafkaIntakeService] };
  }
}
