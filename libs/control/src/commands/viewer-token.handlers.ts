import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  decideIssueViewerToken,
  decideRevokeViewerToken,
  foldViewerTokens,
  formatViewerToken,
  VIEWER_TOKENS_STREAM,
  type ViewerTokenEvent,
  type ViewerTokens,
} from '@baseliner/domain';
import { sha256Hex } from '@baseliner/platform';
import { mintCredential } from '../credentials/mint-credential';
import { ConflictRetryingHandler, type StreamDecision } from './conflict-retrying-handler';
import { IssueViewerTokenCommand, RevokeViewerTokenCommand } from './viewer-token.commands';

/** All viewer tokens live in one stream, ruled on by the viewer-token decisions (libs/domain). */
function onViewerTokens(decide: (tokens: ViewerTokens, now: Date) => ViewerTokenEvent[]): StreamDecision<ViewerTokens, ViewerTokenEvent> {
  return { streamId: VIEWER_TOKENS_STREAM, fold: foldViewerTokens, decide };
}

/** The token is made here (randomness is I/O); the stream keeps the hash of the whole token. */
@CommandHandler(IssueViewerTokenCommand)
export class IssueViewerTokenHandler implements ICommandHandler<IssueViewerTokenCommand, { tokenId: string; name: string; token: string }> {
  constructor(private readonly retrying: ConflictRetryingHandler) {}

  async execute({ name }: IssueViewerTokenCommand): Promise<{ tokenId: string; name: string; token: string }> {
    const { id: tokenId, secret } = mintCredential();
    const token = formatViewerToken(tokenId, secret);
    await this.retrying.handle(onViewerTokens((tokens, now) => decideIssueViewerToken(tokens, { tokenId, name, tokenHash: sha256Hex(token) }, now)));
    return { tokenId, name: (name as string).trim(), token };
  }
}

@CommandHandler(RevokeViewerTokenCommand)
export class RevokeViewerTokenHandler implements ICommandHandler<RevokeViewerTokenCommand, void> {
  constructor(private readonly retrying: ConflictRetryingHandler) {}

  async execute({ tokenId }: RevokeViewerTokenCommand): Promise<void> {
    await this.retrying.handle(onViewerTokens((tokens, now) => decideRevokeViewerToken(tokens, tokenId, now)));
  }
}

export const VIEWER_TOKEN_COMMAND_HANDLERS = [IssueViewerTokenHandler, RevokeViewerTokenHandler];
