import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DeploymentRegistry, DeploymentRegistryModule } from '@baseliner/control';
import { EVENT_STORE, type EventStore } from '@baseliner/event-store';
import { SECRETS, toErrorResponse, type Secrets } from '@baseliner/platform';
import { ActorPseudonymiser } from './actor-pseudonymiser';
import { EventsController } from './events.controller';
import { IngestKeyGuard, type IngestRequest } from './ingest-key.guard';
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
export class IntakeModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly guard: IngestKeyGuard,
  ) {}

  /** Authenticate POST /v1/events from its headers, before Fastify reads the body. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.method !== 'POST' || request.url.split('?')[0] !== '/v1/events') return;
      try {
        (request as IngestRequest).ingest = this.guard.authenticate(request);
      } catch (error) {
        const response = toErrorResponse(error);
        return reply.code(response.status).headers({ ...response.headers, connection: 'close' }).send(response.body);
      }
    });
  }
}
