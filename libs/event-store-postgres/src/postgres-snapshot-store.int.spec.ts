import { Client } from 'pg';
import { shardHash, shardOf } from '@baseliner/event-store';
import { describeWithPostgres, dropSchema, freshSchemaName, POSTGRES_URL } from '../../../test/support/postgres';
import { PostgresEventStore } from './postgres-event-store.adapter';
import { SCHEMA_VERSION, sqlShardHash } from './postgres-schema';

const KEYS = [...Array.from({ length: 60 }, (_, i) => `dep-${i}`), 'ünïcode-☃', 'a', ''];

async function sql<T extends object>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describeWithPostgres('PostgreSQL snapshot store: shard filter in SQL', () => {
  let schema: string;
  beforeEach(() => {
    schema = freshSchemaName();
  });
  afterEach(() => dropSchema(schema));

  it('computes the same shard hash in SQL as in process', async () => {
    const rows = await sql<{ key: string; hash: string }>(`SELECT key, ${sqlShardHash('key')} AS hash FROM unnest($1::text[]) AS key`, [KEYS]);
    expect(rows.map((r) => [r.key, Number(r.hash)])).toEqual(KEYS.map((key) => [key, shardHash(key)]));
  });

  it('stores each row with its hash and returns only the rows of the shards asked for', async () => {
    const store = await PostgresEventStore.connect({ url: POSTGRES_URL, schema });
    try {
      await store.snapshotStore().save(KEYS.map((key, i) => ({ key, checkpoint: i, state: Buffer.from(key) })));
      const stored = await sql<{ key: string; shard_hash: string }>(`SELECT key, shard_hash FROM ${schema}.snapshots`);
      expect(stored.map((r) => [r.key, Number(r.shard_hash)]).sort()).toEqual(KEYS.map((key) => [key, shardHash(key)]).sort());
      for (const owned of [[0], [1, 3], [0, 1, 2, 3], []]) {
        const { rows } = await store.snapshotStore().load({ count: 4, owned });
        expect(rows.map((r) => r.key).sort()).toEqual(KEYS.filter((key) => owned.includes(shardOf(key, 4))).sort());
      }
    } finally {
      await store.close();
    }
  });

  it('migrates a schema of the previous version: existing rows get their hash; a row saved without one is still filtered right', async () => {
    // A store of schema version 1: snapshots without the hash column, rows written by that version.
    const first = await PostgresEventStore.connect({ url: POSTGRES_URL, schema });
    await first.close();
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
    await sql(`ALTER TABLE ${schema}.snapshots DROP COLUMN shard_hash`);
    await sql(`DELETE FROM ${schema}.schema_migrations WHERE version >= 2`);
    await sql(`INSERT INTO ${schema}.snapshots (key, checkpoint, state) SELECT key, 1, convert_to(key, 'UTF8') FROM unnest($1::text[]) AS key`, [KEYS]);

    const store = await PostgresEventStore.connect({ url: POSTGRES_URL, schema });
    try {
      const migrated = await sql<{ key: string; shard_hash: string | null }>(`SELECT key, shard_hash FROM ${schema}.snapshots`);
      expect(migrated.map((r) => [r.key, r.shard_hash === null ? null : Number(r.shard_hash)]).sort()).toEqual(KEYS.map((key) => [key, shardHash(key)]).sort());

      // A process of the previous version, still running during a rolling upgrade, saves rows without the hash.
      await sql(`UPDATE ${schema}.snapshots SET shard_hash = NULL WHERE key LIKE 'dep-1%'`);
      const { rows } = await store.snapshotStore().load({ count: 4, owned: [1, 3] });
      expect(rows.map((r) => r.key).sort()).toEqual(KEYS.filter((key) => [1, 3].includes(shardOf(key, 4))).sort());
      expect(rows.every((r) => r.state.toString('utf8') === r.key)).toBe(true);
    } finally {
      await store.close();
    }
  });
});
