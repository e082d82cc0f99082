import { Module, type DynamicModule } from '@nestjs/common';
import { ControlModule } from '@baseliner/control';
import { IntakeModule } from '@baseliner/intake';
import { OtlpIntakeModule } from '@baseliner/otlp-intake';
import { PlatformModule, type PlatformOptions } from '@baseliner/platform';

/** The write side alone: event intake (HTTP and OTLP) and deployment control, no read models beyond the registry. */
@Module({})
export class IntakeAppModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    return { module: IntakeAppModule, imports: [PlatformModule.forRoot(options), ControlModule, IntakeModule, OtlpIntakeModule] };
  }
}
