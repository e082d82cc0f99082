import { Command } from '@nestjs/cqrs';

/** A read-only token for the pages, named for who holds it; the token is in the answer, once. */
export class IssueViewerTokenCommand extends Command<{ tokenId: string; name: string; token: string }> {
  /** The name as sent: the decider checks it (a string of 1–100 characters once trimmed). */
  constructor(readonly name: unknown) {
    super();
  }
}

/** Revoking a revoked token changes nothing. */
export class RevokeViewerTokenCommand extends Command<void> {
  constructor(readonly tokenId: string) {
    super();
  }
}
