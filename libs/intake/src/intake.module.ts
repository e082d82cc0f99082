import { Module, RequestMethod, type OnModuleInit } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toErrorResponse } from '@baseliner/platform';
import { EventsController } from './events.controller';
import { IngestAuthModule } from './ingest-authenticator';
import { IntakeAdmission } from './intake-admission';
import { IngestKeyGuard, type IngestRequest } from './ingest-key.guard';

// The shared ingest-key check and admission, for the other transports (Kafka, OTLP) to import.
export { IntakeAdmission } from './intake-admission';
export type { AuthenticatedIngest } from './ingest-key.guard';
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
  providers: [IngestKeyGuard, IntakeAdmission],
  exports: [IngestAuthModule, IntakeAdmission],
})
export class IntakeModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly admission: IntakeAdmission,
  ) {}

  /**
   * For every request the router sends to the intake's route, from its headers, before Fastify
   * reads the body: authenticate, then shed load (`IntakeAdmission`). The route is the one the
   * router matched, not the URL as sent: `/v1/%65vents` or `/v1/events?x` reach the same handler, so the same checks.
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
        (request as IngestRequest).ingest = this.admission.admit(request, reply);
      } catch (error) {
        return refuse(error);
      }
    });
  }
}
