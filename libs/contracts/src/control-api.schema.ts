import { Type, type Static } from '@sinclair/typebox';
import { CRITERION_METRIC_IDS } from './criteria';
import { DeploymentId } from './cloud-event.schema';
import './formats';

const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339 timestamp' });
const Reason = Type.String({ minLength: 1, maxLength: 2000 });

export const Criterion = Type.Object(
  {
    metric: Type.Union(CRITERION_METRIC_IDS.map((m) => Type.Literal(m))),
    relativeChange: Type.Optional(
      Type.Number({ minimum: -1, description: 'Current vs baseline: -0.30 = at least 30% lower, 0 = no worse' }),
    ),
    atMost: Type.Optional(Type.Number({ minimum: 0 })),
    atLeast: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false, $id: 'Criterion', description: 'One metric and exactly one of relativeChange, atMost, atLeast' },
);
export type Criterion = Static<typeof Criterion>;

export const Owner = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: 'One accountable person, not a team' }),
    email: Type.String({ format: 'email', maxLength: 254 }),
  },
  { additionalProperties: false },
);
export type Owner = Static<typeof Owner>;

export const RegisterDeploymentBody = Type.Object(
  {
    id: DeploymentId,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    owner: Owner,
    workflow: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    eligibleUsers: Type.Optional(Type.Integer({ minimum: 1 })),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, default UTC' })),
    rampUpDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365, description: 'Default 7' })),
    criteria: Type.Optional(Type.Array(Criterion, { minItems: 1 })),
  },
  { additionalProperties: false, $id: 'RegisterDeploymentBody' },
);
export type RegisterDeploymentBody = Static<typeof RegisterDeploymentBody>;

export const DefineCriteriaBody = Type.Object(
  {
    criteria: Type.Array(Criterion, { minItems: 1 }),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false, $id: 'DefineCriteriaBody' },
);
export type DefineCriteriaBody = Static<typeof DefineCriteriaBody>;

export const BaselineWindowBody = Type.Object(
  { from: Timestamp, to: Timestamp },
  { additionalProperties: false, $id: 'BaselineWindowBody' },
);
export type BaselineWindowBody = Static<typeof BaselineWindowBody>;

/** A team, site or queue (`task.completed` `data.segment`). */
const SegmentName = Type.String({ minLength: 1, maxLength: 64, pattern: '\\S' });

export const GoLiveBody = Type.Object(
  {
    at: Type.Optional(Timestamp),
    segments: Type.Optional(
      Type.Array(SegmentName, {
        minItems: 1,
        maxItems: 50,
        uniqueItems: true,
        description: 'Only these segments go live at `at` (a wave); the others stay the comparison. Without it the whole deployment goes live.',
      }),
    ),
  },
  { additionalProperties: false, $id: 'GoLiveBody' },
);
export type GoLiveBody = Static<typeof GoLiveBody>;

export const RollbackBody = Type.Object(
  { at: Type.Optional(Timestamp), reason: Reason },
  { additionalProperties: false, $id: 'RollbackBody' },
);
export type RollbackBody = Static<typeof RollbackBody>;

export const RetirementOutcome = Type.Union([
  Type.Literal('killed'),
  Type.Literal('superseded'),
  Type.Literal('completed'),
]);
export type RetirementOutcome = Static<typeof RetirementOutcome>;

export const RetireBody = Type.Object(
  { reason: Reason, outcome: RetirementOutcome },
  { additionalProperties: false, $id: 'RetireBody' },
);
export type RetireBody = Static<typeof RetireBody>;

export const DeploymentPhase = Type.Union([
  Type.Literal('registered'),
  Type.Literal('live'),
  Type.Literal('rolled_back'),
  Type.Literal('retired'),
]);
export type DeploymentPhase = Static<typeof DeploymentPhase>;

export const IssuedKeyResponse = Type.Object(
  {
    keyId: Type.String(),
    key: Type.String({ description: 'Shown once; only its hash is stored' }),
  },
  { $id: 'IssuedKeyResponse' },
);

export const DeploymentSummary = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    owner: Owner,
    workflow: Type.Optional(Type.String()),
    phase: DeploymentPhase,
  },
  { $id: 'DeploymentSummary' },
);
export type DeploymentSummary = Static<typeof DeploymentSummary>;

export const DeploymentDetail = Type.Composite(
  [
    DeploymentSummary,
    Type.Object({
      timezone: Type.String(),
      rampUpDays: Type.Integer(),
      eligibleUsers: Type.Optional(Type.Integer()),
      criteria: Type.Array(Criterion),
      criteriaRevisions: Type.Array(
        Type.Object({ at: Timestamp, reason: Type.String(), criteria: Type.Array(Criterion) }),
        { description: 'Revisions made after go-live ("goalposts moved")' },
      ),
      baselineWindow: Type.Optional(Type.Object({ from: Timestamp, to: Timestamp })),
      wentLiveAt: Type.Optional(Timestamp),
      waves: Type.Optional(
        Type.Array(Type.Object({ at: Timestamp, segments: Type.Array(Type.String()) }), {
          description: 'A staggered go-live: the segments that went live at each time, in the order recorded. Absent when the whole deployment went live at once',
        }),
      ),
      rolledBack: Type.Optional(Type.Object({ at: Timestamp, reason: Type.String() })),
      retired: Type.Optional(Type.Object({ at: Timestamp, reason: Type.String(), outcome: RetirementOutcome })),
      keys: Type.Array(
        Type.Object({ keyId: Type.String(), issuedAt: Timestamp, revokedAt: Type.Optional(Timestamp) }),
      ),
      criteriaAdvice: Type.Optional(
        Type.Array(Type.Object({ field: Type.String(), message: Type.String() }), {
          description: 'How the criteria will be judged where that may surprise (e.g. "no worse" targets); not errors',
        }),
      ),
    }),
  ],
  { $id: 'DeploymentDetail' },
);

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'Machine-readable code' }),
    message: Type.String({ description: 'What was wrong and what to do' }),
    details: Type.Optional(
      Type.Array(Type.Object({ field: Type.String(), message: Type.String() }), {
        description: 'One entry per invalid field',
      }),
    ),
  },
  { $id: 'Error' },
);
export type ErrorBody = Static<typeof ErrorBody>;
