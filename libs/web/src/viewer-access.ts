import { Inject, Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ListViewerTokensQuery } from '@baseliner/control';
import { parseViewerToken, type ViewerTokens } from '@baseliner/domain';
import { SECRETS, secretsEqual, sha256Hex, type Secrets } from '@baseliner/platform';

/** Who is looking: the admin, or the holder of a viewer token. */
export type Viewer = { kind: 'admin' } | { kind: 'viewer'; tokenId: string; name: string };

/**
 * The tokens are read again when the last read is older than this: a revoked token, and every
 * session it opened, stops working within it (plus one read) on every process that serves pages.
 * The stream is small (one event per issue or revocation).
 */
const TOKENS_FRESH_MS = 1_000;
const UNKNOWN_REREAD_MS = 250;

/** Checks a presented token against the admin token and the viewer tokens in the store. */
@Injectable()
export class ViewerAccess {
  private readonly adminHash: string;
  private tokens: { at: number; tokens: Promise<ViewerTokens> } | undefined;
  private pendingReread: Promise<ViewerTokens> | undefined;

  constructor(
    private readonly queries: QueryBus,
    @Inject(SECRETS) secrets: Secrets,
  ) {
    this.adminHash = sha256Hex(secrets.adminToken);
  }

  async check(token: string | undefined): Promise<Viewer | undefined> {
    if (!token) return undefined;
    if (secretsEqual(token, this.adminHash)) return { kind: 'admin' };
    const parsed = parseViewerToken(token);
    if (!parsed) return undefined;
    // A token issued since the last read (its holder signs in right away): read again.
    const record = (await this.viewerTokens())[parsed.tokenId] ?? (await this.reread())[parsed.tokenId];
    if (!record || record.revokedAt || !secretsEqual(token, record.tokenHash)) return undefined;
    return { kind: 'viewer', tokenId: record.tokenId, name: record.name };
  }

  /** Whether the token behind a session still stands: the admin's does; a viewer's until it is revoked (seen within about 1 s). */
  async stillValid(viewer: Viewer): Promise<boolean> {
    if (viewer.kind === 'admin') return true;
    const record = (await this.viewerTokens())[viewer.tokenId];
    return Boolean(record && !record.revokedAt);
  }

  /**
   * A fresh read for a token id not seen yet, no sooner than UNKNOWN_REREAD_MS after the last one
   * and shared by every request waiting meanwhile: made-up token ids cannot make each request read
   * the store, and a real one issued a moment ago is found (a sign-in waits at most that long).
   */
  private reread(): Promise<ViewerTokens> {
    if (!this.pendingReread) {
      const wait = Math.max(0, (this.tokens?.at ?? 0) + UNKNOWN_REREAD_MS - Date.now());
      this.pendingReread = new Promise((resolve) => setTimeout(resolve, wait))
        .then(() => {
          this.tokens = undefined;
          return this.viewerTokens();
        })
        .finally(() => (this.pendingReread = undefined));
    }
    return this.pendingReread;
  }

  private viewerTokens(): Promise<ViewerTokens> {
    const now = Date.now();
    if (!this.tokens || now - this.tokens.at > TOKENS_FRESH_MS) {
      const tokens = this.queries.execute(new ListViewerTokensQuery());
      // A failed read is not cached: the next request tries again.
      tokens.catch(() => (this.tokens = undefined));
      this.tokens = { at: now, tokens };
    }
    return this.tokens.tokens;
  }
}
