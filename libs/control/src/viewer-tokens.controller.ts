import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { AdminTokenGuard } from '@baseliner/platform';
import { IssueViewerTokenCommand, RevokeViewerTokenCommand } from './commands/viewer-token.commands';
import { ListViewerTokensQuery } from './queries/stream.queries';

/**
 * Read-only viewer tokens for the web pages, issued and revoked with the admin token. The secret
 * is shown once, at issue; the store keeps its hash.
 */
@Controller('v1/viewer-tokens')
@UseGuards(AdminTokenGuard)
export class ViewerTokensController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  async list() {
    const tokens = await this.queries.execute(new ListViewerTokensQuery());
    return Object.values(tokens).map(({ tokenId, name, issuedAt, revokedAt }) => ({ tokenId, name, issuedAt, ...(revokedAt && { revokedAt }) }));
  }

  @Post()
  @HttpCode(201)
  async issue(@Body() body: unknown) {
    const name = body && typeof body === 'object' ? (body as { name?: unknown }).name : undefined;
    return this.commands.execute(new IssueViewerTokenCommand(name));
  }

  @Delete(':tokenId')
  @HttpCode(204)
  async revoke(@Param('tokenId') tokenId: string) {
    await this.commands.execute(new RevokeViewerTokenCommand(tokenId));
  }
}
