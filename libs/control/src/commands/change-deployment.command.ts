import { Command } from '@nestjs/cqrs';
import type { DeploymentCommand, RegisteredDeployment } from '@baseliner/domain';

/** Any lifecycle command on one deployment; the domain decider says what it means. */
export class ChangeDeploymentCommand extends Command<RegisteredDeployment> {
  constructor(
    readonly deploymentId: string,
    readonly command: DeploymentCommand,
  ) {
    super();
  }
}
