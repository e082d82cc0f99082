import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decide, foldDeployment, type DeploymentEvent, type RegisteredDeployment } from '@baseliner/domain';
import { EVENT_STORE, WrongExpectedRevisionError, type EventStore } from '@baseliner/event-store';
import { CLOCK, storedEventCodec, type Clock } from '@baseliner/platform';
import { DeploymentRegistry, deploymentStream } from '../registry/deployment-registry.service';
import { ChangeDeploymentCommand } from './change-deployment.command';

/** A command that lost a race is decided again on the new history this many times before 409. */
const CONFLICT_RETRIES = 3;

/**
 * Read the deployment's stream, let the decider rule, append what it decided with the revision
 * that was read. When another process changed the deployment in between, the command is decided
 * again on the new history: still valid, it goes through; no longer valid, the decider says why.
 * Only a deployment changing faster than it can be re-read answers 409.
 */
@CommandHandler(ChangeDeploymentCommand)
export class ChangeDeploymentHandler implements ICommandHandler<ChangeDeploymentCommand, RegisteredDeployment> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly registry: DeploymentRegistry,
  ) {}

  async execute({ deploymentId, command }: ChangeDeploymentCommand): Promise<RegisteredDeployment> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.decideAndAppend(deploymentId, command);
        return this.registry.get(deploymentId) as RegisteredDeployment;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= CONFLICT_RETRIES) throw error;
      }
    }
  }

  private async decideAndAppend(deploymentId: string, command: ChangeDeploymentCommand['command']): Promise<void> {
    const streamId = deploymentStream(deploymentId);
    const history = await this.store.readStream(streamId);
    const state = foldDeployment(history.map((e) => storedEventCodec.decode(e) as DeploymentEvent));
    const decided = decide(command, state, { now: this.clock.now() });
    if (decided.length === 0) return;
    const lastRevision = history.length ? (history[history.length - 1]?.revision as number) : 'no_stream';
    const result = await this.store.append(
      streamId,
      decided.map((event) => storedEventCodec.encode({ id: randomUUID(), type: event.type, data: event.data })),
      { expectedRevision: lastRevision },
    );
    await this.registry.waitFor(result.position);
  }
}
