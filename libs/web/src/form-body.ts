import type { FastifyInstance } from 'fastify';
import { ApiError } from '@baseliner/platform';

/** The sign-in and sign-out forms are the only forms: small, plain URL-encoded. */
const FORM_BODY_LIMIT = 8 * 1024;
const FORM_ROUTES = new Set(['/sign-in', '/sign-out']);

/** Parses URL-encoded bodies for the two form routes; anywhere else such a body is a 415. */
export function acceptSignInForms(fastify: FastifyInstance): void {
  if (fastify.hasContentTypeParser('application/x-www-form-urlencoded')) return;
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (request, body, done) => {
    if (!FORM_ROUTES.has(request.routeOptions?.url ?? '')) {
      done(new ApiError(415, 'unsupported_media_type', 'Send JSON (application/json); forms are taken only by /sign-in and /sign-out'));
      return;
    }
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}
