import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DeploymentRegistry, parseIngestKey } from '@baseliner/control';
import { APP_CONFIG, ApiError, bearerToken, CLOCK, SECRETS, secretsEqual, sha256Hex, type AppConfig, type Clock, type Secrets } from '@baseliner/platform';
import { TokenBuckets } from './token-bucket';

export interface AuthenticatedIngest {
  keyId: string;
  deploymentId: string;
}

export type IngestRequest = FastifyRequest & { ingest?: AuthenticatedIngest };

const UNAUTHORIZED =
  'Send the deployment’s ingest key as "Authorization: Bearer blk_…" (POST /v1/deployments/{id}/keys issues one)';

/** Failed authentications allowed per client address: sustained per second, with twice that as a burst. */
const FAILED_AUTH_PER_SECOND = 10;

/**
 * Authenticates the ingest key (hash compared in constant time), then applies its rate limit.
 * It runs as a Fastify onRequest hook for POST /v1/events (`IntakeModule`), before the body is
 * read: a client without a valid key costs a header check, not a 1 MiB read and parse. Failed
 * attempts are rate-limited per client address. As a Nest guard it only confirms the hook ran.
 */
@Injectable()
export class IngestKeyGuard implements CanActivate {
  private readonly limits: TokenBuckets;
  private readonly failures = new TokenBuckets(FAILED_AUTH_PER_SECOND);
  private readonly adminTokenHash: string;

  constructor(
    private readonly registry: DeploymentRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(SECRETS) secrets: Secrets,
  ) {
    this.limits = new TokenBuckets(config.ingestRateLimit);
    this.adminTokenHash = sha256Hex(secrets.adminToken);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<IngestRequest>();
    request.ingest ??= this.authenticate(request);
    return true;
  }

  /** The key's deployment, or an ApiError (401, or 429 for the key's or the address's rate). */
  authenticate(request: FastifyRequest): AuthenticatedIngest {
    const now = this.clock.now().getTime();
    const token = bearerToken(request);
    const parsed = token ? parseIngestKey(token) : undefined;
    const entry = parsed ? this.registry.findKey(parsed.keyId) : undefined;
    const valid = parsed && entry && secretsEqual(parsed.secret, entry.keyHash);
    if (!valid || entry.revoked) {
      const wait = this.failures.take(request.ip, now);
      if (wait > 0) throw rateLimited(wait, 'Too many requests without a valid ingest key from this address; nothing was stored');
      if (!parsed && token && secretsEqual(token, this.adminTokenHash)) {
        throw new ApiError(401, 'unauthorized', `This is the admin token: it is for the control API (/v1/deployments…), not for sending events. ${UNAUTHORIZED}`);
      }
      if (!valid) throw new ApiError(401, 'unauthorized', `Missing or unknown ingest key. ${UNAUTHORIZED}`);
      throw new ApiError(401, 'unauthorized', `This ingest key was revoked. ${UNAUTHORIZED}`);
    }
    const waitSeconds = this.limits.take(parsed.keyId, now);
    if (waitSeconds > 0) throw rateLimited(waitSeconds, 'Too many requests for this key; nothing was stored', ', or send larger batches');
    return { keyId: parsed.keyId, deploymentId: entry.deploymentId };
  }
}

function rateLimited(waitSeconds: number, what: string, advice = ''): ApiError {
  return new ApiError(429, 'rate_limited', `${what}. Retry after ${waitSeconds} s${advice}`, [], { 'retry-after': String(waitSeconds) });
}
