import { DomainError } from '@baseliner/domain';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from '@baseliner/event-store';
import { HttpException } from '@nestjs/common';
import type { ErrorBody, FieldError } from '@baseliner/contracts';

/** An error meant for the caller: status, a stable code, a message that says what to do. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldError[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static validation(errors: FieldError[], what = 'The request body'): ApiError {
    const summary = errors.map((e) => (e.field ? `${e.field} ${e.message}` : e.message)).join('; ');
    return new ApiError(422, 'validation_failed', `${what} is not valid: ${summary}`, errors);
  }
}

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: ErrorBody;
}

const DOMAIN_STATUS = { validation_failed: 422, conflict: 409, not_found: 404 } as const;

// Fastify's own errors (body parsing, limits, media types) carry a statusCode and an FST_ code.
const FASTIFY_ERRORS: Record<string, { status: number; error: string; message: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    error: 'unsupported_media_type',
    message: 'Unsupported Content-Type: send application/json (or application/cloudevents+json, application/cloudevents-batch+json for events)',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, error: 'payload_too_large', message: 'The body is larger than 1 MiB: send smaller batches' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, error: 'invalid_body', message: 'Content-Length does not match the body' },
  // Raised by the router before any route runs (answered through `frameworkErrors`).
  FST_ERR_BAD_URL: { status: 400, error: 'invalid_url', message: 'The URL is not valid percent-encoding: encode reserved characters (a literal % is %25)' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, error: 'uri_too_long', message: 'A path segment is longer than 100 characters: deployment ids are at most 63, key ids shorter' },
};

const HTTP_CODES: Record<number, string> = { 400: 'bad_request', 404: 'not_found', 405: 'method_not_allowed' };

/** One mapping from anything thrown to the JSON error the caller sees. 5xx only for our own faults. */
export function toErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof ApiError) {
    return {
      status: error.status,
      headers: error.headers,
      body: { error: error.code, message: error.message, ...(error.details.length && { details: error.details }) },
    };
  }
  if (error instanceof DomainError) {
    return {
      status: DOMAIN_STATUS[error.code],
      headers: {},
      body: { error: error.code, message: error.message, ...(error.details.length && { details: error.details }) },
    };
  }
  if (error instanceof WrongExpectedRevisionError) {
    return {
      status: 409,
      headers: {},
      body: { error: 'concurrent_change', message: 'The deployment was changed by another request at the same time: read it again and retry' },
    };
  }
  if (error instanceof EventStoreUnavailableError) {
    return {
      status: 503,
      headers: { 'retry-after': '5' },
      body: { error: 'store_unavailable', message: 'The event store is unavailable; nothing was stored. Retry after the Retry-After delay' },
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message = typeof response === 'string' ? response : String((response as { message?: unknown }).message ?? error.message);
    const known = Object.values(FASTIFY_ERRORS).find((e) => e.status === status);
    return { status, headers: {}, body: known ? { error: known.error, message: known.message } : { error: HTTP_CODES[status] ?? 'http_error', message } };
  }
  const fastify = error as { code?: string; statusCode?: number; message?: string };
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    const known = fastify.code ? FASTIFY_ERRORS[fastify.code] : undefined;
    return {
      status: fastify.statusCode,
      headers: {},
      body: known ? { error: known.error, message: known.message } : { error: 'bad_request', message: fastify.message ?? 'Bad request' },
    };
  }
  return { status: 500, headers: {}, body: { error: 'internal_error', message: 'Something went wrong on our side; it has been logged' } };
}
