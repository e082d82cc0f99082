import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { describeRequiring } from './requires';

/** The server tests use: the machine's PostgreSQL (trust auth) unless BASELINER_TEST_POSTGRES_URL names another. */
export const POSTGRES_URL = process.env.BASELINER_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let available: string | undefined | null = null;

/** Undefined when reachable, else why not. Checked once, synchronously, so suites can be defined or skipped. */
export function postgresUnavailableReason(): string | undefined {
  if (available !== null) return available;
  const probe = spawnSync(
    process.execPath,
    ['-e', `const c = new (require('pg').Client)(${JSON.stringify(POSTGRES_URL)}); c.connect().then(() => c.end()).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });`],
    { encoding: 'utf8', timeout: 15_000 },
  );
  available = probe.status === 0 ? undefined : `PostgreSQL is not reachable at ${POSTGRES_URL} (${(probe.stderr || probe.error?.message || 'no answer').trim()}); start it with pg_ctlcluster or set BASELINER_TEST_POSTGRES_URL`;
  return available;
}

/** A describe that needs PostgreSQL (see `describeRequiring`). */
export function describeWithPostgres(name: string, body: () => void): void {
  describeRequiring(name, postgresUnavailableReason(), 'PostgreSQL', body);
}

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A schema of its own for one test: several tests share the server without seeing each other. */
export function freshSchemaName(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

export function dropSchema(schema: string): Promise<void> {
  return admin(async (client) => {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
}

/** A database of its own (created now, dropped by the returned function), for process-level tests. */
export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `baseliner_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined)),
  };
}
