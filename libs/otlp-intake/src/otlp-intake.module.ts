import { createHmac } from 'node:crypto';
import { Inject, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { IntakeAdmission, IntakeMetrics, IntakeModule, IntakeRequestError, IntakeService, type AuthenticatedIngest } from '@baseliner/intake';
import { APP_CONFIG, ApiError, CLOCK, decodeContentEncoding, PARSE_TURN_FROM_BYTES, SECRETS, toErrorResponse, utf8Text, type AppConfig, type Clock, type Secrets } from '@baseliner/platform';
import { mapLogs, mapSpans, TooManyEventsError, type MappedExport, type MappingContext, type OtlpLogsRequest, type OtlpTracesRequest } from './otlp-mapping';
import { OtlpMetrics } from './otlp.metrics';
import { OtlpProtobuf } from './otlp-protobuf';
import { encodingOf, exportResponseBody, mediaTypeOf, OTLP_CONTENT_TYPES, statusBody, type OtlpEncoding, type OtlpSignal } from './otlp-responses';
import { summariseRejections, type RecordRejection } from './rejection-summary';

/** Where a Collector's `otlphttp` exporter sends with `endpoint: http://baseliner:3000/otlp`. */
export const OTLP_ROUTES: Record<OtlpSignal, string> = { logs: '/otlp/v1/logs', traces: '/otlp/v1/traces' };

type OtlpRequest = FastifyRequest & { ingest?: AuthenticatedIngest; otlpEncoding?: OtlpEncoding; otlpMediaType?: string };

const DECODERS: Record<OtlpSignal, { protobuf: (bytes: Buffer) => unknown; field: string }> = {
  logs: { protobuf: (bytes) => OtlpProtobuf.ExportLogsServiceRequest.decode(bytes), field: 'resourceLogs' },
  traces: { protobuf: (bytes) => OtlpProtobuf.ExportTraceServiceRequest.decode(bytes), field: 'resourceSpans' },
};

/**
 * The OTLP/HTTP receiver: `POST /otlp/v1/logs` and `POST /otlp/v1/traces`, protobuf or JSON,
 * optionally gzipped, the ingest key as `Authorization: Bearer`. Log records and GenAI spans
 * become events (otlp-mapping.ts) and go through the same intake as `POST /v1/events`: the same
 * key check, rate limit and shedding (`IntakeAdmission`, from the headers, before the body is
 * read), the same validation, reasons, pseudonymisation and idempotency (`IntakeService`).
 *
 * Answers follow OTLP/HTTP: 200 with an Export…ServiceResponse (its `partial_success` counting
 * the records rejected, and why), and for a request refused as a whole a google.rpc.Status in the
 * request's encoding — 400 (not decodable), 401, 413, 415, and 429/503 with Retry-After, which
 * OTLP clients retry. The routes are Fastify's own, in a scope with its own body parser and
 * error handler, so that every answer on them, errors included, is OTLP-shaped.
 */
@Module({
  imports: [IntakeModule],
  providers: [OtlpMetrics],
})
export class OtlpIntakeModule implements OnModuleInit {
  private readonly logger = new Logger('OtlpIntake');
  /** Keys the ids derived from log records: from the actor key, for this use alone. */
  private readonly idKey: string;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly admission: IntakeAdmission,
    private readonly intake: IntakeService,
    private readonly intakeMetrics: IntakeMetrics,
    private readonly metrics: OtlpMetrics,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SECRETS) secrets: Secrets,
  ) {
    this.idKey = createHmac('sha256', secrets.actorKey).update('baseliner otlp event ids').digest('base64url');
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    this.intakeMetrics.declareTransport('otlp');
    void fastify.register(async (scope) => this.routes(scope));
  }

  private routes(scope: FastifyInstance): void {
    scope.removeAllContentTypeParsers();
    // Every media type reaches the parser: one the receiver does not speak was refused from the
    // headers already (415), so here the body is one of OTLP's two encodings.
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (request, raw, done) => {
      this.parse(request as OtlpRequest, raw as Buffer).then(
        (body) => done(null, body),
        (error: Error) => done(error),
      );
    });
    scope.addHook('onRequest', async (request: OtlpRequest, reply: FastifyReply) => {
      request.otlpEncoding = encodingOf(request.headers['content-type']);
      // Answered in the media type it came in (application/x-protobuf or application/protobuf).
      request.otlpMediaType = request.otlpEncoding ? mediaTypeOf(request.headers['content-type']) : undefined;
      try {
        if (!request.otlpEncoding) {
          throw new ApiError(415, 'unsupported_media_type', `Content-Type ${String(request.headers['content-type'] ?? '(none)').slice(0, 60)} is not OTLP/HTTP: send application/x-protobuf or application/json`);
        }
        request.ingest = this.admission.admit(request, reply, 'otlp');
      } catch (error) {
        return this.refuse(request, reply, error, true);
      }
    });
    scope.setErrorHandler((error, request: OtlpRequest, reply) => this.refuse(request, reply, error, false));
    for (const signal of ['logs', 'traces'] as const) {
      scope.post(OTLP_ROUTES[signal], (request: OtlpRequest, reply) => this.export(signal, request, reply));
    }
  }

  /** The body decoded: gunzipped, then protobuf or JSON (parsed in the server's turns when large, as the JSON intake does). */
  private async parse(request: OtlpRequest, raw: Buffer): Promise<unknown> {
    const bytes = await decodeContentEncoding(request, raw);
    if (bytes.length >= PARSE_TURN_FROM_BYTES) await request.server.eventLoopTurns.start();
    if (request.raw.socket?.destroyed) throw new IntakeRequestError(499, 'client_gone', 'The client closed the connection before the body was read; nothing was stored');
    const signal: OtlpSignal = request.routeOptions.url === OTLP_ROUTES.traces ? 'traces' : 'logs';
    if (request.otlpEncoding === 'protobuf') {
      try {
        return DECODERS[signal].protobuf(bytes);
      } catch {
        throw new ApiError(400, 'invalid_body', `The body is not a protobuf-encoded Export${signal === 'logs' ? 'Logs' : 'Trace'}ServiceRequest (truncated or not protobuf): send what an OTLP exporter sends`);
      }
    }
    if (bytes.length === 0) return {};
    // As strict as POST /v1/events: a replacement character would make distinct ids (and actors) equal.
    const text = utf8Text(request, bytes);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ApiError(400, 'invalid_json', 'The body is not valid JSON: send OTLP/JSON (or protobuf as application/x-protobuf)');
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ApiError(400, 'invalid_body', `The body is not an OTLP/JSON export request: send an object with "${DECODERS[signal].field}"`);
    }
    return body;
  }

  private async export(signal: OtlpSignal, request: OtlpRequest, reply: FastifyReply): Promise<void> {
    const ingest = request.ingest as AuthenticatedIngest;
    const encoding = request.otlpEncoding as OtlpEncoding;
    const context: MappingContext = { keyDeploymentId: ingest.deploymentId, idKey: this.idKey, featureAttribute: this.config.otlpFeatureAttribute };
    const body = (request.body ?? {}) as OtlpLogsRequest & OtlpTracesRequest;
    if (!Array.isArray(body[DECODERS[signal].field as 'resourceLogs'] ?? [])) {
      throw new ApiError(400, 'invalid_body', `"${DECODERS[signal].field}" must be an array: send an OTLP export request`);
    }
    let mapped: MappedExport;
    try {
      mapped = signal === 'logs' ? mapLogs(body, context) : mapSpans(body, context);
    } catch (error) {
      if (error instanceof TooManyEventsError) throw new ApiError(413, 'too_many_events', error.message);
      // A JSON body of the right outline with values of the wrong kinds inside.
      throw new ApiError(400, 'invalid_body', `The body is not an OTLP export request: its ${DECODERS[signal].field} do not follow the OTLP/JSON shape`);
    }
    this.metrics.ignored(signal, mapped.ignored);
    const rejected: RecordRejection[] = [...mapped.rejected];
    for (const { reason } of mapped.rejected) this.intakeMetrics.rejectedBeforeValidation(reason, 'otlp');
    if (mapped.events.length > 0) {
      const clientGone = () => request.raw.socket?.destroyed ?? false;
      const outcome = await this.intake.ingest(ingest.deploymentId, mapped.events, this.clock.now(), clientGone, request.server.eventLoopTurns);
      this.intakeMetrics.record(outcome, 'otlp');
      for (const rejection of outcome.rejected) {
        rejected.push({ record: mapped.origins[rejection.index] as number, reason: rejection.reason, message: rejection.message, type: mapped.events[rejection.index]?.type });
      }
    }
    const summary = summariseRejections(signal, mapped.records, rejected);
    void reply
      .code(200)
      .header('content-type', request.otlpMediaType ?? OTLP_CONTENT_TYPES[encoding])
      .send(exportResponseBody(encoding, signal, summary.rejectedRecords, summary.message));
  }

  /** Any refusal as OTLP/HTTP answers one: a google.rpc.Status in the request's encoding (JSON when that is not known). */
  private refuse(request: OtlpRequest, reply: FastifyReply, error: unknown, beforeBody: boolean): FastifyReply {
    const response = toErrorResponse(error instanceof IntakeRequestError ? new ApiError(error.status, error.code, error.message) : error);
    if (response.status >= 500 && response.status !== 503) this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    const encoding = request.otlpEncoding ?? 'json';
    const headers: Record<string, string> = { ...response.headers, 'content-type': request.otlpMediaType ?? OTLP_CONTENT_TYPES[encoding] };
    if (beforeBody) headers.connection = 'close';
    return reply.code(response.status).headers(headers).send(statusBody(encoding, response.status, response.body.message));
  }
}
