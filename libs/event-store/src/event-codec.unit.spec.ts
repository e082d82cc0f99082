import { EventCodec, UnknownEventVersionError } from './event-codec';

// A made-up history of one type: v1 had `minutes`, v2 renamed it to `durationMinutes`, v3 moved
// to seconds. The log keeps all three shapes; readers see only v3.
const codec = new EventCodec({ TaskTimed: 3 }, [
  { type: 'TaskTimed', fromVersion: 1, upcast: (d) => ({ durationMinutes: (d as { minutes: number }).minutes }) },
  { type: 'TaskTimed', fromVersion: 2, upcast: (d) => ({ durationSeconds: (d as { durationMinutes: number }).durationMinutes * 60 }) },
]);

describe('stored-event codec', () => {
  it('reads every stored version as the current shape, step by step', () => {
    expect(codec.decode({ type: 'TaskTimed', data: { minutes: 2 }, metadata: {} })).toEqual({ type: 'TaskTimed', data: { durationSeconds: 120 }, storedVersion: 1 });
    expect(codec.decode({ type: 'TaskTimed', data: { durationMinutes: 3 }, metadata: { v: 2 } }).data).toEqual({ durationSeconds: 180 });
    expect(codec.decode({ type: 'TaskTimed', data: { durationSeconds: 7 }, metadata: { v: 3 } }).data).toEqual({ durationSeconds: 7 });
  });

  it('stamps the current version on write, and leaves version-1 types without metadata', () => {
    expect(codec.encode({ id: 'a', type: 'TaskTimed', data: { durationSeconds: 1 } }).metadata).toEqual({ v: 3 });
    const plain = { id: 'b', type: 'Other', data: {} };
    expect(codec.encode(plain)).toBe(plain);
    expect(codec.decode({ type: 'Other', data: { x: 1 }, metadata: {} })).toEqual({ type: 'Other', data: { x: 1 }, storedVersion: 1 });
  });

  it('refuses an event written by a newer build, saying to upgrade', () => {
    expect(() => codec.decode({ type: 'TaskTimed', data: {}, metadata: { v: 4 } })).toThrow(UnknownEventVersionError);
    expect(() => codec.decode({ type: 'TaskTimed', data: {}, metadata: { v: 4 } })).toThrow(/version 4 .* understands up to 3: upgrade/);
  });

  it('will not build with a gap in the upcasters or one past the current version', () => {
    expect(() => new EventCodec({ T: 3 }, [{ type: 'T', fromVersion: 1, upcast: (d) => d }])).toThrow(/no upcaster from version 2/);
    expect(() => new EventCodec({ T: 2 }, [{ type: 'T', fromVersion: 2, upcast: (d) => d }])).toThrow(/does not lead to its current version/);
  });
});
