import { Inject, Injectable } from '@nestjs/common';
import { foldViewerTokens, parseViewerToken, VIEWER_TOKENS_STREAM, type ViewerTokens } from '@baseliner/domain';
import { EVENT_STORE, type EventStore } from '@baseliner/event-store';
import { SECRETS, secretsEqual, sha256Hex, storedEventCodec, type Secrets } from '@baseliner/platform';

/** Who is looking: the admin, or the holder of a viewer token. */
export type Viewer = { kind: 'admin' } | { kind: 'viewer'; tokenId: string; name: string };

/** A revoked token stops working within this long on every process that serves pages. */
const TOKENS_FRESH_MS = 2_000;

/** Checks a presented token against the admin token and the viewer tokens in the store. */
@Injectable()
export class ViewerAccess {
  private readonly adminHash: string;
  private tokens: { at: number; tokens: Promise<ViewerTokens> } | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SECRETS) secrets: Secrets,
  ) {
    this.adminHash = sha256Hex(secrets.adminToken);
  }

  async check(token: string | undefined): Promise<Viewer | undefined> {
    if (!token) return undefined;
    if (secretsEqual(token, this.adminHash)) return { kind: 'admin' };
    const parsed = parseViewerToken(token);
    if (!parsed) return undefined;
    const record = (await this.viewerTokens())[parsed.tokenId];
    if (!record || record.revokedAt || !secretsEqual(token, record.tokenHash)) return undefined;
    return { kind: 'viewer', tokenId: record.tokenId, name: record.name };
  }

  private viewerTokens(): Promise<ViewerTokens> {
    const now = Date.now();
    if (!this.tokens || now - this.tokens.at > TOKENS_FRESH_MS) {
      const tokens = this.store.readStream(VIEWER_TOKENS_STREAM).then((history) => foldViewerTokens(history.map((e) => storedEventCodec.decode(e))));
      // A failed read is not cached: the next request tries again.
      tokens.catch(() => (this.tokens = undefined));
      this.tokens = { at: now, tokens };
    }
    return this.tokens.tokens;
  }
}
