import { createHmac } from 'node:crypto';

/**
 * Keyed HMAC-SHA256 of an actor id, truncated to 128 bits. The same actor always maps to the
 * same pseudonym under one key (so adoption can be counted), and without the key a pseudonym
 * cannot be reversed or confirmed by hashing guesses.
 */
export class ActorPseudonymiser {
  // Actors repeat across events, and an HMAC costs more than a map lookup on the intake's hot
  // path. Bounded; the raw ids it holds live only in this process's memory.
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly key: string,
    private readonly cacheSize = 50_000,
  ) {}

  pseudonym(actor: string): string {
    let pseudonym = this.cache.get(actor);
    if (pseudonym === undefined) {
      pseudonym = `p_${createHmac('sha256', this.key).update(actor, 'utf8').digest('base64url').slice(0, 22)}`;
      if (this.cache.size >= this.cacheSize) this.cache.clear();
      this.cache.set(actor, pseudonym);
    }
    return pseudonym;
  }
}
