import { Body, Controller, Delete, Get, HttpCode, Inject, Optional, Param, Post, Put, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  BaselineWindowBody,
  compileValidator,
  DefineCriteriaBody,
  DEPLOYMENT_ID_PATTERN,
  GoLiveBody,
  RegisterDeploymentBody,
  RetireBody,
  RollbackBody,
  type Validator,
} from '@baseliner/contracts';
import { AdminTokenGuard, ApiError, validBody, VERDICT_SOURCE, type VerdictSource } from '@baseliner/platform';
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
} from './commands/deployment.commands';
import { GetDeploymentQuery, ListDeploymentsQuery } from './queries/deployment.queries';
import { toDetail, toSummary } from './deployment.views';

const validators = {
  register: compileValidator(RegisterDeploymentBody),
  criteria: compileValidator(DefineCriteriaBody),
  baseline: compileValidator(BaselineWindowBody),
  goLive: compileValidator(GoLiveBody),
  rollback: compileValidator(RollbackBody),
  retire: compileValidator(RetireBody),
};
const deploymentIdPattern = new RegExp(DEPLOYMENT_ID_PATTERN);

/** A path's deployment id, or 404 before anything is read. */
function deploymentId(id: string): string {
  if (!deploymentIdPattern.test(id)) {
    throw new ApiError(404, 'not_found', `"${id}" is not a deployment id (lower-case letters, digits and dashes)`);
  }
  return id;
}

@Controller('v1/deployments')
@UseGuards(AdminTokenGuard)
export class DeploymentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @Optional() @Inject(VERDICT_SOURCE) private readonly verdicts?: VerdictSource,
  ) {}

  /** The body is checked first (422), then the id (404), then the command decided. */
  private async change<Data>(id: string, validator: Validator<Data>, body: unknown, Change: new (deploymentId: string, data: Data) => DeploymentChange) {
    const data = validBody(validator, body);
    return toDetail(await this.commands.execute(new Change(deploymentId(id), data)));
  }

  /** With the verdict of the last evaluation when the read side runs in this process. */
  @Get()
  async list() {
    return (await this.queries.execute(new ListDeploymentsQuery())).map((d) => {
      const verdict = this.verdicts?.verdictOf(d.id);
      return { ...toSummary(d), ...(verdict && { verdict }) };
    });
  }

  @Post()
  @HttpCode(201)
  async register(@Body() body: unknown) {
    return toDetail(await this.commands.execute(new RegisterDeploymentCommand(validBody(validators.register, body))));
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    const deployment = await this.queries.execute(new GetDeploymentQuery(id));
    if (!deployment) throw new ApiError(404, 'not_found', `No deployment "${id}"; GET /v1/deployments lists them`);
    return toDetail(deployment);
  }

  @Put(':id/criteria')
  async criteria(@Param('id') id: string, @Body() body: unknown) {
    return this.change(id, validators.criteria, body, DefineCriteriaCommand);
  }

  @Put(':id/baseline')
  async baseline(@Param('id') id: string, @Body() body: unknown) {
    return this.change(id, validators.baseline, body, SetBaselineWindowCommand);
  }

  @Post(':id/go-live')
  @HttpCode(200)
  async goLive(@Param('id') id: string, @Body() body: unknown) {
    return this.change(id, validators.goLive, body, GoLiveCommand);
  }

  @Post(':id/rollback')
  @HttpCode(200)
  async rollback(@Param('id') id: string, @Body() body: unknown) {
    return this.change(id, validators.rollback, body, RollBackCommand);
  }

  @Post(':id/retire')
  @HttpCode(200)
  async retire(@Param('id') id: string, @Body() body: unknown) {
    return this.change(id, validators.retire, body, RetireDeploymentCommand);
  }

  @Post(':id/keys')
  @HttpCode(201)
  async issueKey(@Param('id') id: string) {
    return this.commands.execute(new IssueIngestKeyCommand(deploymentId(id)));
  }

  @Delete(':id/keys/:keyId')
  @HttpCode(204)
  async revokeKey(@Param('id') id: string, @Param('keyId') keyId: string) {
    await this.commands.execute(new RevokeIngestKeyCommand(deploymentId(id), { keyId }));
  }
}
