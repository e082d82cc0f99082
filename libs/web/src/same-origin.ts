import type { FastifyRequest } from 'fastify';

/** A form posted from another site (login CSRF): its Origin names another host than ours. */
export function isCrossSite(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (!origin || origin === 'null') return origin === 'null';
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true;
  }
}

/** Where to go after sign-in: only a path on this site, never another origin ("//evil", "https://…"). */
export function pathOnThisSite(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/';
}
