import { Type, type TSchema } from '@sinclair/typebox';
import {
  CloudEventEnvelope,
  INTAKE_CONTENT_TYPES,
  INTAKE_LIMITS,
  IntakeResponse,
  TELEMETRY_DATA_SCHEMAS,
} from './cloud-event.schema';
import {
  BaselineWindowBody,
  DefineCriteriaBody,
  DeploymentDetail,
  DeploymentSummary,
  ErrorBody,
  GoLiveBody,
  IssuedKeyResponse,
  RegisterDeploymentBody,
  RetireBody,
  RollbackBody,
} from './control-api.schema';
import { DeploymentVerdict, ScorecardResponse } from './scorecard.schema';

// The document is built from the same TypeBox schemas that validate requests, so it cannot drift.
// Nested schemas are inlined, so their `$id`s would repeat: strip them all (refs use component names).
const plain = (schema: TSchema): Record<string, unknown> =>
  JSON.parse(JSON.stringify(schema), (key, value: unknown) => (key === '$id' ? undefined : value)) as Record<string, unknown>;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schemaRef: object) => ({ 'application/json': { schema: schemaRef } });
const errorResponse = (description: string) => ({ description, content: json(ref('Error')) });

/** The OTLP/HTTP receiver's operations (docs/opentelemetry.md): protobuf or JSON in, the same encoding out. */
const otlpStatus = (description: string) => ({
  description: `${description}; the body is a google.rpc.Status in the request's encoding`,
  content: {
    'application/x-protobuf': { schema: { type: 'string', format: 'binary' } },
    'application/json': { schema: { type: 'object', properties: { code: { type: 'integer' }, message: { type: 'string' } } } },
  },
});
const otlpExport = (signal: 'logs' | 'traces') => {
  const request = signal === 'logs' ? 'ExportLogsServiceRequest' : 'ExportTraceServiceRequest';
  const rejected = signal === 'logs' ? 'rejectedLogRecords' : 'rejectedSpans';
  return {
    post: {
      summary: signal === 'logs' ? 'OTLP/HTTP logs: log records named as event types become events' : 'OTLP/HTTP traces: GenAI spans count as ai.used',
      description: `An OTLP ${request} (opentelemetry-proto v1), protobuf or OTLP/JSON, Content-Encoding: gzip accepted, at most ${INTAKE_LIMITS.maxBodyBytes} bytes decompressed and ${INTAKE_LIMITS.maxEventsPerRequest} events. Same checks, reasons and idempotency as POST /v1/events. See docs/opentelemetry.md.`,
      security: [{ ingestKey: [] }],
      requestBody: {
        required: true,
        content: {
          'application/x-protobuf': { schema: { type: 'string', format: 'binary' } },
          'application/json': { schema: { type: 'object' } },
        },
      },
      responses: {
        '200': {
          description: 'Decoded and handled: an empty response when nothing was rejected, else partialSuccess with the records rejected and why',
          content: {
            'application/x-protobuf': { schema: { type: 'string', format: 'binary' } },
            'application/json': {
              schema: {
                type: 'object',
                properties: { partialSuccess: { type: 'object', properties: { [rejected]: { type: 'string' }, errorMessage: { type: 'string' } } } },
              },
            },
          },
        },
        '400': otlpStatus(`Not a protobuf or JSON ${request}; nothing stored`),
        '401': otlpStatus('Missing or unknown ingest key'),
        '413': otlpStatus('Too many events or too many bytes'),
        '415': otlpStatus('Not application/x-protobuf or application/json, or an encoding other than gzip'),
        '429': otlpStatus('Rate limited; retry after Retry-After seconds; nothing stored'),
        '503': otlpStatus('Event store unavailable or intake at capacity; retry after Retry-After seconds; nothing stored'),
      },
    },
  };
};

const adminErrors = {
  '401': errorResponse('Missing or wrong admin token'),
  '404': errorResponse('No deployment with that id'),
  '409': errorResponse('Conflicts with the deployment’s state or a concurrent change; re-read and retry'),
  '422': errorResponse('Validation failed; one detail per field'),
};

const deploymentIdParam = {
  name: 'id',
  in: 'path',
  required: true,
  schema: plain(RegisterDeploymentBody.properties.id),
};

