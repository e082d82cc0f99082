import { DomainError } from '../deployment/domain-error';

/**
 * Read-only viewer tokens for the web pages: the admin issues one per person or team and can
 * revoke it; only a hash of the secret is stored. All of them live in one stream.
 */
export const VIEWER_TOKENS_STREAM = 'viewer-tokens';

export type ViewerTokenEvent =
  | { type: 'ViewerTokenIssued'; data: { tokenId: string; name: string; tokenHash: string; issuedAt: string } }
  | { type: 'ViewerTokenRevoked'; data: { tokenId: string; revokedAt: string } };

export const VIEWER_TOKEN_EVENT_TYPES: readonly ViewerTokenEvent['type'][] = ['ViewerTokenIssued', 'ViewerTokenRevoked'];

export interface ViewerToken {
  tokenId: string;
  name: string;
  tokenHash: string;
  issuedAt: string;
  revokedAt?: string;
}

export type ViewerTokens = Readonly<Record<string, ViewerToken>>;

export function evolveViewerTokens(state: ViewerTokens, event: ViewerTokenEvent): ViewerTokens {
  switch (event.type) {
    case 'ViewerTokenIssued':
      return { ...state, [event.data.tokenId]: { ...event.data } };
    case 'ViewerTokenRevoked': {
      const token = state[event.data.tokenId];
      return token ? { ...state, [token.tokenId]: { ...token, revokedAt: event.data.revokedAt } } : state;
    }
  }
}

export function foldViewerTokens(events: readonly { type: string; data: unknown }[]): ViewerTokens {
  let state: ViewerTokens = {};
  for (const event of events) {
    if ((VIEWER_TOKEN_EVENT_TYPES as readonly string[]).includes(event.type)) state = evolveViewerTokens(state, event as ViewerTokenEvent);
  }
  return state;
}

export const VIEWER_TOKEN_NAME_MAX = 100;

/** Issue a token named for who holds it ("finance team", "dana"); the name is shown in listings only. */
export function decideIssueViewerToken(state: ViewerTokens, input: { tokenId: string; name: unknown; tokenHash: string }, now: Date): ViewerTokenEvent[] {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (!name || name.length > VIEWER_TOKEN_NAME_MAX) {
    throw DomainError.invalid('name', `must say who holds the token, 1–${VIEWER_TOKEN_NAME_MAX} characters (e.g. "finance team")`);
  }
  if (state[input.tokenId]) throw new DomainError('conflict', `Viewer token ${input.tokenId} exists`);
  return [{ type: 'ViewerTokenIssued', data: { tokenId: input.tokenId, name, tokenHash: input.tokenHash, issuedAt: now.toISOString() } }];
}

/** Revoking twice is harmless: the second time decides nothing. */
export function decideRevokeViewerToken(state: ViewerTokens, tokenId: string, now: Date): ViewerTokenEvent[] {
  const token = state[tokenId];
  if (!token) throw new DomainError('not_found', `No viewer token ${tokenId}; GET /v1/viewer-tokens lists them`);
  if (token.revokedAt) return [];
  return [{ type: 'ViewerTokenRevoked', data: { tokenId, revokedAt: now.toISOString() } }];
}
