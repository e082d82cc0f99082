import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { INGEST_KEY_PREFIX } from '@baseliner/domain';
import { SECRETS, type Secrets } from '../config/secrets';
import { ApiError } from '../http/api-error';
import { bearerToken, secretsEqual, sha256Hex } from './bearer-token';

/** The control API needs the admin token as a bearer token. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expectedHash: string;

  constructor(@Inject(SECRETS) secrets: Secrets) {
    this.expectedHash = sha256Hex(secrets.adminToken);
  }

  canActivate(context: ExecutionContext): boolean {
    const token = bearerToken(context.switchToHttp().getRequest<FastifyRequest>());
    if (!token || !secretsEqual(token, this.expectedHash)) {
      if (token?.startsWith(INGEST_KEY_PREFIX)) {
        throw new ApiError(
          401,
          'unauthorized',
          'This is an ingest key (blk_…): it only sends events to POST /v1/events. The control API needs the admin token as "Authorization: Bearer <token>" (printed on first start, saved in <data dir>/secrets/admin-token)',
        );
      }
      throw new ApiError(
        401,
        'unauthorized',
        'Send the admin token as "Authorization: Bearer <token>" (printed on first start, saved in <data dir>/secrets/admin-token)',
      );
    }
    return true;
  }
}
