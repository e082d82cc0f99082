import type { PoolClient } from 'pg';

/** A schema name is spliced into SQL: only plain identifiers. */
export function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`"${schema}" is not a valid schema name: lower-case letters, digits and _`);
  return schema;
}

/**
 * Numbered migrations, applied in order at start under an advisory lock, so many intakes
 * starting together migrate once. Never edit one that has shipped: add the next.
 */
const MIGRATIONS: ((schema: string) => string)[] = [
  (s) => `
    CREATE TABLE ${s}.events (
      position    bigint  PRIMARY KEY,
      -- Byte order ("C"): a category is then a range of the stream index ('deployment-' up to
      -- 'deployment.'), so it needs no index of its own — one index fewer on every insert.
      stream_id   text    COLLATE "C" NOT NULL,
      revision    integer NOT NULL,
      event_id    text    NOT NULL,
      type        text    NOT NULL,
      data        text    NOT NULL,
      metadata    text,
      recorded_at bigint  NOT NULL
    );
    CREATE UNIQUE INDEX events_by_stream ON ${s}.events (stream_id, revision);
    CREATE UNIQUE INDEX events_by_event_id ON ${s}.events (stream_id, event_id);
    -- The single sequencer: every append locks this row, takes the next positions and commits
    -- before the next append can, so position order is commit order (see the adapter).
    CREATE TABLE ${s}.log_head (id integer PRIMARY KEY CHECK (id = 1), position bigint NOT NULL);
    INSERT INTO ${s}.log_head VALUES (1, 0);
    CREATE TABLE ${s}.snapshots (key text PRIMARY KEY, checkpoint bigint NOT NULL, state bytea NOT NULL);
    CREATE TABLE ${s}.snapshot_meta (key text PRIMARY KEY, value bigint NOT NULL);
  `,
  // Each snapshot row's shard hash (shardHash: the first 4 bytes of SHA-256 of the key, unsigned),
  // so a sharded projector's load selects its shards in the query. Rows already there get it
  // here; it stays nullable so a process of the previous version, still saving during a rolling
  // upgrade, does not fail: a row without it is read and filtered in process.
  (s) => `
    ALTER TABLE ${s}.snapshots ADD COLUMN shard_hash bigint;
    UPDATE ${s}.snapshots SET shard_hash = ${sqlShardHash('key')};
  `,
];

/** shardHash (@baseliner/event-store) in SQL, for a text column: the integration tests check both agree. */
export function sqlShardHash(column: string): string {
  return `('x' || left(encode(sha256(convert_to(${column}, 'UTF8')), 'hex'), 8))::bit(32)::bigint`;
}

export const SCHEMA_VERSION = MIGRATIONS.length;
const MIGRATION_LOCK = 0x42534c4d; // "BSLM"

export async function migrate(client: PoolClient, schema: string): Promise<number> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${schema}.schema_migrations`);
    const current = rows[0]?.version ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new Error(`Event store schema ${current} is newer than this build understands (${SCHEMA_VERSION}); upgrade Baseliner`);
    }
    for (let version = current + 1; version <= SCHEMA_VERSION; version += 1) {
      await client.query('BEGIN');
      try {
        await client.query((MIGRATIONS[version - 1] as (s: string) => string)(schema));
        await client.query(`INSERT INTO ${schema}.schema_migrations (version) VALUES ($1)`, [version]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
    return SCHEMA_VERSION;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}
