import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, APP_CONFIG, toErrorResponse, type AppConfig } from '@baseliner/platform';
import { EventsController } from './events.controller';
import { IngestKeyGuard, type IngestRequest } from './ingest-key.guard';
import { IntakeCoreModule } from './intake-core.module';

/** `POST /v1/events`: the HTTP intake of telemetry events. */
@Module({
  imports: [IntakeCoreModule],
  controllers: [EventsController],
  providers: [IngestKeyGuard],
  exports: [IntakeCoreModule],
})
export class IntakeModule implements OnModuleInit {
  /** Intake requests between authentication and their answer (or their client leaving). */
  private inFlight = 0;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly guard: IngestKeyGuard,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * For POST /v1/events, from its headers, before Fastify reads the body: authenticate, then shed
   * load — beyond `BASELINER_INTAKE_MAX_IN_FLIGHT` requests at once, answer 503 with Retry-After
   * straight away rather than queue without bound (memory, latency and /healthz all suffer).
   */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.method !== 'POST' || request.url.split('?')[0] !== '/v1/events') return;
      const refuse = (error: unknown) => {
        const response = toErrorResponse(error);
        return reply.code(response.status).headers({ ...response.headers, connection: 'close' }).send(response.body);
      };
      try {
        (request as IngestRequest).ingest = this.guard.authenticate(request);
      } catch (error) {
        return refuse(error);
      }
      if (this.inFlight >= this.config.intakeMaxInFlight) {
        return refuse(new ApiError(503, 'overloaded', 'The intake is at capacity; nothing was stored. Retry after the Retry-After delay', [], { 'retry-after': '1' }));
      }
      this.inFlight += 1;
      reply.raw.once('close', () => (this.inFlight -= 1));
    });
  }
}