const command = (summary: string, body: TSchema | undefined, ok: Record<string, unknown>) => ({
  summary,
  security: [{ adminToken: [] }],
  parameters: [deploymentIdParam],
  ...(body ? { requestBody: { required: true, content: json(ref(body.$id as string)) } } : {}),
  responses: { ...ok, ...adminErrors },
});

// @nestjs/terminus's answer on /healthz and /readyz: each check's result under info (up) or error (down).
const HealthBody = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('error'), Type.Literal('shutting_down')]),
    info: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()))),
    error: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()))),
    details: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'Health' },
);
const health = (summary: string, description: string, ok: string, notOk: string) => ({
  get: {
    summary,
    description,
    responses: {
      '200': { description: ok, content: json(ref('Health')) },
      '503': { description: notOk, content: json(ref('Health')) },
    },
  },
});

const ViewerTokenBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100, description: 'Who holds it ("finance team", "dana"); shown in listings only' }) },
  { $id: 'ViewerTokenBody' },
);
const ViewerToken = Type.Object(
  { tokenId: Type.String(), name: Type.String(), issuedAt: Type.String({ format: 'date-time' }), revokedAt: Type.Optional(Type.String({ format: 'date-time' })) },
  { $id: 'ViewerToken' },
);
const IssuedViewerToken = Type.Object(
  { tokenId: Type.String(), name: Type.String(), token: Type.String({ description: 'bvt_<tokenId>.<secret>; shown once, only its hash is stored' }) },
  { $id: 'IssuedViewerToken' },
);

// The web pages (libs/web) are HTML for people, listed here so the document names every route.
const html = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
const toSignIn = { '303': { description: 'Not signed in: to /sign-in?next=<this page>' } };
const page = (summary: string, responses: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  get: { tags: ['pages'], summary, security: [{ viewerSession: [] }], ...extra, responses },
});
const asset = (summary: string, type: string) => ({
  get: { tags: ['pages'], summary, responses: { '200': { description: summary, content: { [type]: { schema: { type: 'string' } } } } } },
});

const deploymentOk = { '200': { description: 'The deployment after the change', content: json(ref('DeploymentDetail')) } };

