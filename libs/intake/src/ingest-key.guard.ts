import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError, bearerToken } from '@baseliner/platform';
import { IngestAuthenticator, type IngestTransport } from './ingest-authenticator';

export interface AuthenticatedIngest {
  keyId: string;
  deploymentId: string;
}

export type IngestRequest = FastifyRequest & { ingest?: AuthenticatedIngest };

/**
 * The ingest key of an HTTP request (`IngestAuthenticator`: the same check as Kafka's). It runs
 * as a Fastify onRequest hook on the intake's route (`IntakeModule`), before the body is read: a
 * client without a valid key costs a header check, not a 1 MiB read and parse. As a Nest guard it
 * only confirms the hook ran.
 */
@Injectable()
export class IngestKeyGuard implements CanActivate {
  constructor(private readonly authenticator: IngestAuthenticator) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<IngestRequest>();
    request.ingest ??= this.authenticate(request);
    return true;
  }

  /** The key's deployment, or an ApiError (401, or 429 for the key's or the address's rate). */
  authenticate(request: FastifyRequest, transport: IngestTransport = 'http'): AuthenticatedIngest {
    const result = this.authenticator.authenticate(bearerToken(request), { transport, address: request.ip });
    if (result.ok) return { keyId: result.keyId, deploymentId: result.deploymentId };
    const code = result.status === 429 ? 'rate_limited' : 'unauthorized';
    const headers = result.retryAfterSeconds !== undefined ? { 'retry-after': String(result.retryAfterSeconds) } : undefined;
    throw new ApiError(result.status, code, result.message, [], headers);
  }
}
