import { ActorPseudonymiser } from './actor-pseudonymiser';
import { telemetryEventId } from './telemetry-event-id';
import { TokenBuckets } from './token-bucket';

describe('telemetry event ids', () => {
  it('are the same for the same (source, id), different otherwise, and UUID-shaped', () => {
    const id = telemetryEventId('dep', 'svc', 'e1');
    expect(id).toBe(telemetryEventId('dep', 'svc', 'e1'));
    expect(id).not.toBe(telemetryEventId('dep', 'svc', 'e2'));
    expect(id).not.toBe(telemetryEventId('dep', 'other', 'e1'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('are the SHA-256 of the length-prefixed triple, laid out as a version-8 UUID (stored ids never change)', () => {
    // printf '3:dep3:svce1' | sha256sum → a46bea4da6f8a296ff54e607f258cff4…
    expect(telemetryEventId('dep', 'svc', 'e1')).toBe('a46bea4d-a6f8-8296-bf54-e607f258cff4');
    // printf '5:bench13:bench/doc-svcé-1' | sha256sum → 2fb3ac86cbdf68405babdcb8d19c33f3… (UTF-8)
    expect(telemetryEventId('bench', 'bench/doc-svc', 'é-1')).toBe('2fb3ac86-cbdf-8840-9bab-dcb8d19c33f3');
    // Length prefixes count UTF-16 units, the digest is over UTF-8 bytes:
    // printf '3:dép7:sérvicee1' | sha256sum → 22cee593ae2387462c3c1be7da9dc665…
    expect(telemetryEventId('dép', 'sérvice', 'e1')).toBe('22cee593-ae23-8746-ac3c-1be7da9dc665');
  });
});

describe('actor pseudonyms', () => {
  it('are stable under one key, differ across keys, and do not contain the actor', () => {
    const a = new ActorPseudonymiser('key-one-0123456789abcdef');
    const b = new ActorPseudonymiser('key-two-0123456789abcdef');
    expect(a.pseudonym('alice@example.com')).toBe(a.pseudonym('alice@example.com'));
    expect(a.pseudonym('alice@example.com')).not.toBe(b.pseudonym('alice@example.com'));
    expect(a.pseudonym('alice@example.com')).not.toContain('alice');
  });
});

describe('per-key rate limit', () => {
  it('allows a burst of twice the rate, then asks to wait, and refills over time', () => {
    const buckets = new TokenBuckets(2);
    const at = (ms: number) => buckets.take('k', ms);
    expect([at(0), at(0), at(0), at(0)]).toEqual([0, 0, 0, 0]);
    expect(at(0)).toBe(1);
    expect(buckets.take('other-key', 0)).toBe(0);
    expect(at(500)).toBe(0);
    expect(at(500)).toBe(1);
  });

  it('is off at 0', () => {
    const buckets = new TokenBuckets(0);
    expect(Array.from({ length: 100 }, () => buckets.take('k', 0)).every((w) => w === 0)).toBe(true);
  });
});

describe('telemetry event ids across the source/id boundary', () => {
  it('cannot be forged by moving characters between source and id', () => {
    expect(telemetryEventId('dep', 'ab', 'c')).not.toBe(telemetryEventId('dep', 'a', 'bc'));
    expect(telemetryEventId('dep', 'a\n', 'b')).not.toBe(telemetryEventId('dep', 'a', '\nb'));
    expect(telemetryEventId('dep', 'svc', 'e1')).not.toBe(telemetryEventId('other-dep', 'svc', 'e1'));
    expect(telemetryEventId('de', 'psvc', 'e1')).not.toBe(telemetryEventId('dep', 'svc', 'e1'));
  });
});
