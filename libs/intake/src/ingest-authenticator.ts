import { Inject, Injectable, Module } from '@nestjs/common';
import { DeploymentRegistry } from '@baseliner/control';
import { parseIngestKey } from '@baseliner/domain';
import { APP_CONFIG, CLOCK, SECRETS, secretsEqual, sha256Hex, type AppConfig, type Clock, type Secrets } from '@baseliner/platform';
import { IntakeCoreModule } from './intake-core.module';
import { DEFAULT_MAX_TRACKED, TokenBuckets } from './token-bucket';

/**
 * How an ingest key reaches Baseliner. `http` and `otlp` carry one request each (rate-limited
 * per key and, when the key fails, per client address); `kafka` carries one record, paced by the
 * consumer and with no client address.
 */
export type IngestTransport = 'http' | 'otlp' | 'kafka';

/** Why a key proves nothing, the same words on every transport. */
export type IngestRefusal =
  /** No key, or not an ingest key's shape. */
  | 'missing_key'
  /** An ingest key's shape, but no such key, or its secret is wrong. */
  | 'unknown_key'
  /** The admin token, sent where an ingest key belongs. */
  | 'admin_token'
  /** A real key (its secret proven), revoked. */
  | 'revoked_key'
  /** Too many failed keys from this client address. */
  | 'address_rate_limited'
  /** The key is fine, and over its request rate. */
  | 'key_rate_limited';

export type IngestAuthentication =
  | { ok: true; keyId: string; deploymentId: string }
  | { ok: false; status: 401 | 429; reason: IngestRefusal; message: string; retryAfterSeconds?: number };

export interface IngestClient {
  transport: IngestTransport;
  /** The client's address, where the transport knows it (failed keys are limited per address). */
  address?: string;
}

/** Failed authentications allowed per client address: sustained per second, with twice that as a burst. */
export const FAILED_AUTH_PER_SECOND = 10;

/** Proven tokens remembered (Kafka: one hash per record would cost more than the record). */
const PROVEN_TOKENS = 10_000;

/** Where each transport carries the key: the error message says it in the client's terms. */
const HOW_TO_SEND: Record<IngestTransport, string> = {
  http: 'Send the deployment’s ingest key as "Authorization: Bearer blk_…"',
  otlp: 'Send the deployment’s ingest key as "Authorization: Bearer blk_…"',
  kafka: 'Send the deployment’s ingest key in the record header "authorization: Bearer blk_…"',
};
const ISSUED_BY = '(POST /v1/deployments/{id}/keys issues one)';

/**
 * The one check of an ingest key, for every transport (HTTP, Kafka, and any later one such as
 * OTLP), in one order:
 * 1. the key's shape, the key id looked up, its secret compared in constant time (the hash is
 *    compared, never the secret): `missing_key`, `unknown_key` (or `admin_token` when it is the
 *    admin token);
 * 2. revocation, only once the secret is proven (an unproven key learns nothing about its id);
 * 3. on any failure, the client address's failure budget (10/s, bursts 20), when there is an
 *    address: beyond it, `address_rate_limited` (429) instead of the reason;
 * 4. on success, for request transports, the key's rate (`BASELINER_INGEST_RATE_LIMIT`).
 * A token proven once is remembered (at most 10,000, least recently used out), so a batch of
 * records with one key costs one hash; revocation is still looked up on every use. Both
 * per-address and per-key state are bounded (`TokenBuckets`).
 */
@Injectable()
export class IngestAuthenticator {
  private readonly keyRates: TokenBuckets;
  private readonly failures = new TokenBuckets(FAILED_AUTH_PER_SECOND, FAILED_AUTH_PER_SECOND * 2, DEFAULT_MAX_TRACKED);
  private readonly proven = new Map<string, { keyId: string; deploymentId: string }>();
  private readonly adminTokenHash: string;

  constructor(
    private readonly registry: DeploymentRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(SECRETS) secrets: Secrets,
  ) {
    this.keyRates = new TokenBuckets(config.ingestRateLimit);
    this.adminTokenHash = sha256Hex(secrets.adminToken);
  }

  /** Client addresses whose failures are remembered now (bounded). */
  get trackedAddresses(): number {
    return this.failures.size;
  }

  authenticate(token: string | undefined, client: IngestClient): IngestAuthentication {
    const now = this.clock.now().getTime();
    const checked = this.check(token, client.transport);
    if (!checked.ok) {
      if (client.address !== undefined) {
        const wait = this.failures.take(client.address, now);
        if (wait > 0) {
          return refusal(429, 'address_rate_limited', `Too many requests without a valid ingest key from this address; nothing was stored. Retry after ${wait} s`, wait);
        }
      }
      return checked;
    }
    if (client.transport !== 'kafka') {
      const wait = this.keyRates.take(checked.keyId, now);
      if (wait > 0) return refusal(429, 'key_rate_limited', `Too many requests for this key; nothing was stored. Retry after ${wait} s, or send larger batches`, wait);
    }
    return checked;
  }

  /** Steps 1 and 2: who the key is, or why it is no one. */
  private check(token: string | undefined, transport: IngestTransport): IngestAuthentication {
    const remembered = token === undefined ? undefined : this.proven.get(token);
    if (remembered) {
      const entry = this.registry.findKey(remembered.keyId);
      if (entry && !entry.revoked && entry.deploymentId === remembered.deploymentId) {
        this.proven.delete(token as string);
        this.proven.set(token as string, remembered);
        return { ok: true, ...remembered };
      }
      this.proven.delete(token as string);
    }
    const how = `${HOW_TO_SEND[transport]} ${ISSUED_BY}`;
    const parsed = token ? parseIngestKey(token) : undefined;
    if (!parsed) {
      if (token && secretsEqual(token, this.adminTokenHash)) {
        return refusal(401, 'admin_token', `This is the admin token: it is for the control API (/v1/deployments…), not for sending events. ${how}`);
      }
      return refusal(401, 'missing_key', `Missing or unknown ingest key. ${how}`);
    }
    const entry = this.registry.findKey(parsed.keyId);
    // Compared even when the id is unknown (against a hash nothing matches): the answer takes as long either way.
    if (!secretsEqual(parsed.secret, entry?.keyHash ?? NO_KEY_HASH) || !entry) return refusal(401, 'unknown_key', `Missing or unknown ingest key. ${how}`);
    if (entry.revoked) return refusal(401, 'revoked_key', `This ingest key was revoked. ${how}`);
    const proof = { keyId: parsed.keyId, deploymentId: entry.deploymentId };
    this.proven.set(token as string, proof);
    if (this.proven.size > PROVEN_TOKENS) this.proven.delete(this.proven.keys().next().value as string);
    return { ok: true, ...proof };
  }
}

/** A SHA-256 no secret hashes to in practice: what an unknown key id's secret is compared with. */
const NO_KEY_HASH = '0'.repeat(64);

function refusal(status: 401 | 429, reason: IngestRefusal, message: string, retryAfterSeconds?: number): IngestAuthentication {
  return { ok: false, status, reason, message, ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) };
}

/** The ingest-key check and the intake core, for each transport's module to import. */
@Module({
  imports: [IntakeCoreModule],
  providers: [IngestAuthenticator],
  exports: [IngestAuthenticator, IntakeCoreModule],
})
export class IngestAuthModule {}
