import { TokenBuckets } from './token-bucket';

describe('TokenBuckets: bounded state', () => {
  it('remembers at most maxTracked keys however many are seen (a flood of one-off addresses)', () => {
    const buckets = new TokenBuckets(10, 20, 1_000);
    for (let i = 0; i < 100_000; i += 1) buckets.take(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, 0);
    expect(buckets.size).toBe(1_000);
  });

  it('forgets the least recently used key first: a key in use keeps its limit through a flood of others', () => {
    const buckets = new TokenBuckets(1, 2, 100);
    expect([buckets.take('attacker', 0), buckets.take('attacker', 0)]).toEqual([0, 0]);
    expect(buckets.take('attacker', 0)).toBeGreaterThan(0);
    for (let i = 0; i < 1_000; i += 1) {
      buckets.take(`one-off-${i}`, 0);
      // Still trying every tenth address: still limited (with no time passing, the bucket is empty).
      if (i % 10 === 0) expect(buckets.take('attacker', 0)).toBeGreaterThan(0);
    }
    expect(buckets.size).toBe(100);
  });

  it('a forgotten key starts again with a full bucket (forgetting never refuses anyone)', () => {
    const buckets = new TokenBuckets(1, 2, 1);
    buckets.take('a', 0);
    buckets.take('a', 0);
    expect(buckets.take('a', 0)).toBeGreaterThan(0);
    buckets.take('b', 0);
    expect(buckets.take('a', 0)).toBe(0);
  });

  it('refuses a bound below one', () => {
    expect(() => new TokenBuckets(1, 2, 0)).toThrow(/maxTracked must be at least 1/);
  });
});
