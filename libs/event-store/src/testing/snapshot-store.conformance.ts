import { shardOf, type SnapshotStore } from '../snapshot-store.port';

/** What every snapshot store keeps: rows by key with their checkpoint, meta numbers, overwrite by key. */
export function describeSnapshotStoreConformance(name: string, open: () => Promise<{ store: SnapshotStore; dispose(): Promise<void> }>): void {
  describe(`SnapshotStore conformance: ${name}`, () => {
    let subject: { store: SnapshotStore; dispose(): Promise<void> };
    beforeEach(async () => {
      subject = await open();
    });
    afterEach(async () => subject.dispose());

    it('starts empty', async () => {
      const loaded = await subject.store.load();
      expect(loaded.rows).toEqual([]);
      expect(loaded.meta.size).toBe(0);
    });

    it('saves rows and meta together, overwrites a row by key, and filters on load', async () => {
      const { store } = subject;
      const blob = Buffer.from([0, 1, 2, 255, 0, 7]);
      expect(await store.save([{ key: 'a', checkpoint: 10, state: blob }, { key: 'b', checkpoint: 11, state: Buffer.from('b') }], { format: 2, 'resume_from:0/1': 9 })).toBe(7);
      await store.save([{ key: 'a', checkpoint: 20, state: Buffer.from('newer') }]);
      const all = await store.load();
      expect(all.rows.map((r) => [r.key, r.checkpoint, r.state.toString('latin1')]).sort()).toEqual([
        ['a', 20, 'newer'],
        ['b', 11, 'b'],
      ]);
      expect(Object.fromEntries(all.meta)).toEqual({ format: 2, 'resume_from:0/1': 9 });
      // Of three shards, "a" is in 2 and "b" in 0 (a stable hash: this holds on every engine).
      expect([shardOf('a', 3), shardOf('b', 3)]).toEqual([2, 0]);
      const onlyB = await store.load({ count: 3, owned: [0, 1] });
      expect(onlyB.rows.map((r) => r.key)).toEqual(['b']);
      expect(Object.fromEntries(onlyB.meta)).toEqual({ format: 2, 'resume_from:0/1': 9 });
      expect((await store.load({ count: 3, owned: [0, 2] })).rows).toHaveLength(2);
      expect((await store.load({ count: 3, owned: [1] })).rows).toEqual([]);
      await store.save([{ key: 'c', checkpoint: 1, state: blob }], { 'resume_from:0/1': 30 });
      expect((await store.load()).meta.get('resume_from:0/1')).toBe(30);
      const withC = await store.load({ count: 1, owned: [0] });
      expect(withC.rows.find((r) => r.key === 'c')?.state.equals(blob)).toBe(true);
    });

    it('keeps a large position exactly', async () => {
      const position = 2 ** 52 + 3;
      await subject.store.save([{ key: 'big', checkpoint: position, state: Buffer.alloc(0) }], { resume: position });
      const loaded = await subject.store.load();
      expect(loaded.rows[0]?.checkpoint).toBe(position);
      expect(loaded.meta.get('resume')).toBe(position);
    });
  });
}
