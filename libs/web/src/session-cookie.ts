import type { FastifyRequest } from 'fastify';

/**
 * The session cookie: it holds an opaque session id (ViewerSessions), never a token. Script
 * cannot read it, other sites' requests do not carry it, HTTPS keeps it to HTTPS.
 */
export const SESSION_COOKIE = 'baseliner_session';

/** The session id the browser sent, decoded; undefined when absent or unreadable. */
export function sessionIdOf(request: FastifyRequest): string | undefined {
  for (const part of cookieParts(request)) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return safeDecode(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** Whether the request carries the session cookie at all, readable or not. */
export function hasSessionCookie(request: FastifyRequest): boolean {
  return cookieParts(request).some((part) => part.includes('=') && part.slice(0, part.indexOf('=')).trim() === SESSION_COOKIE);
}

/** The Set-Cookie value that hands the browser a session id for `maxAgeSeconds`. */
export function setSessionCookie(request: FastifyRequest, sessionId: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${sessionId}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}${isHttps(request) ? '; Secure' : ''}`;
}

/** The Set-Cookie value that makes the browser drop its session cookie. */
export function clearSessionCookie(request: FastifyRequest): string {
  return setSessionCookie(request, '', 0);
}

function cookieParts(request: FastifyRequest): string[] {
  return String(request.headers.cookie ?? '').split(';');
}

/** A malformed percent-encoding (`%E0%A4%A`) is no cookie at all: the sign-in page, never a 500. */
function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

function isHttps(request: FastifyRequest): boolean {
  return request.protocol === 'https' || String(request.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim() === 'https';
}
