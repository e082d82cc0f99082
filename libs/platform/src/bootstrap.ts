import 'reflect-metadata';
import { ConsoleLogger, NotFoundException, type DynamicModule, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, writeFileSync } from 'node:fs';
import { INTAKE_LIMITS } from '@baseliner/contracts';
import type { EventStore } from '@baseliner/event-store';
import type { Clock } from './clock';
import type { AppConfig } from './config/configuration';
import { resolveSecrets, type Secrets } from './config/secrets';
import { toErrorResponse } from './http/api-error';
import { registerJsonBodyParser } from './http/json-body.parser';
import type { PlatformOptions } from './platform.module';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export interface BootOptions {
  config: AppConfig;
  clock?: Clock;
  eventStore?: EventStore;
  /** Print the generated admin token banner (off in tests). */
  announce?: boolean;
}

export interface RunningServer {
  app: NestFastifyApplication;
  url: string;
  secrets: Secrets;
  close(): Promise<void>;
}

export function createLogger(config: AppConfig): ConsoleLogger {
  return new ConsoleLogger({
    json: config.logFormat === 'json',
    colors: config.logFormat === 'text' && process.stdout.isTTY,
    logLevels: LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1),
  });
}

/** Builds, configures and starts one of the Baseliner apps on Fastify. */
export async function bootServer(
  rootModule: (platform: PlatformOptions) => DynamicModule,
  options: BootOptions,
): Promise<RunningServer> {
  const { config } = options;
  const secrets = resolveSecrets(config);
  const adapter = new FastifyAdapter({
    logger: false,
    bodyLimit: INTAKE_LIMITS.maxBodyBytes,
    return503OnClosing: true,
    // A client that stalls (headers or a body promised by Content-Length that never comes) gives
    // its socket back after the idle timeout instead of holding it for ever. Between requests, an
    // idle keep-alive connection has Fastify's keepAliveTimeout instead (72 s: longer than a load
    // balancer's own idle timeout, so that it never reuses a connection just closed here).
    connectionTimeout: config.idleTimeoutSeconds * 1000,
    ...requestDeadline(config),
    // Bad URLs and over-long path segments fail in the router, before Nest's exception filter:
    // answer them with the API's own error body.
    frameworkErrors: (error: Error, _request: unknown, reply: FastifyReply) => {
      const response = toErrorResponse(error);
      void reply.code(response.status).headers(response.headers).send(response.body);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    rootModule({ config, secrets, clock: options.clock, eventStore: options.eventStore }),
    adapter,
    { bodyParser: false, logger: createLogger(config), abortOnError: false },
  );
  registerJsonBodyParser(app.getHttpAdapter().getInstance());
  closeConnectionsOfUnreadBodies(app.getHttpAdapter().getInstance());
  app.enableShutdownHooks();
  try {
    await app.listen(config.port, config.host);
  } catch (error) {
    if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
    // Close what started (the store's writer lock, subscriptions) before saying why.
    await app.close().catch(() => undefined);
    throw new PortInUseError(
      `port ${config.port} on ${config.host} is already in use (another Baseliner, or another program). ` +
        `Stop that one, or start this one on another port: PORT=${config.port + 1} npm start`,
    );
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  // The apps with the read side serve the web pages at /: say where they are.
  const pages = app.getHttpAdapter().getInstance().hasRoute({ method: 'GET', url: '/' });
  if (options.announce !== false) announce(url, secrets, pages);
  return { app, url, secrets, close: () => app.close() };
}

/**
 * `BASELINER_REQUEST_TIMEOUT_SECONDS` as Node enforces it: a request (headers and body) that has
 * not arrived whole by then is answered 408 and its socket closed — a body trickled a byte at a
 * time included, which the idle timeout never sees. Node checks its connections every
 * `connectionsCheckingInterval` (30 s unless told, so a 30 s limit meant up to 60 s) and, with
 * its default 60 s `headersTimeout` above the request timeout, did not expire them at all; here it
 * checks every second (a quarter of the limit when shorter) and the limit is shortened by that
 * much, so that every request is ended within the configured time.
 */
function requestDeadline(config: AppConfig): { requestTimeout: number; http: { connectionsCheckingInterval: number; headersTimeout: number; requestTimeout: number } } {
  const limitMs = config.requestTimeoutSeconds * 1000;
  const checkEveryMs = Math.min(1000, Math.floor(limitMs / 4));
  const enforcedMs = limitMs - checkEveryMs;
  return { requestTimeout: enforcedMs, http: { connectionsCheckingInterval: checkEveryMs, headersTimeout: enforcedMs, requestTimeout: enforcedMs } };
}

/** How long a refused client may keep its connection to read the answer before it is cut. */
export const REFUSED_CONNECTION_GRACE_MS = 1_000;

/**
 * A request answered before its body arrived — refused from its headers (401, 429, 503, 413), or
 * a route that never reads one, or no route at all — must not keep its connection: the body it
 * announced would be read and thrown away for as long as the client cares to send it (or not
 * send it). Such an answer says `Connection: close`, and once it is written the socket is ended;
 * a client that holds it open anyway is cut after `REFUSED_CONNECTION_GRACE_MS`. A request that
 * matches no route and announces a body is answered 404 from its headers, without reading it.
 */
function closeConnectionsOfUnreadBodies(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.is404 || request.raw.complete) return;
    const response = toErrorResponse(new NotFoundException(`Cannot ${request.method} ${request.url.split('?')[0]}`));
    return reply.code(response.status).headers({ ...response.headers, connection: 'close' }).send(response.body);
  });
  fastify.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.raw.complete) reply.header('connection', 'close');
  });
  fastify.addHook('onResponse', async (request: FastifyRequest) => {
    if (request.raw.complete) return;
    const socket = request.raw.socket;
    if (!socket || socket.destroyed) return;
    socket.end();
    const cut = setTimeout(() => socket.destroy(), REFUSED_CONNECTION_GRACE_MS).unref();
    socket.once('close', () => clearTimeout(cut));
  });
}

/** The server could not listen: its port is taken. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
}

/**
 * Where the admin token is, on every start; the token itself until a start has shown it (a first
 * start that failed, e.g. on a busy port, generated it but never showed it).
 */
function announce(url: string, secrets: Secrets, pages: boolean): void {
  const lines = [`Baseliner is listening on ${url}`];
  if (pages) lines.push(`Pages: ${url}/ (sign in with the admin token, or a viewer token: POST /v1/viewer-tokens)`);
  if (secrets.adminTokenFromEnvironment) {
    lines.push('Admin token: from BASELINER_ADMIN_TOKEN');
  } else if (!existsSync(shownMarker(secrets))) {
    lines.push(
      '',
      `Admin token (shown once here; kept in ${secrets.adminTokenPath}, mode 0600):`,
      `  ${secrets.adminToken}`,
      '',
      `  export BASELINER_ADMIN_TOKEN=${secrets.adminToken}`,
    );
    writeFileSync(shownMarker(secrets), `${new Date().toISOString()}\n`, { mode: 0o600 });
  } else {
    lines.push(`Admin token: in ${secrets.adminTokenPath} (export BASELINER_ADMIN_TOKEN=$(cat ${secrets.adminTokenPath}))`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

const shownMarker = (secrets: Secrets) => `${secrets.adminTokenPath}.shown`;
