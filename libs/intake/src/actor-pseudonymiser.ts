import { createHmac } from 'node:crypto';

/**
 * Keyed HMAC-SHA256 of an actor id, truncated to 128 bits. The same actor always maps to the
 * same pseudonym under one key (so adoption can be counted), and without the key a pseudonym
 * cannot be reversed or confirmed by hashing guesses.
 */
export class ActorPseudonymiser {
  constructor(private readonly key: string) {}

  pseudonym(actor: string): string {
    return `p_${createHmac('sha256', this.key).update(actor, 'utf8').digest('base64url').slice(0, 22)}`;
  }
}
