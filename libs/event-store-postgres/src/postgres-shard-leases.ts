import { createHash, randomInt } from 'node:crypto';
import type { Client } from 'pg';
import type { ShardLeases } from '@baseliner/event-store';

export interface PostgresShardLeasesOptions {
  group: string;
  shards: number;
  rebalanceEveryMs?: number;
  connect(): Client;
}

/** A positive int4 naming a lock namespace, from a label. */
function namespace(label: string): number {
  return createHash('sha256').update(label).digest().readUInt32BE(0) & 0x7fffffff;
}

/**
 * Shard leases held as PostgreSQL session advisory locks on one connection per projector:
 * `(shard namespace, shard)` for each shard held, and `(member namespace, random id)` to be
 * counted among the projectors alive. When a projector dies its connection closes and the
 * server releases its locks at once; the survivors see fewer members at their next rebalance
 * and take the shards over. Each holds ⌈shards / members⌉ at most, so the shards spread out.
 * A shard is handed over only after the holder has been told (and has saved its snapshot).
 */
export class PostgresShardLeases implements ShardLeases {
  private readonly shardNamespace: number;
  private readonly memberNamespace: number;
  private readonly memberId = randomInt(1, 2 ** 31 - 1);
  private readonly rebalanceEveryMs: number;
  private client: Client | undefined;
  private held: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private running: Promise<void> = Promise.resolve();
  private onChange: (held: number[]) => void | Promise<void> = () => undefined;

  constructor(private readonly options: PostgresShardLeasesOptions) {
    this.shardNamespace = namespace(`baseliner:${options.group}:shard`);
    this.memberNamespace = namespace(`baseliner:${options.group}:member`);
    this.rebalanceEveryMs = options.rebalanceEveryMs ?? 2_000;
  }

  async start(onChange: (held: number[]) => void | Promise<void>): Promise<void> {
    this.onChange = onChange;
    await this.rebalance();
    const tick = () => {
      if (this.closed) return;
      this.running = this.rebalance().finally(() => {
        if (!this.closed) this.timer = setTimeout(tick, this.rebalanceEveryMs);
      });
    };
    this.timer = setTimeout(tick, this.rebalanceEveryMs);
  }

  private async connection(): Promise<Client> {
    if (this.client) return this.client;
    const client = this.options.connect();
    client.on('error', () => undefined);
    await client.connect();
    await client.query('SELECT pg_advisory_lock($1, $2)', [this.memberNamespace, this.memberId]);
    this.client = client;
    return client;
  }

  /** One round: count members, then release down to or claim up to this projector's share. */
  private async rebalance(): Promise<void> {
    try {
      const client = await this.connection();
      const members = Number(
        (
          await client.query<{ n: string }>(
            `SELECT count(*) AS n FROM pg_locks
             WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid = $1::int::oid
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
            [this.memberNamespace],
          )
        ).rows[0]?.n ?? 1,
      );
      const share = Math.ceil(this.options.shards / Math.max(1, members));
      if (this.held.length > share) {
        const keep = this.held.slice(0, share);
        const release = this.held.slice(share);
        this.held = keep;
        await this.onChange([...keep]); // the projector saves its snapshot of those shards first
        for (const shard of release) await client.query('SELECT pg_advisory_unlock($1, $2)', [this.shardNamespace, shard]);
        return;
      }
      const claimed: number[] = [];
      for (let shard = 0; shard < this.options.shards && this.held.length + claimed.length < share; shard += 1) {
        if (this.held.includes(shard)) continue;
        const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [this.shardNamespace, shard]);
        if (rows[0]?.locked) claimed.push(shard);
      }
      if (claimed.length > 0) {
        this.held = [...this.held, ...claimed].sort((a, b) => a - b);
        await this.onChange([...this.held]);
      }
    } catch {
      // The connection is gone, and with it every lock: hold nothing until a new one is made.
      await this.client?.end().catch(() => undefined);
      this.client = undefined;
      if (this.held.length > 0) {
        this.held = [];
        await Promise.resolve(this.onChange([])).catch(() => undefined);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    // Ending the session releases every lock it holds.
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
    this.held = [];
  }
}
