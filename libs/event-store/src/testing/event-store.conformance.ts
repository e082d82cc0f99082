import { randomUUID } from 'node:crypto';
import {
  WrongExpectedRevisionError,
  type EventStore,
  type EventSubscription,
  type NewEvent,
  type RecordedEvent,
} from '../event-store.port';

export interface StoreUnderTest {
  store: EventStore;
  /** Closes the store and removes what it created. */
  dispose(): Promise<void>;
}

const event = (type = 'Something', data: unknown = { n: 1 }, id = randomUUID()): NewEvent => ({ id, type, data });
const stream = (category = 'test') => `${category}-${randomUUID()}`;

async function take(subscription: EventSubscription, count: number, timeoutMs = 10_000): Promise<RecordedEvent[]> {
  const received: RecordedEvent[] = [];
  const timer = setTimeout(() => subscription.close(), timeoutMs);
  for await (const e of subscription) {
    received.push(e);
    if (received.length >= count) break;
  }
  clearTimeout(timer);
  return received;
}

/**
 * The behaviour every EventStore adapter must have. Run it from each adapter's *.int.spec.ts
 * against a real store; a new adapter is done when this passes unchanged.
 */
export function describeEventStoreConformance(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`EventStore conformance: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: EventStore;

    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });
    afterEach(async () => subject.dispose());

    describe('appending and reading a stream', () => {
      it('numbers a new stream from revision 0 and reads it back in order with data and metadata', async () => {
        const id = stream();
        const result = await store.append(
          id,
          [event('A', { x: 1 }), { ...event('B', { y: [1, 2] }), metadata: { source: 's' } }, event('C', null)],
          { expectedRevision: 'no_stream' },
        );
        expect(result.nextExpectedRevision).toBe(2);
        expect(result.appendedIds).toHaveLength(3);
        const read = await store.readStream(id);
        expect(read.map((e) => [e.type, e.revision, e.data])).toEqual([
          ['A', 0, { x: 1 }],
          ['B', 1, { y: [1, 2] }],
          ['C', 2, null],
        ]);
        expect(read[1]?.metadata).toEqual({ source: 's' });
        expect(read[0]?.streamId).toBe(id);
        expect(read[2]?.position).toBe(result.position);
      });

      it('keeps data and metadata exactly, whatever characters they hold', async () => {
        const id = stream();
        const awkward = { text: 'tab\there\nnew line\r\\back\\slash "quoted" \u0000 nul, émoji 🙂, \\N', nested: [{ a: '\\t' }], n: 1.5e-7 };
        await store.append(id, [{ ...event('Awkward', awkward), metadata: { note: 'line\nbreak\t\\' } }]);
        const [read] = await store.readStream(id);
        expect(read?.data).toEqual(awkward);
        expect(read?.metadata).toEqual({ note: 'line\nbreak\t\\' });
      });

      it('reads an unknown stream as empty', async () => {
        await expect(store.readStream(stream())).resolves.toEqual([]);
      });

      it('reads from a revision', async () => {
        const id = stream();
        await store.append(id, [event('A'), event('B'), event('C')]);
        const read = await store.readStream(id, { fromRevision: 1, maxCount: 1 });
        expect(read.map((e) => e.type)).toEqual(['B']);
      });
    });

    describe('expected revision', () => {
      it('appends when the expected revision is the current one', async () => {
        const id = stream();
        await store.append(id, [event()], { expectedRevision: 'no_stream' });
        const next = await store.append(id, [event()], { expectedRevision: 0 });
        expect(next.nextExpectedRevision).toBe(1);
        await expect(store.append(id, [event()], { expectedRevision: 'stream_exists' })).resolves.toBeDefined();
      });

      it('rejects a stale revision with WrongExpectedRevisionError and stores nothing', async () => {
        const id = stream();
        await store.append(id, [event(), event()]);
        await expect(store.append(id, [event('Late')], { expectedRevision: 0 })).rejects.toBeInstanceOf(
          WrongExpectedRevisionError,
        );
        await expect(store.append(id, [event('Late')], { expectedRevision: 'no_stream' })).rejects.toMatchObject({
          streamId: id,
          actual: 1,
        });
        expect((await store.readStream(id)).map((e) => e.type)).not.toContain('Late');
      });

      it('rejects stream_exists on a new stream', async () => {
        await expect(store.append(stream(), [event()], { expectedRevision: 'stream_exists' })).rejects.toBeInstanceOf(
          WrongExpectedRevisionError,
        );
      });

      it('lets exactly one of two concurrent writers with the same expected revision win', async () => {
        const id = stream();
        await store.append(id, [event()], { expectedRevision: 'no_stream' });
        const outcomes = await Promise.allSettled([
          store.append(id, [event('First')], { expectedRevision: 0 }),
          store.append(id, [event('Second')], { expectedRevision: 0 }),
        ]);
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        const rejected = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
        expect(rejected.reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect(await store.readStream(id)).toHaveLength(2);
      });
    });

    describe('idempotency by event id', () => {
      it('stores a repeated id once and reports it as a duplicate', async () => {
        const id = stream();
        const [a, b, c] = [event('A'), event('B'), event('C')];
        await store.append(id, [a, b]);
        const second = await store.append(id, [b, c]);
        expect(second.duplicateIds).toEqual([b.id]);
        expect(second.appendedIds).toEqual([c.id]);
        expect((await store.readStream(id)).map((e) => [e.type, e.revision])).toEqual([
          ['A', 0],
          ['B', 1],
          ['C', 2],
        ]);
      });

      it('treats a repeat inside one append as a duplicate', async () => {
        const id = stream();
        const a = event('A');
        const result = await store.append(id, [a, a, event('B')]);
        expect(result.appendedIds).toHaveLength(2);
        expect(result.duplicateIds).toEqual([a.id]);
        expect(await store.readStream(id)).toHaveLength(2);
      });

      it("keeps ids per stream: the same id in another stream is that stream's own event", async () => {
        const [first, second] = [stream(), stream()];
        const shared = event('Shared');
        await store.append(first, [shared]);
        const other = await store.append(second, [shared]);
        expect(other.appendedIds).toEqual([shared.id]);
        expect(await store.readStream(second)).toHaveLength(1);
      });

      it('stores a batch sent by two writers at once exactly once', async () => {
        const id = stream();
        const batch = Array.from({ length: 20 }, (_, i) => event('Raced', { i }));
        const results = await Promise.all([store.append(id, batch), store.append(id, batch), store.append(id, [...batch].reverse())]);
        expect(results.flatMap((r) => r.appendedIds).sort()).toEqual(batch.map((e) => e.id).sort());
        const read = await store.readStream(id);
        expect(read).toHaveLength(20);
        expect(new Set(read.map((e) => e.id)).size).toBe(20);
      });

      it('answers a retried append with its old expected revision as a success, storing nothing', async () => {
        const id = stream();
        const batch = [event('A'), event('B')];
        await store.append(id, batch, { expectedRevision: 'no_stream' });
        const retry = await store.append(id, batch, { expectedRevision: 'no_stream' });
        expect(retry.appendedIds).toEqual([]);
        expect(retry.duplicateIds).toEqual(batch.map((e) => e.id));
        expect(await store.readStream(id)).toHaveLength(2);
      });
    });

    describe('reading the log', () => {
      it('reads recordedAt as a time and the event id back as written', async () => {
        const id = stream();
        const written = event('Timed');
        const before = Date.now();
        await store.append(id, [written]);
        const [read] = await store.readStream(id);
        expect(read?.id).toBe(written.id);
        expect(read?.recordedAt).toBeInstanceOf(Date);
        expect(Math.abs((read?.recordedAt.getTime() ?? 0) - before)).toBeLessThan(60_000);
        expect(store.engine).toEqual(expect.any(String));
      });
    });

    describe('global order', () => {
      it('gives strictly increasing positions in commit order across streams', async () => {
        const before = await store.headPosition();
        const streams = [stream(), stream(), stream()];
        const results = await Promise.all(
          Array.from({ length: 30 }, (_, i) => store.append(streams[i % 3] as string, [event('N', { i })])),
        );
        const positions = results.map((r) => r.position);
        expect(new Set(positions).size).toBe(30);
        expect(await store.headPosition()).toBe(Math.max(...positions));
        const all = await take(store.subscribeToAll({ fromPosition: before }), 30);
        expect(all.map((e) => e.position)).toEqual([...positions].sort((x, y) => x - y));
        const page = await store.readAll({ fromPosition: before, maxCount: 5 });
        expect(page.map((e) => e.position)).toEqual([...positions].sort((x, y) => x - y).slice(0, 5));
        for (const s of streams) {
          const revisions = (await store.readStream(s)).map((e) => e.revision);
          expect(revisions).toEqual(revisions.map((_, i) => i));
        }
      });
    });

    describe('subscription to all', () => {
      it('catches up from a checkpoint, then delivers live appends, each once and in order', async () => {
        const start = await store.headPosition();
        const id = stream();
        await store.append(id, [event('Old1'), event('Old2')]);
        const checkpoint = (await store.append(id, [event('Old3')])).position;
        await store.append(id, [event('AfterCheckpoint')]);

        const subscription = store.subscribeToAll({ fromPosition: checkpoint });
        const received = take(subscription, 3);
        await new Promise((r) => setTimeout(r, 50));
        await store.append(id, [event('Live1')]);
        await store.append(stream(), [event('Live2')]);
        const types = (await received).map((e) => e.type);
        expect(types).toEqual(['AfterCheckpoint', 'Live1', 'Live2']);

        const everything = await take(store.subscribeToAll({ fromPosition: start }), 6);
        expect(everything.map((e) => e.type)).toEqual(['Old1', 'Old2', 'Old3', 'AfterCheckpoint', 'Live1', 'Live2']);
      });

      it('filters by stream category', async () => {
        const start = await store.headPosition();
        await store.append(stream('telemetry'), [event('T1')]);
        await store.append(stream('deployment'), [event('D1')]);
        await store.append(stream('telemetry'), [event('T2')]);
        await store.append(stream('deployment'), [event('D2')]);
        const deployments = await take(store.subscribeToAll({ fromPosition: start, categories: ['deployment'] }), 2);
        expect(deployments.map((e) => e.type)).toEqual(['D1', 'D2']);
        expect(await store.headPosition({ categories: ['deployment'] })).toBe(deployments[1]?.position);
        expect(await store.headPosition({ categories: ['nothing-here'] })).toBe(0);
      });

      it('has no gap and no repeat while appends race with catch-up', async () => {
        const start = await store.headPosition();
        const id = stream();
        await store.append(id, Array.from({ length: 1500 }, (_, i) => event('Pre', { i })));
        const subscription = store.subscribeToAll({ fromPosition: start });
        const received = take(subscription, 3000, 30_000);
        for (let batch = 0; batch < 15; batch += 1) {
          await store.append(id, Array.from({ length: 100 }, (_, i) => event('During', { i: batch * 100 + i })));
        }
        const events = await received;
        expect(events).toHaveLength(3000);
        expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
        const positions = events.map((e) => e.position);
        expect(new Set(positions).size).toBe(3000);
        expect(positions).toEqual([...positions].sort((x, y) => x - y));
      });

      it('ends iteration when closed', async () => {
        const subscription = store.subscribeToAll({ fromPosition: await store.headPosition() });
        const done = (async () => {
          const seen: RecordedEvent[] = [];
          for await (const e of subscription) seen.push(e);
          return seen;
        })();
        setTimeout(() => subscription.close(), 50);
        await expect(done).resolves.toEqual([]);
      });
    });
  });
}
