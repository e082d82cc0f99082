import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, APP_CONFIG, type AppConfig } from '@baseliner/platform';
import type { IngestTransport } from './ingest-authenticator';
import { IngestKeyGuard, type AuthenticatedIngest } from './ingest-key.guard';

/**
 * The gate every HTTP intake request passes from its headers, before its body is read, whatever
 * route it came by (`POST /v1/events`, the OTLP routes): the ingest key (`IngestKeyGuard`), then
 * shedding — beyond `BASELINER_INTAKE_MAX_IN_FLIGHT` requests at once, across all intake routes,
 * a request is refused with 503 and Retry-After straight away rather than queued without bound
 * (memory, latency and /healthz all suffer).
 */
@Injectable()
export class IntakeAdmission {
  /** Intake requests between authentication and their answer (or their client leaving). */
  private inFlight = 0;

  constructor(
    private readonly guard: IngestKeyGuard,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The key's deployment, the request counted in flight until its reply closes; or an ApiError (401, 429, 503). */
  admit(request: FastifyRequest, reply: FastifyReply, transport: IngestTransport = 'http'): AuthenticatedIngest {
    const ingest = this.guard.authenticate(request, transport);
    if (this.inFlight >= this.config.intakeMaxInFlight) {
      throw new ApiError(503, 'overloaded', 'The intake is at capacity; nothing was stored. Retry after the Retry-After delay', [], { 'retry-after': '1' });
    }
    this.inFlight += 1;
    reply.raw.once('close', () => (this.inFlight -= 1));
    return ingest;
  }
}
