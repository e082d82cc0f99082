import { Command } from '@nestjs/cqrs';
import type { BaselineWindowBody, DefineCriteriaBody, GoLiveBody, RegisterDeploymentBody, RetireBody, RollbackBody } from '@baseliner/contracts';
import type { DeploymentCommand, RegisteredDeployment } from '@baseliner/domain';

/**
 * A change to one deployment's lifecycle, named for what it asks. Each carries the decider's
 * command (libs/domain, deployment.decider.ts), which rules on it; the answer is the deployment
 * after the change.
 */
export abstract class DeploymentChange extends Command<RegisteredDeployment> {
  constructor(
    readonly deploymentId: string,
    readonly decision: DeploymentCommand,
  ) {
    super();
  }
}

export class RegisterDeploymentCommand extends DeploymentChange {
  constructor(data: RegisterDeploymentBody) {
    super(data.id, { type: 'RegisterDeployment', data });
  }
}

/** Criteria before go-live; after it, a revision that must give its reason. */
export class DefineCriteriaCommand extends DeploymentChange {
  constructor(deploymentId: string, data: DefineCriteriaBody) {
    super(deploymentId, { type: 'DefineCriteria', data });
  }
}

export class SetBaselineWindowCommand extends DeploymentChange {
  constructor(deploymentId: string, data: BaselineWindowBody) {
    super(deploymentId, { type: 'SetBaselineWindow', data });
  }
}

/** The whole deployment, or with `segments` one wave of a staggered go-live. */
export class GoLiveCommand extends DeploymentChange {
  constructor(deploymentId: string, data: GoLiveBody) {
    super(deploymentId, { type: 'GoLive', data });
  }
}

export class RollBackCommand extends DeploymentChange {
  constructor(deploymentId: string, data: RollbackBody) {
    super(deploymentId, { type: 'RollBack', data });
  }
}

export class RetireDeploymentCommand extends DeploymentChange {
  constructor(deploymentId: string, data: RetireBody) {
    super(deploymentId, { type: 'Retire', data });
  }
}

/** Revoking a revoked key changes nothing. */
export class RevokeIngestKeyCommand extends DeploymentChange {
  constructor(deploymentId: string, keyId: string) {
    super(deploymentId, { type: 'RevokeIngestKey', data: { keyId } });
  }
}

/** A new ingest key for the deployment: the key itself is in the answer, once; the store keeps its hash. */
export class IssueIngestKeyCommand extends Command<{ keyId: string; key: string }> {
  constructor(readonly deploymentId: string) {
    super();
  }
}
