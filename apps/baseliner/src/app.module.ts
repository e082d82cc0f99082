import { Module, type DynamicModule } from '@nestjs/common';
import { ControlModule } from '@baseliner/control';
import { IntakeModule } from '@baseliner/intake';
import { PlatformModule, type PlatformOptions } from '@baseliner/platform';

/** Everything in one process on one port, on the embedded store. */
@Module({})
export class BaselinerAppModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    return { module: BaselinerAppModule, imports: [PlatformModule.forRoot(options), ControlModule, IntakeModule] };
  }
}
