import type { TSchema } from '@sinclair/typebox';
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

// The document is built from the same TypeBox schemas that validate requests, so it cannot drift.
// Nested schemas are inlined, so their `$id`s would repeat: strip them all (refs use component names).
const plain = (schema: TSchema): Record<string, unknown> =>
  JSON.parse(JSON.stringify(schema), (key, value: unknown) => (key === '$id' ? undefined : value)) as Record<string, unknown>;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schemaRef: object) => ({ 'application/json': { schema: schemaRef } });
const errorResponse = (description: string) => ({ description, content: json(ref('Error')) });

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
        'Intake of adoption and outcome events from deployed AI systems, and the control API for deployments. ' +
        'Event `data` schemas by type: ' +
        Object.entries(TELEMETRY_DATA_SCHEMAS)
          .map(([type, s]) => `\`${type}\` → ${s.$id}`)
          .join(', '),
    },
    components: {
      securitySchemes: {
        ingestKey: { type: 'http', scheme: 'bearer', description: 'Ingest key of one deployment' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'Admin token' },
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
      '/v1/deployments': {
        get: {
          summary: 'List deployments',
          security: [{ adminToken: [] }],
          responses: {
            '200': { description: 'Deployments', content: json({ type: 'array', items: ref('DeploymentSummary') }) },
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
      '/v1/deployments/{id}/go-live': { post: command('Go live (at may be in the past)', GoLiveBody, deploymentOk) },
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
      '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'Alive' } } } },
      '/readyz': {
        get: {
          summary: 'Readiness: the event store answers',
          responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready' } },
        },
      },
    },
  };
}
