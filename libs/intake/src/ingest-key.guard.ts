import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DeploymentRegistry, parseIngestKey } from '@baseliner/control';
import { APP_CONFIG, ApiError, bearerToken, CLOCK, secretsEqual, type AppConfig, type Clock } from '@baseliner/platform';
import { TokenBuckets } from './token-bucket';

export interface AuthenticatedIngest {
  keyId: string;
  deploymentId: string;
}

export type IngestRequest = FastifyRequest & { ingest?: AuthenticatedIngest };

const UNAUTHORIZED =
  'Send the deployment’s ingest key as "Authorization: Bearer blk_…" (POST /v1/deployments/{id}/keys issues one)';

/** Authenticates the ingest key (hash compared in constant time), then applies its rate limit. */
@Injectable()
export class IngestKeyGuard implements CanActivate {
  private readonly limits: TokenBuckets;

  constructor(
    private readonly registry: DeploymentRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.limits = new TokenBuckets(config.ingestRateLimit);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<IngestRequest>();
    const token = bearerToken(request);
    const parsed = token ? parseIngestKey(token) : undefined;
    const entry = parsed ? this.registry.findKey(parsed.keyId) : undefined;
    if (!parsed || !entry || !secretsEqual(parsed.secret, entry.keyHash)) {
      throw new ApiError(401, 'unauthorized', `Missing or unknown ingest key. ${UNAUTHORIZED}`);
    }
    if (entry.revoked) throw new ApiError(401, 'unauthorized', `This ingest key was revoked. ${UNAUTHORIZED}`);
    const waitSeconds = this.limits.take(parsed.keyId, this.clock.now().getTime());
    if (waitSeconds > 0) {
      throw new ApiError(
        429,
        'rate_limited',
        `Too many requests for this key; nothing was stored. Retry after ${waitSeconds} s, or send larger batches`,
        [],
        { 'retry-after': String(waitSeconds) },
      );
    }
    request.ingest = { keyId: parsed.keyId, deploymentId: entry.deploymentId };
    return true;
  }
}
