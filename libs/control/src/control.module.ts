import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ConflictRetryingHandler } from './commands/conflict-retrying-handler';
import { DEPLOYMENT_COMMAND_HANDLERS } from './commands/deployment.handlers';
import { VIEWER_TOKEN_COMMAND_HANDLERS } from './commands/viewer-token.handlers';
import { DeploymentsController } from './deployments.controller';
import { GetDeploymentHandler, ListDeploymentsHandler } from './queries/deployment.queries';
import { StreamQueriesModule } from './queries/stream.queries';
import { DeploymentRegistry } from './registry/deployment-registry.service';
import { ViewerTokensController } from './viewer-tokens.controller';

/** The deployment registry as a read model, shared by everything that needs to know deployments. */
@Module({ providers: [DeploymentRegistry], exports: [DeploymentRegistry] })
export class DeploymentRegistryModule {}

/** The control API: every change a named command (decided in libs/domain, appended by ConflictRetryingHandler), every read a query. */
@Module({
  imports: [CqrsModule, DeploymentRegistryModule, StreamQueriesModule],
  controllers: [DeploymentsController, ViewerTokensController],
  providers: [ConflictRetryingHandler, ...DEPLOYMENT_COMMAND_HANDLERS, ...VIEWER_TOKEN_COMMAND_HANDLERS, ListDeploymentsHandler, GetDeploymentHandler],
})
export class ControlModule {}
