import type { FastifyReply, FastifyRequest } from 'fastify';
import { gzipSync } from 'node:zlib';
import { SECURITY_HEADERS } from './security-headers';

/** Smaller bodies are sent as they are: gzip would save little and cost a buffer. */
const GZIP_ABOVE_CHARS = 1024;

/** An HTML page with the pages' headers, gzipped when the browser takes it (a 1,000-row portfolio shrinks about tenfold). */
export function sendHtml(request: FastifyRequest, reply: FastifyReply, status: number, body: string): void {
  const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? '')) && body.length > GZIP_ABOVE_CHARS;
  void reply
    .code(status)
    .headers({ ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', vary: 'accept-encoding', ...(gzip && { 'content-encoding': 'gzip' }) })
    .send(gzip ? gzipSync(body, { level: 6 }) : body);
}
