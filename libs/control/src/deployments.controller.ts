import { Body, Controller, Delete, Get, HttpCode, Inject, Optional, Param, Post, Put, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { randomBytes } from 'node:crypto';
import {
  BaselineWindowBody,
  compileValidator,
  DefineCriteriaBody,
  DEPLOYMENT_ID_PATTERN,
  GoLiveBody,
  RegisterDeploymentBody,
  RetireBody,
  RollbackBody,
} from '@baseliner/contracts';
import type { DeploymentCommand, RegisteredDeployment } from '@baseliner/domain';
import { AdminTokenGuard, ApiError, sha256Hex, validBody, VERDICT_SOURCE, type VerdictSource } from '@baseliner/platform';
import { ChangeDeploymentCommand } from './commands/change-deployment.command';
import { GetDeploymentQuery, ListDeploymentsQuery } from './queries/deployment.queries';
import { toDetail, toSummary } from './deployment.views';
import { formatIngestKey } from '@baseliner/domain';

const validators = {
  register: compileValidator(RegisterDeploymentBody),
  criteria: compileValidator(DefineCriteriaBody),
  baseline: compileValidator(BaselineWindowBody),
  goLive: compileValidator(GoLiveBody),
  rollback: compileValidator(RollbackBody),
  retire: compileValidator(RetireBody),
};
const deploymentId = new RegExp(DEPLOYMENT_ID_PATTERN);

@Controller('v1/deployments')
@UseGuards(AdminTokenGuard)
export class DeploymentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @Optional() @Inject(VERDICT_SOURCE) private readonly verdicts?: VerdictSource,
  ) {}

  private async change(id: string, command: DeploymentCommand): Promise<RegisteredDeployment> {
    if (!deploymentId.test(id)) {
      throw new ApiError(404, 'not_found', `"${id}" is not a deployment id (lower-case letters, digits and dashes)`);
    }
    return this.commands.execute(new ChangeDeploymentCommand(id, command));
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
    const data = validBody(validators.register, body);
    return toDetail(await this.change(data.id, { type: 'RegisterDeployment', data }));
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    const deployment = await this.queries.execute(new GetDeploymentQuery(id));
    if (!deployment) throw new ApiError(404, 'not_found', `No deployment "${id}"; GET /v1/deployments lists them`);
    return toDetail(deployment);
  }

  @Put(':id/criteria')
  async criteria(@Param('id') id: string, @Body() body: unknown) {
    return toDetail(await this.change(id, { type: 'DefineCriteria', data: validBody(validators.criteria, body) }));
  }

  @Put(':id/baseline')
  async baseline(@Param('id') id: string, @Body() body: unknown) {
    return toDetail(await this.change(id, { type: 'SetBaselineWindow', data: validBody(validators.baseline, body) }));
  }

  @Post(':id/go-live')
  @HttpCode(200)
  async goLive(@Param('id') id: string, @Body() body: unknown) {
    return toDetail(await this.change(id, { type: 'GoLive', data: validBody(validators.goLive, body) }));
  }

  @Post(':id/rollback')
  @HttpCode(200)
  async rollback(@Param('id') id: string, @Body() body: unknown) {
    return toDetail(await this.change(id, { type: 'RollBack', data: validBody(validators.rollback, body) }));
  }

  @Post(':id/retire')
  @HttpCode(200)
  async retire(@Param('id') id: string, @Body() body: unknown) {
    return toDetail(await this.change(id, { type: 'Retire', data: validBody(validators.retire, body) }));
  }

  @Post(':id/keys')
  @HttpCode(201)
  async issueKey(@Param('id') id: string) {
    const keyId = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    await this.change(id, { type: 'IssueIngestKey', data: { keyId, keyHash: sha256Hex(secret) } });
    return { keyId, key: formatIngestKey(keyId, secret) };
  }

  @Delete(':id/keys/:keyId')
  @HttpCode(204)
  async revokeKey(@Param('id') id: string, @Param('keyId') keyId: string) {
    await this.change(id, { type: 'RevokeIngestKey', data: { keyId } });
  }
}
