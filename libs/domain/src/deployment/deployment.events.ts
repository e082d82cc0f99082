import type { Criterion, DeploymentPhase, Owner, RetirementOutcome } from '@baseliner/contracts';

// Stored type names are never renamed: change a payload by adding an upcaster, not by editing it.
// Each event's data is named once here; the state (deployment.state.ts), the read side and the
// pages use these types rather than retyping their fields.

export interface DeploymentRegisteredData {
  id: string;
  name: string;
  owner: Owner;
  workflow?: string;
  eligibleUsers?: number;
  timezone: string;
  rampUpDays: number;
  registeredAt: string;
}
export interface CriteriaDefinedData {
  criteria: Criterion[];
  reason?: string;
  definedAt: string;
}
export interface CriteriaRevisedData {
  criteria: Criterion[];
  reason: string;
  revisedAt: string;
}
export interface BaselineWindowSetData {
  from: string;
  to: string;
  setAt: string;
}
export interface WentLiveData {
  at: string;
  recordedAt: string;
  /** Only these segments went live (a wave of a staggered go-live); absent: the whole deployment. */
  segments?: string[];
}
export interface RolledBackData {
  at: string;
  reason: string;
  recordedAt: string;
}
export interface RetiredData {
  at: string;
  reason: string;
  outcome: RetirementOutcome;
}
export interface IngestKeyIssuedData {
  keyId: string;
  keyHash: string;
  issuedAt: string;
}
export interface IngestKeyRevokedData {
  keyId: string;
  revokedAt: string;
}

export type DeploymentEvent =
  | { type: 'DeploymentRegistered'; data: DeploymentRegisteredData }
  | { type: 'CriteriaDefined'; data: CriteriaDefinedData }
  | { type: 'CriteriaRevised'; data: CriteriaRevisedData }
  | { type: 'BaselineWindowSet'; data: BaselineWindowSetData }
  | { type: 'WentLive'; data: WentLiveData }
  | { type: 'RolledBack'; data: RolledBackData }
  | { type: 'Retired'; data: RetiredData }
  | { type: 'IngestKeyIssued'; data: IngestKeyIssuedData }
  | { type: 'IngestKeyRevoked'; data: IngestKeyRevokedData };

export type DeploymentEventType = DeploymentEvent['type'];

export const DEPLOYMENT_EVENT_TYPES: readonly DeploymentEventType[] = [
  'DeploymentRegistered',
  'CriteriaDefined',
  'CriteriaRevised',
  'BaselineWindowSet',
  'WentLive',
  'RolledBack',
  'Retired',
  'IngestKeyIssued',
  'IngestKeyRevoked',
];

export function isDeploymentEvent(event: { type: string }): event is DeploymentEvent {
  return (DEPLOYMENT_EVENT_TYPES as readonly string[]).includes(event.type);
}

/** A decoded stored event as the domain types it, or undefined when it is not a deployment event. */
export function toDeploymentEvent({ type, data }: { type: string; data: unknown }): DeploymentEvent | undefined {
  return isDeploymentEvent({ type }) ? ({ type, data } as DeploymentEvent) : undefined;
}

/** The deployment events of a decoded history (other types are skipped). */
export function deploymentEventsOf(history: readonly { type: string; data: unknown }[]): DeploymentEvent[] {
  return history.flatMap((decoded) => toDeploymentEvent(decoded) ?? []);
}

/** One entry of a deployment's history as the pages show it: the event and when the store recorded it. */
export interface RecordedDeploymentEvent {
  event: DeploymentEvent;
  recordedAt: Date;
}

/** Each deployment's lifecycle is one stream, `deployment-<id>`; the part before the dash is its category. */
export const DEPLOYMENT_STREAM_CATEGORY = 'deployment';
export const DEPLOYMENT_STREAM_PREFIX = `${DEPLOYMENT_STREAM_CATEGORY}-`;
export const deploymentStream = (deploymentId: string): string => `${DEPLOYMENT_STREAM_PREFIX}${deploymentId}`;

export type { DeploymentPhase };
