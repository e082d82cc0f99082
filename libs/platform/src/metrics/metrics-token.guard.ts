import { Inject, Injectable, Logger, type CanActivate, type ExecutionContext, type OnApplicationBootstrap } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { bearerToken, secretsEqual, sha256Hex } from '../auth/bearer-token';
import { SECRETS, type Secrets } from '../config/secrets';
import { ApiError } from '../http/api-error';

/**
 * GET /metrics with BASELINER_METRICS_TOKEN set: only "Authorization: Bearer <it>" (as Prometheus'
 * `authorization` scrape setting sends it), compared in constant time. Unset, anyone who reaches
 * the port reads every deployment's name, owner and verdict: said once at start.
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate, OnApplicationBootstrap {
  private readonly expectedHash: string | undefined;

  constructor(@Inject(SECRETS) secrets: Secrets) {
    this.expectedHash = secrets.metricsToken ? sha256Hex(secrets.metricsToken) : undefined;
  }

  onApplicationBootstrap(): void {
    if (this.expectedHash) return;
    new Logger('Metrics').warn(
      "/metrics is open: anyone who can reach this port reads every deployment's name, owner and verdict. " +
        'Set BASELINER_METRICS_TOKEN (24+ random characters) to require "Authorization: Bearer <token>", and give Prometheus the same token',
    );
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expectedHash) return true;
    const token = bearerToken(context.switchToHttp().getRequest<FastifyRequest>());
    if (token && secretsEqual(token, this.expectedHash)) return true;
    throw new ApiError(
      401,
      'unauthorized',
      token
        ? 'That is not the metrics token. /metrics needs "Authorization: Bearer <BASELINER_METRICS_TOKEN>" (the admin token and ingest keys do not open it)'
        : '/metrics needs "Authorization: Bearer <BASELINER_METRICS_TOKEN>". In Prometheus: authorization: { credentials_file: <a file holding the token> } in the scrape job',
      [],
      { 'www-authenticate': 'Bearer realm="metrics"' },
    );
  }
}
