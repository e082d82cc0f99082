import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '@baseliner/platform';
import { ViewerAccess } from './viewer-access';
import { ViewerSessions } from './viewer-sessions';
import { WebController } from './web.controller';

/** The sign-in and sign-out forms are the only forms: small, plain URL-encoded. */
const FORM_BODY_LIMIT = 8 * 1024;
const FORM_ROUTES = new Set(['/sign-in', '/sign-out']);

/** Server-rendered pages over the projector's read models; needs the ProjectorModule in the same app. */
@Module({ controllers: [WebController], providers: [ViewerAccess, ViewerSessions] })
export class WebModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || fastify.hasContentTypeParser('application/x-www-form-urlencoded')) return;
    fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (request, body, done) => {
      if (!FORM_ROUTES.has(request.routeOptions?.url ?? '')) {
        done(new ApiError(415, 'unsupported_media_type', 'Send JSON (application/json); forms are taken only by /sign-in and /sign-out'));
        return;
      }
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
  }
}
