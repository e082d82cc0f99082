import { Injectable, type Type } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decide, deploymentEventsOf, deploymentStream, foldDeployment, formatIngestKey, type DeploymentCommand, type RegisteredDeployment } from '@baseliner/domain';
import { sha256Hex } from '@baseliner/platform';
import { mintCredential } from '../credentials/mint-credential';
import { DeploymentRegistry } from '../registry/deployment-registry.service';
import { ConflictRetryingHandler } from './conflict-retrying-handler';
import { DEPLOYMENT_CHANGES, IssueIngestKeyCommand, type DeploymentChange } from './deployment.commands';

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

/** The handler of one of DEPLOYMENT_CHANGES, named after it (GoLiveCommand: GoLiveHandler). */
function deploymentChangeHandler(command: Type<DeploymentChange>): Type<ICommandHandler<DeploymentChange, RegisteredDeployment>> {
  @CommandHandler(command)
  class Handler implements ICommandHandler<DeploymentChange, RegisteredDeployment> {
    constructor(private readonly lifecycle: DeploymentLifecycle) {}

    execute({ deploymentId, decision }: DeploymentChange): Promise<RegisteredDeployment> {
      return this.lifecycle.change(deploymentId, decision);
    }
  }
  Object.defineProperty(Handler, 'name', { value: command.name.replace(/Command$/, 'Handler') });
  return Handler;
}

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

export const DEPLOYMENT_COMMAND_HANDLERS = [DeploymentLifecycle, ...DEPLOYMENT_CHANGES.map(deploymentChangeHandler), IssueIngestKeyHandler];
