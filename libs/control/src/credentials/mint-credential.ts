import { randomBytes } from 'node:crypto';
import { TOKEN_ID_BYTES, TOKEN_SECRET_BYTES, type TokenParts } from '@baseliner/domain';

/** A fresh id and secret for an ingest key or a viewer token (the format is the domain's: token-format.ts). */
export function mintCredential(): TokenParts {
  return { id: randomBytes(TOKEN_ID_BYTES).toString('hex'), secret: randomBytes(TOKEN_SECRET_BYTES).toString('base64url') };
}
