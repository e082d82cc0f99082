import { randomUUID } from 'node:crypto';
import type { ShardLeaseProvider, ShardLeases } from '../shard-leases.port';

export interface ShardLeasesUnderTest {
  /** Hands out leases; each `shardLeases` call is one more projector, as another process would be. */
  provider: ShardLeaseProvider;
  /**
   * The projector holding `leases` dies without releasing anything (killed, its host gone): the
   * engine must notice by itself. Afterwards `leases` does nothing more.
   */
  crash(leases: ShardLeases): Promise<void>;
  /**
   * How long a dead projector's leases can stay taken before the engine frees them (a TTL; 0 when
   * the engine sees the death at once, as PostgreSQL does when the session ends).
   */
  deadHolderReleasedWithinMs: number;
  /** Closes the provider and removes what it created. */
  dispose(): Promise<void>;
}

/** Short rounds keep the suite fast; the application's default is 2 s. */
const ROUND_MS = 50;
/** A change of holders takes a couple of rounds; this much is "never happened" for the suite. */
const SETTLE_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

async function until(condition: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what()}`);
    await sleep(10);
  }
}

/**
 * Projectors as the suite sees them: what each one is projecting, from its `onChange` calls.
 * While a call runs, the projector still projects what it had (it is saving those shards'
 * snapshot), so a shard counts as its until the call resolves. Any moment at which two live
 * projectors project one shard is recorded as an overlap.
 */
class Projectors {
  private readonly projecting = new Map<string, Set<number>>();
  private readonly leases = new Map<string, ShardLeases>();
  private readonly groups = new Map<string, string>();
  readonly calls = new Map<string, number[][]>();
  readonly overlaps: string[] = [];

  constructor(
    private readonly provider: ShardLeaseProvider,
    private readonly group: string,
    private readonly shards: number,
  ) {}

  /** A projector joins; `saveMs` is how long its onChange takes (a snapshot being saved). */
  async start(name: string, options: { saveMs?: number; group?: string } = {}): Promise<void> {
    const group = options.group ?? this.group;
    const leases = this.provider.shardLeases({ group, shards: this.shards, rebalanceEveryMs: ROUND_MS });
    this.leases.set(name, leases);
    this.groups.set(name, group);
    this.projecting.set(name, new Set());
    this.calls.set(name, []);
    await leases.start(async (held) => {
      if (!this.leases.has(name)) return; // gone: a dead projector projects nothing
      this.calls.get(name)?.push([...held]);
      const before = this.projecting.get(name) ?? new Set<number>();
      this.projecting.set(name, new Set([...before, ...held]));
      this.checkOverlaps();
      if (options.saveMs) await sleep(options.saveMs);
      if (this.leases.has(name)) this.projecting.set(name, new Set(held));
    });
  }

  held(name: string): number[] {
    return [...(this.projecting.get(name) ?? [])].sort((a, b) => a - b);
  }

  holdings(): number[][] {
    return [...this.leases.keys()].map((name) => this.held(name));
  }

  /** Every shard held once, no projector above `most`. */
  settled(most: number): boolean {
    const all = this.holdings().flat().sort((a, b) => a - b);
    return all.length === this.shards && all.every((shard, i) => shard === i) && this.holdings().every((h) => h.length <= most);
  }

  describe(): string {
    return [...this.leases.keys()].map((name) => `${name}: [${this.held(name).join(',')}]`).join('; ');
  }

  /** A clean shutdown: the projector stops projecting, then closes its leases. */
  async close(name: string): Promise<void> {
    const leases = this.forget(name);
    await leases?.close();
  }

  /** Stops following a projector (it died); returns its leases. */
  forget(name: string): ShardLeases | undefined {
    const leases = this.leases.get(name);
    this.leases.delete(name);
    this.projecting.delete(name);
    return leases;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.leases.keys()].map((name) => this.close(name)));
  }

  private checkOverlaps(): void {
    const owner = new Map<string, string>();
    for (const [name, shards] of this.projecting) {
      for (const shard of shards) {
        const key = `${this.groups.get(name)}/${shard}`;
        const other = owner.get(key);
        if (other !== undefined) this.overlaps.push(`shard ${shard} held by ${other} and ${name} (${this.describe()})`);
        owner.set(key, name);
      }
    }
  }
}

/**
 * The behaviour every ShardLeases implementation must have, as the projectors relying on it see
 * it. Run it from each adapter's *.int.spec.ts that offers leases, against a real engine.
 */
export function describeShardLeasesConformance(name: string, open: () => Promise<ShardLeasesUnderTest>): void {
  describe(`ShardLeases conformance: ${name}`, () => {
    let subject: ShardLeasesUnderTest;
    let projectors: Projectors;
    const SHARDS = 6;

    beforeEach(async () => {
      subject = await open();
      // A group of its own: tests (and other runs on the same engine) never see each other's leases.
      projectors = new Projectors(subject.provider, `conformance-${randomUUID()}`, SHARDS);
    });
    afterEach(async () => {
      await projectors.closeAll();
      await subject.dispose();
    });

    it('gives a lone projector every shard, sorted, and says so before start resolves', async () => {
      await projectors.start('a');
      expect(projectors.calls.get('a')).toEqual([range(SHARDS)]);
    });

    it('keeps a shard from a second projector until the first has given it up, then splits them evenly', async () => {
      // The first projector takes 300 ms to save a snapshot when it gives shards up: the second
      // must not be told it holds them before that.
      await projectors.start('a', { saveMs: 300 });
      await projectors.start('b');
      await until(() => projectors.settled(SHARDS / 2), SETTLE_MS, () => projectors.describe());
      expect(projectors.held('a')).toHaveLength(3);
      expect(projectors.held('b')).toHaveLength(3);
      expect(projectors.overlaps).toEqual([]);
    });

    it('spreads N shards over M projectors: at most ⌈N/M⌉ each, every shard held once', async () => {
      for (const name of ['a', 'b', 'c', 'd']) await projectors.start(name);
      // 6 shards over 4: at most 2 each, so at least one projector holds a single shard or none.
      await until(() => projectors.settled(2), SETTLE_MS, () => projectors.describe());
      expect(projectors.holdings().map((held) => held.length).reduce((a, b) => a + b)).toBe(SHARDS);
      // One holding shards leaves: the other three (one of them idle so far) take its share.
      await projectors.close('a');
      await until(() => projectors.settled(2), SETTLE_MS, () => projectors.describe());
      expect(projectors.holdings().map((held) => held.length)).toEqual([2, 2, 2]);
      expect(projectors.overlaps).toEqual([]);
    });

    it('lets a live projector keep its shards round after round (no expiry while it lives)', async () => {
      await projectors.start('a');
      await projectors.start('b');
      await until(() => projectors.settled(3), SETTLE_MS, () => projectors.describe());
      const before = { a: projectors.held('a'), b: projectors.held('b'), calls: [...projectors.calls.values()].flat().length };
      await sleep(30 * ROUND_MS);
      expect({ a: projectors.held('a'), b: projectors.held('b'), calls: [...projectors.calls.values()].flat().length }).toEqual(before);
    });

    it('hands a closing projector’s shards to the others at once (a clean shutdown waits for no expiry)', async () => {
      await projectors.start('a');
      await projectors.start('b');
      await until(() => projectors.settled(3), SETTLE_MS, () => projectors.describe());
      const closedAt = Date.now();
      await projectors.close('a');
      await until(() => projectors.held('b').length === SHARDS, SETTLE_MS, () => projectors.describe());
      // A few rounds, not a lease's lifetime.
      expect(Date.now() - closedAt).toBeLessThan(20 * ROUND_MS + 1_000);
      expect(projectors.overlaps).toEqual([]);
    });

    it('moves a dead projector’s shards to the survivors once the engine frees them, and a newcomer gets its share', async () => {
      await projectors.start('a');
      await projectors.start('b');
      await until(() => projectors.settled(3), SETTLE_MS, () => projectors.describe());
      const dead = projectors.forget('a') as ShardLeases;
      await subject.crash(dead);
      await until(() => projectors.held('b').length === SHARDS, subject.deadHolderReleasedWithinMs + SETTLE_MS, () => projectors.describe());
      await projectors.start('c');
      await until(() => projectors.settled(3), SETTLE_MS, () => projectors.describe());
      expect(projectors.held('c')).toHaveLength(3);
      expect(projectors.overlaps).toEqual([]);
    });

    it('keeps groups apart: the same shard numbers in another group are held independently', async () => {
      await projectors.start('a');
      await projectors.start('other-group', { group: `conformance-${randomUUID()}` });
      await sleep(5 * ROUND_MS);
      expect(projectors.held('a')).toEqual(range(SHARDS));
      expect(projectors.held('other-group')).toEqual(range(SHARDS));
    });
  });
}
