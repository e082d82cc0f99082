import { Module, type DynamicModule } from '@nestjs/common';
import { ControlModule } from '@baseliner/control';
import { IntakeModule } from '@baseliner/intake';
import { OtlpIntakeModule } from '@baseliner/otlp-intake';
import { KafkaIntakeModule } from '@baseliner/kafka-intake';
import { PlatformModule, type PlatformOptions } from '@baseliner/platform';
import { WebModule } from '@baseliner/web';
import { ProjectorModule, type ProjectorOptions } from '@baseliner/projector';

/** Everything in one process on one port: control, intake (HTTP, OTLP, and Kafka when brokers are set), the read side and its pages. */
@Module({})
export class BaselinerAppModule {
  static forRoot(options: PlatformOptions, projector: Partial<ProjectorOptions> = {}): DynamicModule {
    return {
      module: BaselinerAppModule,
      imports: [
        PlatformModule.forRoot(options),
        ControlModule,
        IntakeModule,
        OtlpIntakeModule,
        ...(options.config.kafka ? [KafkaIntakeModule.forRoot()] : []),
        ProjectorModule.forRoot(projector),
        WebModule,
      ],
    };
  }
}
