import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type PlatformOptions } from '@baseliner/platform';
import { WebModule } from '@baseliner/web';
import { ProjectorModule } from '@baseliner/projector';

/** The read side alone: projection, scorecards, /metrics and the pages. */
@Module({})
export class ProjectorAppModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    // It reads the events the intake writes, so it shares the intake's data directory without its writer lock.
    return { module: ProjectorAppModule, imports: [PlatformModule.forRoot({ ...options, readsOnly: true }), ProjectorModule.forRoot(), WebModule] };
  }
}
