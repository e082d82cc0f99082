import type { Type } from '@nestjs/common';
import { Command } from '@nestjs/cqrs';
import type { RegisterDeploymentBody } from '@baseliner/contracts';
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

type DataOf<T extends DeploymentCommand['type']> = Extract<DeploymentCommand, { type: T }>['data'];

/** The named command for the decider's command `type` on a deployment given by id. */
function changeOf<T extends DeploymentCommand['type']>(type: T) {
  return class extends DeploymentChange {
    constructor(deploymentId: string, data: DataOf<T>) {
      super(deploymentId, { type, data } as DeploymentCommand);
    }
  };
}

/** Registers the deployment the body names. */
export class RegisterDeploymentCommand extends DeploymentChange {
  constructor(data: RegisterDeploymentBody) {
    super(data.id, { type: 'RegisterDeployment', data });
  }
}
/** Criteria before go-live; after it, a revision that must give its reason. */
export class DefineCriteriaCommand extends changeOf('DefineCriteria') {}
export class SetBaselineWindowCommand extends changeOf('SetBaselineWindow') {}
/** The whole deployment, or with `segments` one wave of a staggered go-live. */
export class GoLiveCommand extends changeOf('GoLive') {}
export class RollBackCommand extends changeOf('RollBack') {}
export class RetireDeploymentCommand extends changeOf('Retire') {}
/** Revoking a revoked key changes nothing. */
export class RevokeIngestKeyCommand extends changeOf('RevokeIngestKey') {}

/** The commands that are nothing but their decider command on a deployment (all but IssueIngestKeyCommand). */
export const DEPLOYMENT_CHANGES: readonly Type<DeploymentChange>[] = [
  RegisterDeploymentCommand,
  DefineCriteriaCommand,
  SetBaselineWindowCommand,
  GoLiveCommand,
  RollBackCommand,
  RetireDeploymentCommand,
  RevokeIngestKeyCommand,
];

/** A new ingest key for the deployment: the key itself is in the answer, once; the store keeps its hash. */
export class IssueIngestKeyCommand extends Command<{ keyId: string; key: string }> {
  constructor(readonly deploymentId: string) {
    super();
  }
}
