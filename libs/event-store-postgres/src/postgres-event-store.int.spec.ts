import { randomUUID } from 'node:crypto';
import { describeEventStoreConformance, describeSnapshotStoreConformance } from '@baseliner/event-store/testing';
import type { RecordedEvent } from '@baseliner/event-store';
import { describeWithPostgres, dropSchema, freshSchemaName, POSTGRES_URL } from '../../../test/support/postgres';
import { PostgresEventStore } from './postgres-event-store.adapter';

async function openStore(schema = freshSchemaName()) {
  const store = await PostgresEventStore.connect({ url: POSTGRES_URL, schema, pollIntervalMs: 100 });
  return { store, schema };
}

describeWithPostgres('PostgreSQL event store', () => {
  describeEventStoreConformance('PostgreSQL', async () => {
    const { store, schema } = await openStore();
    return {
      store,
      dispose: async () => {
        await store.close();
        await dropSchema(schema);
      },
    };
  });

  describeSnapshotStoreConformance('PostgreSQL', async () => {
    const { store: events, schema } = await openStore();
    return {
      store: events.snapshotStore(),
      dispose: async () => {
        await events.close();
        await dropSchema(schema);
      },
    };
  });

  describe('beyond the port', () => {
    let schema: string;
    beforeEach(() => {
      schema = freshSchemaName();
    });
    afterEach(() => dropSchema(schema));

    it('lets a reader tail the log while several processes write, without skipping a late commit or repeating one', async () => {
      // Three stores = three processes' pools, each group-committing; a fourth follows the log live.
      const writers = await Promise.all([0, 1, 2].map(() => PostgresEventStore.connect({ url: POSTGRES_URL, schema })));
      const reader = await PostgresEventStore.connect({ url: POSTGRES_URL, schema, pollIntervalMs: 20 });
      const expected = 3 * 40 * 25;
      const seen: RecordedEvent[] = [];
      const subscription = reader.subscribeToAll({ fromPosition: 0 });
      const following = (async () => {
        for await (const event of subscription) {
          seen.push(event);
          if (seen.length >= expected) break;
        }
      })();
      await Promise.all(
        writers.map((writer, w) =>
          Promise.all(
            Array.from({ length: 40 }, (_, b) =>
              writer.append(`load-${w}-${b % 4}`, Array.from({ length: 25 }, (_, i) => ({ id: randomUUID(), type: 'Load', data: { w, b, i } }))),
            ),
          ),
        ),
      );
      const timeout = setTimeout(() => subscription.close(), 30_000);
      await following;
      clearTimeout(timeout);
      const positions = seen.map((e) => e.position);
      // Contiguous: every position from 1 to the head, once, in order — nothing was skipped.
      expect(positions).toEqual(Array.from({ length: expected }, (_, i) => i + 1));
      expect(await reader.headPosition()).toBe(expected);
      const all = await reader.readAll({ fromPosition: 0, maxCount: expected + 10 });
      expect(all.map((e) => e.id)).toEqual(seen.map((e) => e.id));
      await Promise.all([...writers, reader].map((s) => s.close()));
    }, 60_000);

    it('applies its schema once when many processes start together, and refuses a newer schema', async () => {
      const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresEventStore.connect({ url: POSTGRES_URL, schema })));
      await stores[0]?.append('s-1', [{ id: 'a', type: 'A', data: {} }]);
      await Promise.all(stores.map((s) => s.close()));
      const probe = await PostgresEventStore.connect({ url: POSTGRES_URL, schema });
      const client = await probe.connectClient();
      await client.query(`INSERT INTO ${schema}.schema_migrations (version) VALUES (99)`);
      client.release();
      await probe.close();
      await expect(PostgresEventStore.connect({ url: POSTGRES_URL, schema })).rejects.toThrow(/schema 99 is newer than this build/);
    });

    it('says PostgreSQL is unreachable, naming the URL without its password', async () => {
      await expect(PostgresEventStore.connect({ url: 'postgres://baseliner:secret@127.0.0.1:1/none', schema })).rejects.toThrow(
        /PostgreSQL is not reachable at postgres:\/\/baseliner:\*\*\*@127\.0\.0\.1:1\/none/,
      );
    });
  });
});
