import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type PlatformOptions } from '@baseliner/platform';
import { ProjectorModule } from '@baseliner/projector';

/** The read side alone: projection, scorecards, /metrics. */
@Module({})
export class ProjectorAppModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    return { module: ProjectorAppModule, imports: [PlatformModule.forRoot(options), ProjectorModule.forRoot()] };
  }
}
