/**
 * The shape of the two kinds of bearer credential Baseliner issues, in one place: an ingest key
 * (`blk_<keyId>.<secret>`, one deployment's events) and a viewer token (`bvt_<tokenId>.<secret>`,
 * the read-only pages). The id finds the record, the secret proves it. The prefix tells a
 * credential's kind at a glance, so a key sent where a token belongs gets a message saying so.
 */
export interface TokenParts {
  id: string;
  secret: string;
}

export const INGEST_KEY_PREFIX = 'blk_';
export const VIEWER_TOKEN_PREFIX = 'bvt_';

/** Random bytes behind the id (12 hex digits) and the secret (43 base64url characters) of a new credential. */
export const TOKEN_ID_BYTES = 6;
export const TOKEN_SECRET_BYTES = 32;

/** Ids are 12 hex digits; secrets at least 20 base64url characters. */
function tokenPattern(prefix: string): RegExp {
  return new RegExp(`^${prefix}([0-9a-f]{12})\\.([A-Za-z0-9_-]{20,})$`);
}

const INGEST_KEY = tokenPattern(INGEST_KEY_PREFIX);
const VIEWER_TOKEN = tokenPattern(VIEWER_TOKEN_PREFIX);

function parse(pattern: RegExp, token: string): TokenParts | undefined {
  const match = pattern.exec(token);
  return match ? { id: match[1] as string, secret: match[2] as string } : undefined;
}

export function formatIngestKey(keyId: string, secret: string): string {
  return `${INGEST_KEY_PREFIX}${keyId}.${secret}`;
}

export function parseIngestKey(key: string): { keyId: string; secret: string } | undefined {
  const parts = parse(INGEST_KEY, key);
  return parts && { keyId: parts.id, secret: parts.secret };
}

export function formatViewerToken(tokenId: string, secret: string): string {
  return `${VIEWER_TOKEN_PREFIX}${tokenId}.${secret}`;
}

export function parseViewerToken(token: string): { tokenId: string; secret: string } | undefined {
  const parts = parse(VIEWER_TOKEN, token);
  return parts && { tokenId: parts.id, secret: parts.secret };
}