export function buildOpenApiDocument(version: string): Record<string, unknown> {
  const schemas: Record<string, unknown> = {};
  for (const schema of [
    CloudEventEnvelope,
    IntakeResponse,
    RegisterDeploymentBody,
    DefineCriteriaBody,
    BaselineWindowBody,
    GoLiveBody,
    RollbackBody,
    RetireBody,
    IssuedKeyResponse,
    DeploymentSummary,
    DeploymentDetail,
    ErrorBody,
    ScorecardResponse,
    HealthBody,
    ViewerTokenBody,
    ViewerToken,
    IssuedViewerToken,
    ...Object.values(TELEMETRY_DATA_SCHEMAS),
  ]) {
    schemas[schema.$id as string] = plain(schema);
  }
  const eventOrBatch = { oneOf: [ref('CloudEvent'), { type: 'array', items: ref('CloudEvent') }] };

  return {
    openapi: '3.1.0',
    info: {
      title: 'Baseliner API',
      version,
      description:
        'Intake of adoption and outcome events from deployed AI systems, the control API for deployments, the scorecards, ' +
        'health and metrics, and (tagged pages) the read-only web pages. ' +
        'Event `data` schemas by type: ' +
        Object.entries(TELEMETRY_DATA_SCHEMAS)
          .map(([type, s]) => `\`${type}\` → ${s.$id}`)
          .join(', '),
    },
    tags: [{ name: 'pages', description: 'HTML for people, signed in with a viewer token (docs/pages.md)' }],
    components: {
      securitySchemes: {
        ingestKey: { type: 'http', scheme: 'bearer', description: 'Ingest key of one deployment' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'Admin token' },
        viewerSession: {
          type: 'apiKey',
          in: 'cookie',
          name: 'baseliner_session',
          description: 'Set by POST /sign-in with a viewer token or the admin token; read-only pages only',
        },
      },
      schemas,
    },
    paths: {
      '/v1/events': {
        post: {
          summary: 'Send a batch of CloudEvents (or one)',
          description: `At most ${INTAKE_LIMITS.maxEventsPerRequest} events and ${INTAKE_LIMITS.maxBodyBytes} bytes (decompressed). Content-Encoding: gzip accepted. (source, id) is the idempotency key.`,
          security: [{ ingestKey: [] }],
          requestBody: {
            required: true,
            content: Object.fromEntries(INTAKE_CONTENT_TYPES.map((t) => [t, { schema: eventOrBatch }])),
          },
          responses: {
            '202': { description: 'All accepted or duplicates', content: json(ref('IntakeResponse')) },
            '207': { description: 'Some events rejected; the rest stored', content: json(ref('IntakeResponse')) },
            '400': errorResponse('Body is not JSON, or not an event or an array of events; nothing stored'),
            '401': errorResponse('Missing or unknown ingest key'),
            '413': errorResponse('Too many events or too many bytes'),
            '415': errorResponse('Unsupported content type or encoding'),
            '429': errorResponse('Rate limited; retry after Retry-After seconds; nothing stored'),
            '503': errorResponse('Event store unavailable; retry after Retry-After seconds; nothing stored'),
          },
        },
      },
      '/otlp/v1/logs': otlpExport('logs'),
      '/otlp/v1/traces': otlpExport('traces'),
      '/v1/deployments': {
        get: {
          summary: 'List deployments',
          security: [{ adminToken: [] }],
          responses: {
            '200': {
              description: 'Deployments, each with the verdict of the last evaluation (every 5 s; absent until the first)',
              content: json({
                type: 'array',
                items: { allOf: [ref('DeploymentSummary'), { type: 'object', properties: { verdict: plain(DeploymentVerdict) } }] },
              }),
            },
            '401': adminErrors['401'],
          },
        },
        post: {
          summary: 'Register a deployment',
          security: [{ adminToken: [] }],
          requestBody: { required: true, content: json(ref('RegisterDeploymentBody')) },
          responses: {
            '201': { description: 'Registered', content: json(ref('DeploymentDetail')) },
            '401': adminErrors['401'],
            '409': errorResponse('A deployment with that id exists'),
            '422': adminErrors['422'],
          },
        },
      },
      '/v1/deployments/{id}': {
        get: {
          summary: 'One deployment with its lifecycle',
          security: [{ adminToken: [] }],
          parameters: [deploymentIdParam],
          responses: { ...deploymentOk, '401': adminErrors['401'], '404': adminErrors['404'] },
        },
      },
      '/v1/deployments/{id}/criteria': {
        put: command('Replace the success criteria (reason required after go-live)', DefineCriteriaBody, deploymentOk),
      },
      '/v1/deployments/{id}/baseline': {
        put: command('Set the baseline window explicitly', BaselineWindowBody, deploymentOk),
      },
      '/v1/deployments/{id}/go-live': { post: command('Go live (at may be in the past); with segments, only those go live (a wave), and later waves follow with new segments', GoLiveBody, deploymentOk) },
      '/v1/deployments/{id}/rollback': { post: command('Roll back', RollbackBody, deploymentOk) },
      '/v1/deployments/{id}/retire': { post: command('Retire; no more events accepted', RetireBody, deploymentOk) },
      '/v1/deployments/{id}/keys': {
        post: command('Issue an ingest key (shown once)', undefined, {
          '201': { description: 'The new key', content: json(ref('IssuedKeyResponse')) },
        }),
      },
      '/v1/deployments/{id}/keys/{keyId}': {
        delete: {
          ...command('Revoke an ingest key', undefined, { '204': { description: 'Revoked' } }),
          parameters: [deploymentIdParam, { name: 'keyId', in: 'path', required: true, schema: { type: 'string' } }],
        },
      },
      '/v1/deployments/{id}/scorecard': {
        get: {
          summary: 'Does it work? Windows, before/after with always-valid 95% intervals, adoption, criteria, verdict',
          description:
            'Evaluated at request time, after the projector has folded in what is stored (it waits up to 2 s for that). ' +
            'With sharded projectors, ask the one that holds the deployment (a 404 names its shard).',
          security: [{ adminToken: [] }],
          parameters: [deploymentIdParam],
          responses: {
            '200': { description: 'The scorecard', content: json(ref('Scorecard')) },
            '401': adminErrors['401'],
            '404': errorResponse('No deployment with that id, or it is in a shard another projector holds'),
          },
        },
      },
      '/v1/viewer-tokens': {
        get: {
          summary: 'List viewer tokens (never their secrets)',
          security: [{ adminToken: [] }],
          responses: {
            '200': { description: 'Issued tokens, revoked ones with revokedAt', content: json({ type: 'array', items: ref('ViewerToken') }) },
            '401': adminErrors['401'],
          },
        },
        post: {
          summary: 'Issue a read-only viewer token for the web pages (shown once)',
          security: [{ adminToken: [] }],
          requestBody: { required: true, content: json(ref('ViewerTokenBody')) },
          responses: {
            '201': { description: 'The new token', content: json(ref('IssuedViewerToken')) },
            '401': adminErrors['401'],
            '422': adminErrors['422'],
          },
        },
      },
      '/v1/viewer-tokens/{tokenId}': {
        delete: {
          summary: 'Revoke a viewer token (again: no change)',
          security: [{ adminToken: [] }],
          parameters: [{ name: 'tokenId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '204': { description: 'Revoked' },
            '401': adminErrors['401'],
            '404': errorResponse('No viewer token with that id'),
          },
        },
      },
      '/': page(
        'Portfolio page: every deployment with owner, phase, verdict, why and warnings',
        { '200': html('The portfolio'), ...toSignIn },
        {
          parameters: [
            { name: 'verdict', in: 'query', required: false, schema: { type: 'string' }, description: 'Show only this verdict' },
            { name: 'phase', in: 'query', required: false, schema: { type: 'string' }, description: 'Show only this phase' },
          ],
        },
      ),
      '/deployments/{id}': page(
        'Deployment page: criteria, charts before and after, weekday × hour errors, lifecycle',
        { '200': html('The deployment'), ...toSignIn, '404': html('No such deployment') },
        { parameters: [deploymentIdParam] },
      ),
      '/sign-in': {
        get: {
          tags: ['pages'],
          summary: 'Sign-in form',
          parameters: [{ name: 'next', in: 'query', required: false, schema: { type: 'string' }, description: 'A path on this site to go to after' }],
          responses: { '200': html('The form') },
        },
        post: {
          tags: ['pages'],
          summary: 'Sign in with a viewer token or the admin token; sets the session cookie',
          requestBody: {
            required: true,
            content: {
              'application/x-www-form-urlencoded': {
                schema: { type: 'object', properties: { token: { type: 'string' }, next: { type: 'string' } }, required: ['token'] },
              },
            },
          },
          responses: { '303': { description: 'Signed in: to next (a path on this site) with the cookie set' }, '401': html('The form again, saying what was wrong'), '403': html('Posted from another site (Origin of another host): refused') },
        },
      },
      '/sign-out': {
        post: { tags: ['pages'], summary: 'Sign out: clears the session cookie', responses: { '303': { description: 'To /sign-in' }, '403': html('Posted from another site: refused') } },
      },
      '/assets/pages.css': asset('The pages’ stylesheet', 'text/css'),
      '/assets/favicon.svg': asset('The pages’ icon', 'image/svg+xml'),
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          description:
            'Prometheus text format 0.0.4: the per-deployment gauges (re-evaluated every 5 s), intake counters, projection lag and process metrics. Labels carry no users, tasks or free text, but do carry every deployment’s name, owner and verdict: with BASELINER_METRICS_TOKEN set it requires "Authorization: Bearer <that token>" (Prometheus: the scrape config’s authorization setting); unset, it is open.',
          responses: {
            '200': { description: 'The exposition', content: { 'text/plain; version=0.0.4': { schema: { type: 'string' } } } },
            '401': errorResponse('BASELINER_METRICS_TOKEN is set and the request did not send it as a bearer token'),
          },
        },
      },
      '/openapi.json': {
        get: {
          summary: 'This document',
          responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } },
        },
      },
      '/healthz': health(
        'Liveness',
        'Answers during a replay too; fails only when the event store needs a restart (e.g. its writer thread died).',
        'Alive',
        'The event store needs a restart',
      ),
      '/readyz': health(
        'Readiness',
        'The event store answers, its last commit did not fail, and the projector has replayed the log as it stood at start.',
        'Ready',
        'Not ready: error says which check failed',
      ),
    },
  };
}
