import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ChangeDeploymentHandler } from './commands/change-deployment.handler';
import { DeploymentsController } from './deployments.controller';
import { GetDeploymentHandler, ListDeploymentsHandler } from './queries/deployment.queries';
import { DeploymentRegistry } from './registry/deployment-registry.service';
import { ViewerTokensController } from './viewer-tokens.controller';

/** The deployment registry as a read model, shared by everything that needs to know deployments. */
@Module({ providers: [DeploymentRegistry], exports: [DeploymentRegistry] })
export class DeploymentRegistryModule {}

/** The control API: deployment lifecycle commands and queries. */
@Module({
  imports: [CqrsModule, DeploymentRegistryModule],
  controllers: [DeploymentsController, ViewerTokensController],
  providers: [ChangeDeploymentHandler, ListDeploymentsHandler, GetDeploymentHandler],
})
export class ControlModule {}
