import { Global, Module, type DynamicModule } from '@nestjs/common';
import { CACHED_METRICS, VERDICT_SOURCE } from '@baseliner/platform';
import { PROJECTOR_OPTIONS, ProjectorService, type ProjectorOptions } from './projector.service';
import { ScorecardController } from './scorecard.controller';

export const DEFAULT_PROJECTOR_OPTIONS: ProjectorOptions = { evaluateEveryMs: 5_000, snapshotEveryMs: 30_000 };

/** The read side: projection, scorecards, per-deployment metrics. Global so /metrics and listings find it. */
@Global()
@Module({})
export class ProjectorModule {
  static forRoot(options: Partial<ProjectorOptions> = {}): DynamicModule {
    return {
      module: ProjectorModule,
      controllers: [ScorecardController],
      providers: [
        { provide: PROJECTOR_OPTIONS, useValue: { ...DEFAULT_PROJECTOR_OPTIONS, ...options } },
        ProjectorService,
        { provide: CACHED_METRICS, useExisting: ProjectorService },
        { provide: VERDICT_SOURCE, useExisting: ProjectorService },
      ],
      exports: [ProjectorService, CACHED_METRICS, VERDICT_SOURCE],
    };
  }
}
