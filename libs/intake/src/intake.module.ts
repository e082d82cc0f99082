import { Inject, Module, RequestMethod, type OnModuleInit } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, APP_CONFIG, toErrorResponse, type AppConfig } from '@baseliner/platform';
import { EventsController } from './events.controller';
import { IngestAuthModule } from './ingest-authenticator';
import { IngestKeyGuard, type IngestRequest } from './ingest-key.guard';

// The shared ingest-key check, for the other transports (Kafka, a later OTLP intake) to import.
export { FAILED_AUTH_PER_SECOND, IngestAuthenticator, IngestAuthModule } from './ingest-authenticator';
export type { IngestAuthentication, IngestClient, IngestRefusal, IngestTransport } from './ingest-authenticator';

/** The intake's route as the router knows it (`/v1/events`), from the controller's own metadata. */
function intakeRoute(): { method: string; url: string } {
  const path = `/${String(Reflect.getMetadata(PATH_METADATA, EventsController)).replace(/^\/+/, '')}`;
  const handlerPath = String(Reflect.getMetadata(PATH_METADATA, EventsController.prototype.post) ?? '/');
  const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, EventsController.prototype.post) as RequestMethod];
  return { method, url: handlerPath === '/' ? path : `${path}/${handlerPath.replace(/^\/+/, '')}` };
}

/** `POST /v1/events`: the HTTP intake of telemetry events. */
@Module({
  imports: [IngestAuthModule],
  controllers: [EventsController],
  providers: [IngestKeyGuard],
  exports: [IngestAuthModule],
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
   * For every request the router sends to the intake's route, from its headers, before Fastify
   * reads the body: authenticate, then shed load — beyond `BASELINER_INTAKE_MAX_IN_FLIGHT`
   * requests at once, answer 503 with Retry-After straight away rather than queue without bound
   * (memory, latency and /healthz all suffer). The route is the one the router matched, not the
   * URL as sent: `/v1/%65vents` or `/v1/events?x` reach the same handler, so the same checks.
   * A refusal closes the connection (`Connection: close`; the platform ends the socket if the
   * client keeps it open with a body that is never read).
   */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    const route = intakeRoute();
    fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.routeOptions.url !== route.url || request.routeOptions.method !== route.method) return;
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
