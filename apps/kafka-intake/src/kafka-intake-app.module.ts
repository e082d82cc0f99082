import { Module, type DynamicModule } from '@nestjs/common';
import { KafkaIntakeModule } from '@baseliner/kafka-intake';
import { ConfigurationError, PlatformModule, type PlatformOptions } from '@baseliner/platform';

/**
 * The Kafka intake alone, for scale-out: as many as the topic has partitions, in one consumer
 * group. Serves /healthz, /readyz (in the group?) and /metrics (consumer lag) on PORT.
 */
@Module({})
export class KafkaIntakeAppModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    if (!options.config.kafka) throw new ConfigurationError('BASELINER_KAFKA_BROKERS', 'is required by the Kafka intake app: the brokers to read from, as host:port,…');
    return { module: KafkaIntakeAppModule, imports: [PlatformModule.forRoot(options), KafkaIntakeModule.forRoot()] };
  }
}
