import type { Criterion, DeploymentPhase, Owner, RetirementOutcome } from '@baseliner/contracts';

// Stored type names are never renamed: change a payload by adding an upcaster, not by editing it.
export type DeploymentEvent =
  | {
      type: 'DeploymentRegistered';
      data: {
        id: string;
        name: string;
        owner: Owner;
        workflow?: string;
        eligibleUsers?: number;
        timezone: string;
        rampUpDays: number;
        registeredAt: string;
      };
    }
  | { type: 'CriteriaDefined'; data: { criteria: Criterion[]; reason?: string; definedAt: string } }
  | { type: 'CriteriaRevised'; data: { criteria: Criterion[]; reason: string; revisedAt: string } }
  | { type: 'BaselineWindowSet'; data: { from: string; to: string; setAt: string } }
  | { type: 'WentLive'; data: { at: string; recordedAt: string; segments?: string[] } }
  | { type: 'RolledBack'; data: { at: string; reason: string; recordedAt: string } }
  | { type: 'Retired'; data: { at: string; reason: string; outcome: RetirementOutcome } }
  | { type: 'IngestKeyIssued'; data: { keyId: string; keyHash: string; issuedAt: string } }
  | { type: 'IngestKeyRevoked'; data: { keyId: string; revokedAt: string } };

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

export type { DeploymentPhase };
