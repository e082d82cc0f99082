import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { RegisteredDeployment } from '@baseliner/domain';
import { DeploymentRegistry } from '../registry/deployment-registry.service';

export class ListDeploymentsQuery extends Query<RegisteredDeployment[]> {}

export class GetDeploymentQuery extends Query<RegisteredDeployment | undefined> {
  constructor(readonly deploymentId: string) {
    super();
  }
}

@QueryHandler(ListDeploymentsQuery)
export class ListDeploymentsHandler implements IQueryHandler<ListDeploymentsQuery, RegisteredDeployment[]> {
  constructor(private readonly registry: DeploymentRegistry) {}
  async execute(): Promise<RegisteredDeployment[]> {
    return this.registry.list();
  }
}

@QueryHandler(GetDeploymentQuery)
export class GetDeploymentHandler implements IQueryHandler<GetDeploymentQuery, RegisteredDeployment | undefined> {
  constructor(private readonly registry: DeploymentRegistry) {}
  async execute({ deploymentId }: GetDeploymentQuery): Promise<RegisteredDeployment | undefined> {
    return this.registry.get(deploymentId);
  }
}
