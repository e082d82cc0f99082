import { Type, type Static, type TSchema } from '@sinclair/typebox';
import './formats';

/** Deployment ids are slugs: they appear in stream names, URLs and metric labels. */
export const DEPLOYMENT_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';

export const DeploymentId = Type.String({
  pattern: DEPLOYMENT_ID_PATTERN,
  description: 'Deployment id: lower-case letters, digits and dashes, 1–63 characters, starting with a letter or digit',
  examples: ['doc-review'],
});

/** CloudEvents 1.0 structured-mode envelope with Baseliner's `deployment` extension attribute. */
export const CloudEventEnvelope = Type.Object(
  {
    specversion: Type.Literal('1.0'),
    id: Type.String({ minLength: 1, maxLength: 128 }),
    source: Type.String({ minLength: 1, maxLength: 256 }),
    type: Type.String({ minLength: 1, maxLength: 128 }),
    time: Type.String({ format: 'date-time', description: 'RFC 3339 event time: when it happened' }),
    deployment: DeploymentId,
    subject: Type.Optional(Type.String()),
    datacontenttype: Type.Optional(Type.String()),
    dataschema: Type.Optional(Type.String()),
    // An object with any keys. Not Type.Record(String, Unknown): its check lists the object's
    // entries to test each key against `.*`, ~600 bytes of garbage per event on the intake's hot path.
    data: Type.Object({}, { additionalProperties: true, description: 'Per event type, see the data schemas' }),
  },
  { additionalProperties: true, $id: 'CloudEvent' },
);
export type CloudEventEnvelope = Static<typeof CloudEventEnvelope>;

const Actor = Type.String({ minLength: 1, maxLength: 256, description: 'Who did it; pseudonymised at intake' });
const TaskId = Type.String({ minLength: 1, maxLength: 256 });
const Label64 = Type.String({ minLength: 1, maxLength: 64 });
const NonNegative = Type.Number({ minimum: 0 });

// Unknown extra fields in `data` are kept but ignored, so every data object allows them.
const data = <T extends Record<string, TSchema>>(properties: T, $id: string) =>
  Type.Object(properties, { additionalProperties: true, $id });

export const TaskMode = Type.Union([Type.Literal('ai'), Type.Literal('assisted'), Type.Literal('manual')]);
export type TaskMode = Static<typeof TaskMode>;
export const TaskOutcome = Type.Union([
  Type.Literal('success'),
  Type.Literal('error'),
  Type.Literal('rework'),
  Type.Literal('escalated'),
]);
export type TaskOutcome = Static<typeof TaskOutcome>;
const ToggleScope = Type.Union([Type.Literal('user'), Type.Literal('team'), Type.Literal('all')]);

export const TaskCompletedData = data(
  {
    taskId: TaskId,
    mode: TaskMode,
    outcome: TaskOutcome,
    durationSeconds: NonNegative,
    actor: Type.Optional(Actor),
    costUsd: Type.Optional(NonNegative),
    segment: Type.Optional(Label64),
  },
  'TaskCompletedData',
);
export const AiUsedData = data({ actor: Actor, feature: Type.Optional(Label64) }, 'AiUsedData');
export const AiOverriddenData = data({ actor: Actor, taskId: Type.Optional(TaskId) }, 'AiOverriddenData');
export const AiDisabledData = data({ actor: Type.Optional(Actor), scope: Type.Optional(ToggleScope) }, 'AiDisabledData');
export const AiEnabledData = data({ actor: Type.Optional(Actor), scope: Type.Optional(ToggleScope) }, 'AiEnabledData');
export const EscalationRaisedData = data(
  { taskId: Type.Optional(TaskId), to: Type.Union([Type.Literal('operator'), Type.Literal('builder')]) },
  'EscalationRaisedData',
);
export const ErrorDownstreamData = data({ taskId: Type.Optional(TaskId), stage: Label64 }, 'ErrorDownstreamData');
export const FeedbackGivenData = data(
  { actor: Type.Optional(Actor), score: Type.Integer({ minimum: 1, maximum: 5 }), taskId: Type.Optional(TaskId) },
  'FeedbackGivenData',
);

/** Every telemetry event type and the schema of its `data`. */
export const TELEMETRY_DATA_SCHEMAS = {
  'task.completed': TaskCompletedData,
  'ai.used': AiUsedData,
  'ai.overridden': AiOverriddenData,
  'ai.disabled': AiDisabledData,
  'ai.enabled': AiEnabledData,
  'escalation.raised': EscalationRaisedData,
  'error.downstream': ErrorDownstreamData,
  'feedback.given': FeedbackGivenData,
} as const;

export type TelemetryEventType = keyof typeof TELEMETRY_DATA_SCHEMAS;
export const TELEMETRY_EVENT_TYPES = Object.keys(TELEMETRY_DATA_SCHEMAS) as TelemetryEventType[];

export function isTelemetryEventType(type: string): type is TelemetryEventType {
  return Object.prototype.hasOwnProperty.call(TELEMETRY_DATA_SCHEMAS, type);
}

export type TelemetryData = {
  [K in TelemetryEventType]: Static<(typeof TELEMETRY_DATA_SCHEMAS)[K]>;
};

/** A validated telemetry event: the envelope with `data` typed by `type`. */
export type TelemetryEvent = {
  [K in TelemetryEventType]: Omit<CloudEventEnvelope, 'type' | 'data'> & { type: K; data: TelemetryData[K] };
}[TelemetryEventType];

/** Bounded set of rejection reasons: returned to callers and used as a metric label. */
export const REJECTION_REASONS = [
  'invalid_envelope',
  'invalid_data',
  'unknown_type',
  'unknown_deployment',
  'forbidden',
  'time_in_future',
  'deployment_retired',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export const IntakeRejection = Type.Object({
  index: Type.Integer({ description: 'Position of the event in the request' }),
  id: Type.Optional(Type.String({ description: 'The event id, when it had one' })),
  reason: Type.Union(REJECTION_REASONS.map((r) => Type.Literal(r))),
  message: Type.String(),
});
export type IntakeRejection = Static<typeof IntakeRejection>;

export const IntakeResponse = Type.Object(
  {
    accepted: Type.Integer({ description: 'Events stored durably by this request' }),
    duplicates: Type.Integer({ description: 'Events already stored earlier (same source and id); not stored again' }),
    rejected: Type.Array(IntakeRejection),
  },
  { $id: 'IntakeResponse' },
);
export type IntakeResponse = Static<typeof IntakeResponse>;

/** Request limits of `POST /v1/events`. */
export const INTAKE_LIMITS = {
  maxEventsPerRequest: 1000,
  maxBodyBytes: 1024 * 1024,
  /** Event times further ahead of the server clock than this are rejected. */
  maxClockSkewMs: 5 * 60 * 1000,
} as const;

export const INTAKE_CONTENT_TYPES = [
  'application/cloudevents-batch+json',
  'application/cloudevents+json',
  'application/json',
] as const;
