import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  decideIssueViewerToken,
  decideRevokeViewerToken,
  foldViewerTokens,
  formatViewerToken,
  VIEWER_TOKENS_STREAM,
  type ViewerTokenEvent,
  type ViewerTokens,
} from '@baseliner/domain';
import { EVENT_STORE, WrongExpectedRevisionError, type EventStore } from '@baseliner/event-store';
import { AdminTokenGuard, CLOCK, sha256Hex, storedEventCodec, type Clock } from '@baseliner/platform';

const CONFLICT_RETRIES = 3;

/**
 * Read-only viewer tokens for the web pages, issued and revoked with the admin token. The secret
 * is shown once, at issue; the store keeps its hash.
 */
@Controller('v1/viewer-tokens')
@UseGuards(AdminTokenGuard)
export class ViewerTokensController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  async list() {
    const { tokens } = await this.read();
    return Object.values(tokens).map(({ tokenId, name, issuedAt, revokedAt }) => ({ tokenId, name, issuedAt, ...(revokedAt && { revokedAt }) }));
  }

  @Post()
  @HttpCode(201)
  async issue(@Body() body: unknown) {
    const tokenId = randomBytes(6).toString('hex');
    const token = formatViewerToken(tokenId, randomBytes(32).toString('base64url'));
    const name = body && typeof body === 'object' ? (body as { name?: unknown }).name : undefined;
    await this.change((tokens, now) => decideIssueViewerToken(tokens, { tokenId, name, tokenHash: sha256Hex(token) }, now));
    return { tokenId, name: (name as string).trim(), token };
  }

  @Delete(':tokenId')
  @HttpCode(204)
  async revoke(@Param('tokenId') tokenId: string) {
    await this.change((tokens, now) => decideRevokeViewerToken(tokens, tokenId, now));
  }

  private async read(): Promise<{ tokens: ViewerTokens; revision: number | 'no_stream' }> {
    const history = await this.store.readStream(VIEWER_TOKENS_STREAM);
    const tokens = foldViewerTokens(history.map((e) => storedEventCodec.decode(e)));
    return { tokens, revision: history.length ? (history[history.length - 1]?.revision as number) : 'no_stream' };
  }

  /** Decide on the stream as read and append with its revision; a lost race is decided again. */
  private async change(decide: (tokens: ViewerTokens, now: Date) => ViewerTokenEvent[]): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      const { tokens, revision } = await this.read();
      const decided = decide(tokens, this.clock.now());
      if (decided.length === 0) return;
      try {
        await this.store.append(
          VIEWER_TOKENS_STREAM,
          decided.map((event) => storedEventCodec.encode({ id: randomUUID(), type: event.type, data: event.data })),
          { expectedRevision: revision },
        );
        return;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= CONFLICT_RETRIES) throw error;
      }
    }
  }
}
