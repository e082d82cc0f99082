import { Module } from '@nestjs/common';
import { DeploymentRegistry, DeploymentRegistryModule } from '@baseliner/control';
import { EVENT_STORE, type EventStore } from '@baseliner/event-store';
import { SECRETS, type Secrets } from '@baseliner/platform';
import { ActorPseudonymiser } from './actor-pseudonymiser';
import { EventsController } from './events.controller';
import { IngestKeyGuard } from './ingest-key.guard';
import { IntakeMetrics } from './intake.metrics';
import { IntakeService } from './intake.service';

/** `POST /v1/events`: the HTTP intake of telemetry events. */
@Module({
  imports: [DeploymentRegistryModule],
  controllers: [EventsController],
  providers: [
    IngestKeyGuard,
    IntakeMetrics,
    {
      provide: IntakeService,
      inject: [EVENT_STORE, SECRETS, DeploymentRegistry],
      useFactory: (store: EventStore, secrets: Secrets, registry: DeploymentRegistry) =>
        new IntakeService({
          store,
          pseudonymiser: new ActorPseudonymiser(secrets.actorKey),
          phaseOf: (id) => registry.get(id)?.phase,
        }),
    },
  ],
  exports: [IntakeMetrics],
})
export class IntakeModule {}
