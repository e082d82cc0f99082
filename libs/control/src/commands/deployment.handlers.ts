import { Injectable } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decide, deploymentEventsOf, deploymentStream, foldDeployment, formatIngestKey, type DeploymentCommand, type RegisteredDeployment } from '@baseliner/domain';
import { sha256Hex } from '@baseliner/platform';
import { mintCredential } from '../credentials/mint-credential';
import { DeploymentRegistry } from '../registry/deployment-registry.service';
import { ConflictRetryingHandler } from './conflict-retrying-handler';
import {
  DefineCriteriaCommand,
  GoLiveCommand,
  IssueIngestKeyCommand,
  RegisterDeploymentCommand,
  RetireDeploymentCommand,
  RevokeIngestKeyCommand,
  RollBackCommand,
  SetBaselineWindowCommand,
  type DeploymentChange,
} from './deployment.commands';

/**
 * A lifecycle command decided on the deployment's stream (ConflictRetryingHandler), answered once
 * the registry has applied what it appended, so the caller reads its own write (a key issued by
 * one request works in the next).
 */
@Injectable()
export class DeploymentLifecycle {
  constructor(
    private readonly retrying: ConflictRetryingHandler,
    private readonly registry: DeploymentRegistry,
  ) {}

  async change(deploymentId: string, command: DeploymentCommand): Promise<RegisteredDeployment> {
    const appended = await this.retrying.handle({
      streamId: deploymentStream(deploymentId),
      fold: (history) => foldDeployment(deploymentEventsOf(history)),
      decide: (state, now) => decide(command, state, { now }),
    });
    if (appended) await this.registry.waitFor(appended.position);
    return this.registry.get(deploymentId) as RegisteredDeployment;
  }
}

/** Every lifecycle command but key issue is its decider command on its deployment. */
@Injectable()
abstract class DeploymentChangeHandler<C extends DeploymentChange> implements ICommandHandler<C, RegisteredDeployment> {
  constructor(private readonly lifecycle: DeploymentLifecycle) {}

  execute({ deploymentId, decision }: C): Promise<RegisteredDeployment> {
    return this.lifecycle.change(deploymentId, decision);
  }
}

@CommandHandler(RegisterDeploymentCommand)
export class RegisterDeploymentHandler extends DeploymentChangeHandler<RegisterDeploymentCommand> {}

@CommandHandler(DefineCriteriaCommand)
export class DefineCriteriaHandler extends DeploymentChangeHandler<DefineCriteriaCommand> {}

@CommandHandler(SetBaselineWindowCommand)
export class SetBaselineWindowHandler extends DeploymentChangeHandler<SetBaselineWindowCommand> {}

@CommandHandler(GoLiveCommand)
export class GoLiveHandler extends DeploymentChangeHandler<GoLiveCommand> {}

@CommandHandler(RollBackCommand)
export class RollBackHandler extends DeploymentChangeHandler<RollBackCommand> {}

@CommandHandler(RetireDeploymentCommand)
export class RetireDeploymentHandler extends DeploymentChangeHandler<RetireDeploymentCommand> {}

@CommandHandler(RevokeIngestKeyCommand)
export class RevokeIngestKeyHandler extends DeploymentChangeHandler<RevokeIngestKeyCommand> {}

/** The key is made here (randomness is I/O); the deployment's stream keeps the hash of its secret. */
@CommandHandler(IssueIngestKeyCommand)
export class IssueIngestKeyHandler implements ICommandHandler<IssueIngestKeyCommand, { keyId: string; key: string }> {
  constructor(private readonly lifecycle: DeploymentLifecycle) {}

  async execute({ deploymentId }: IssueIngestKeyCommand): Promise<{ keyId: string; key: string }> {
    const { id: keyId, secret } = mintCredential();
    await this.lifecycle.change(deploymentId, { type: 'IssueIngestKey', data: { keyId, keyHash: sha256Hex(secret) } });
    return { keyId, key: formatIngestKey(keyId, secret) };
  }
}

export const DEPLOYMENT_COMMAND_HANDLERS = [
  DeploymentLifecycle,
  RegisterDeploymentHandler,
  DefineCriteriaHandler,
  SetBaselineWindowHandler,
  GoLiveHandler,
  RollBackHandler,
  RetireDeploymentHandler,
  RevokeIngestKeyHandler,
  IssueIngestKeyHandler,
];
