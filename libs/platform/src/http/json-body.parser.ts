import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { INTAKE_CONTENT_TYPES, INTAKE_LIMITS } from '@baseliner/contracts';
import { ApiError } from './api-error';

const gunzipAsync = promisify(gunzip);
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const limit = INTAKE_LIMITS.maxBodyBytes;

/** Bodies at least this large wait for a turn to be parsed; smaller ones cost too little to matter. */
export const PARSE_TURN_FROM_BYTES = 16 * 1024;

/** At most this many iterations in a row are given to accepting connections before the next slice. */
const MAX_ACCEPT_ITERATIONS = 128;

/**
 * CPU-heavy request work in slices, one slice per event-loop iteration, and connections waiting
 * to be accepted first.
 *
 * Why: Node (libuv ≥ 1.45) accepts one connection per event-loop iteration. A server whose
 * iterations take tens of milliseconds accepts a few dozen connections a second, whatever its
 * CPU: under an overload of new connections the kernel's accept queue (511) fills, clients and
 * health probes wait in SYN retries until they time out, and the in-flight limit never even
 * sees the requests it would shed. Parsed in the callback that completes a body, every body
 * that completed in the same poll phase was parsed, validated and encoded back to back
 * (~25 ms each for 1,000 events, several times that on a starved CPU): iterations of hundreds
 * of milliseconds, seconds under overload. Here a parse (≤ 1 MiB) is one slice, each few
 * milliseconds of validation another (`IntakeService`); after a slice the loop runs at least one
 * iteration without one, and more as long as each accepts a connection (up to
 * MAX_ACCEPT_ITERATIONS): the accept queue drains before the next slice, so requests are shed,
 * probes answered and new work admitted at the rate they come, and a server with no new
 * connections (keep-alive clients) loses one cheap iteration per slice.
 *
 * Two lanes, served in order: work on a request already started (its validation) before a new
 * request's parse. So requests are worked through one at a time, and one batch of parsed
 * events is alive at a time rather than every admitted body's.
 */
export class EventLoopTurns {
  private readonly continuing: (() => void)[] = [];
  private readonly starting: (() => void)[] = [];
  private running = false;
  private accepted = 0;
  private acceptedBefore = 0;
  private acceptIterations = 0;

  /** `server`: its connections are counted, to accept waiting ones between slices. */
  constructor(server?: { on(event: 'connection', listener: () => void): unknown }) {
    server?.on('connection', () => (this.accepted += 1));
  }

  /** A turn for the next slice of work already under way (served first). */
  continue(): Promise<void> {
    return this.wait(this.continuing);
  }

  /** A turn to start new work, such as parsing a body. */
  start(): Promise<void> {
    return this.wait(this.starting);
  }

  /** Slices waiting for their turn. */
  get waiting(): number {
    return this.continuing.length + this.starting.length;
  }

  private wait(lane: (() => void)[]): Promise<void> {
    return new Promise((resolve) => {
      lane.push(resolve);
      if (this.running) return;
      this.running = true;
      setImmediate(this.grant);
    });
  }

  // The granted slice runs right after this callback (its promise's continuation, before the next
  // immediate); then at least one iteration without a slice.
  private readonly grant = (): void => {
    const next = this.continuing.shift() ?? this.starting.shift();
    this.acceptedBefore = this.accepted;
    this.acceptIterations = 0;
    setImmediate(this.pause);
    next?.();
  };

  // An iteration that accepted a connection may have left more in the queue: another iteration.
  private readonly pause = (): void => {
    if (this.accepted !== this.acceptedBefore && this.acceptIterations < MAX_ACCEPT_ITERATIONS) {
      this.acceptedBefore = this.accepted;
      this.acceptIterations += 1;
      setImmediate(this.pause);
    } else if (this.waiting > 0) {
      setImmediate(this.grant);
    } else {
      this.running = false;
    }
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The server's turns for CPU-heavy request work (see EventLoopTurns): large bodies are parsed in them, and a route's own heavy work can take its slices there too. */
    eventLoopTurns: EventLoopTurns;
  }
}

/** The body as sent, gunzipped when it says `Content-Encoding: gzip` (at most 1 MiB decompressed). */
export async function decodeContentEncoding(request: FastifyRequest, raw: Buffer): Promise<Buffer> {
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
 * at most 1 MiB after decompression. An empty body parses as "no body". Bodies of 16 KiB or
 * more are parsed in the server's `eventLoopTurns`.
 */
export function registerJsonBodyParser(fastify: FastifyInstance): void {
  const turns = new EventLoopTurns(fastify.server);
  fastify.decorate('eventLoopTurns', turns);
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    [...INTAKE_CONTENT_TYPES],
    { parseAs: 'buffer', bodyLimit: limit },
    (request: FastifyRequest, raw: Buffer, done: (error: Error | null, body?: unknown) => void) => {
      decodeContentEncoding(request, raw).then(
        (bytes) => (bytes.length >= PARSE_TURN_FROM_BYTES ? turns.start().then(() => parse(request, bytes, done)) : parse(request, bytes, done)),
        (error: Error) => done(error),
      );
    },
  );
}

/**
 * A JSON body's text: 415 for a charset other than UTF-8, 400 when the bytes are not valid UTF-8.
 * Fatal decoding: a replacement character would make distinct ids (and any text) equal.
 */
export function utf8Text(request: FastifyRequest, bytes: Buffer): string {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(String(request.headers['content-type'] ?? ''))?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new ApiError(415, 'unsupported_charset', `charset=${charset.slice(0, 40)} is not supported: JSON is sent as UTF-8 (charset=utf-8, or no charset)`);
  }
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new ApiError(400, 'invalid_utf8', 'The body is not valid UTF-8: send JSON encoded as UTF-8');
  }
}

function parse(request: FastifyRequest, bytes: Buffer, done: (error: Error | null, body?: unknown) => void): void {
  if (request.raw.socket?.destroyed) {
    // Its client left while it waited: parsing it would only take a turn from those still waiting.
    return done(new ApiError(499, 'client_gone', 'The client closed the connection before the body was parsed; nothing was stored'));
  }
  if (bytes.length === 0) return done(null, undefined);
  let text: string;
  try {
    text = utf8Text(request, bytes);
  } catch (error) {
    return done(error as ApiError);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    // Only the position: the parser's own message quotes the body, which may hold personal data.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    return done(new ApiError(400, 'invalid_json', `The body is not valid JSON${position ? ` (at character ${position})` : ''}: check its syntax`));
  }
  done(null, body);
}
