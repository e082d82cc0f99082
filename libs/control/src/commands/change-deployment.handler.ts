import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decide, foldDeployment, type DeploymentEvent, type RegisteredDeployment } from '@baseliner/domain';
import { EVENT_STORE, type EventStore } from '@baseliner/event-store';
import { CLOCK, type Clock } from '@baseliner/platform';
import { DeploymentRegistry, deploymentStream } from '../registry/deployment-registry.service';
import { ChangeDeploymentCommand } from './change-deployment.command';

/**
 * Read the deployment's stream, let the decider rule, append what it decided with the revision
 * that was read. A concurrent change makes the append fail (409) instead of being overwritten.
 */
@CommandHandler(ChangeDeploymentCommand)
export class ChangeDeploymentHandler implements ICommandHandler<ChangeDeploymentCommand, RegisteredDeployment> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly registry: DeploymentRegistry,
  ) {}

  async execute({ deploymentId, command }: ChangeDeploymentCommand): Promise<RegisteredDeployment> {
    const streamId = deploymentStream(deploymentId);
    const history = await this.store.readStream(streamId);
    const state = foldDeployment(history.map((e) => ({ type: e.type, data: e.data }) as DeploymentEvent));
    const decided = decide(command, state, { now: this.clock.now() });
    if (decided.length > 0) {
      const lastRevision = history.length ? (history[history.length - 1]?.revision as number) : 'no_stream';
      const result = await this.store.append(
        streamId,
        decided.map((event) => ({ id: randomUUID(), type: event.type, data: event.data })),
        { expectedRevision: lastRevision },
      );
      await this.registry.waitFor(result.position);
    }
    return this.registry.get(deploymentId) as RegisteredDeployment;
  }
}
