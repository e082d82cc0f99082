import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { INTAKE_CONTENT_TYPES, INTAKE_LIMITS } from '@baseliner/contracts';
import { ApiError } from './api-error';

const gunzipAsync = promisify(gunzip);
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const limit = INTAKE_LIMITS.maxBodyBytes;

async function decode(request: FastifyRequest, raw: Buffer): Promise<Buffer> {
  const encoding = String(request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return raw;
  if (encoding !== 'gzip' && encoding !== 'x-gzip') {
    throw new ApiError(415, 'unsupported_encoding', `Content-Encoding ${encoding} is not supported: send gzip or no encoding`);
  }
  try {
    return await gunzipAsync(raw, { maxOutputLength: limit });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw new ApiError(413, 'payload_too_large', `The decompressed body is larger than ${limit} bytes: send smaller batches`);
    }
    throw new ApiError(400, 'invalid_body', 'The body is not valid gzip: compress it with gzip or drop Content-Encoding');
  }
}

/**
 * JSON bodies for every route: the three content types the intake accepts, optionally gzipped,
 * at most 1 MiB after decompression. An empty body parses as "no body".
 */
export function registerJsonBodyParser(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    [...INTAKE_CONTENT_TYPES],
    { parseAs: 'buffer', bodyLimit: limit },
    (request: FastifyRequest, raw: Buffer, done: (error: Error | null, body?: unknown) => void) => {
      decode(request, raw).then(
        (bytes) => {
          if (bytes.length === 0) return done(null, undefined);
          const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(String(request.headers['content-type'] ?? ''))?.[1]?.toLowerCase();
          if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
            return done(new ApiError(415, 'unsupported_charset', `charset=${charset.slice(0, 40)} is not supported: JSON is sent as UTF-8 (charset=utf-8, or no charset)`));
          }
          let text: string;
          try {
            // Fatal: a replacement character would make distinct ids (and any text) equal.
            text = strictUtf8.decode(bytes);
          } catch {
            return done(new ApiError(400, 'invalid_utf8', 'The body is not valid UTF-8: send JSON encoded as UTF-8'));
          }
          try {
            done(null, JSON.parse(text));
          } catch (error) {
            // Only the position: the parser's own message quotes the body, which may hold personal data.
            const position = /position (\d+)/.exec((error as Error).message)?.[1];
            done(new ApiError(400, 'invalid_json', `The body is not valid JSON${position ? ` (at character ${position})` : ''}: check its syntax`));
          }
        },
        (error: Error) => done(error),
      );
    },
  );
}
