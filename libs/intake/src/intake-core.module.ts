import { Module } from '@nestjs/common';
import { DeploymentRegistry, DeploymentRegistryModule } from '@baseliner/control';
import { EVENT_STORE, type EventStore } from '@baseliner/event-store';
import { SECRETS, type Secrets } from '@baseliner/platform';
import { ActorPseudonymiser } from './actor-pseudonymiser';
import { IntakeMetrics } from './intake.metrics';
import { IntakeService } from './intake.service';

/** The intake without a transport: validation, pseudonymisation, storage and its counters. HTTP and Kafka both use it. */
@Module({
  imports: [DeploymentRegistryModule],
  providers: [
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
  exports: [IntakeService, IntakeMetrics, DeploymentRegistryModule],
})
export class IntakeCoreModule {}
