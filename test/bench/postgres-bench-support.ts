import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The server benchmarks use: BASELINER_POSTGRES_URL, else the machine's PostgreSQL. */
export const BENCH_POSTGRES_URL = process.env.BASELINER_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: BENCH_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A database of its own for one round, dropped afterwards: every round starts from an empty store. */
export async function benchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `baseliner_bench_${randomBytes(5).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(BENCH_POSTGRES_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export const BENCH_SECRETS = { BASELINER_ADMIN_TOKEN: 'bench-admin-token-0123456789abcdef', BASELINER_ACTOR_KEY: 'bench-actor-key-0123456789abcdefgh' };
