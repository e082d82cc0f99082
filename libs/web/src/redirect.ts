import type { FastifyReply } from 'fastify';
import { SECURITY_HEADERS } from './security-headers';

/** 303 to `location` with the pages' headers, and a cookie to set or drop when given. */
export function redirect(reply: FastifyReply, location: string, setCookie?: string): void {
  void reply
    .code(303)
    .headers({ ...SECURITY_HEADERS, location, ...(setCookie !== undefined && { 'set-cookie': setCookie }) })
    .send();
}
