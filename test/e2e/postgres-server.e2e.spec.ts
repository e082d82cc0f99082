import { Client } from 'pg';
import { describeWithPostgres, freshDatabase } from '../support/postgres';
import { client, startTestServer, taskCompleted, validRegistration, type TestServer } from '../support/test-server';

const DAY = 86_400_000;
const secrets = { adminToken: 'pg-server-admin-token-0123456789', actorKey: 'pg-server-actor-key-0123456789ab' };

// The all-in-one server on PostgreSQL, as the README's configuration describes it: the walkthrough
// works, the last snapshot is written at shutdown, and a restart resumes from it to the same scorecard.
describeWithPostgres('the all-in-one server on PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(async () => database?.drop());

  const start = (): Promise<TestServer> =>
    startTestServer({ config: { eventStore: 'postgres', postgresUrl: database.url, ...secrets } });

  it('takes events, dedupes a retry, snapshots at shutdown, and resumes to the same scorecard', async () => {
    const first = await start();
    const admin = client(first.url, secrets.adminToken);
    expect((await admin.post('/v1/deployments', { ...validRegistration('pg-walk'), rampUpDays: 0 })).status).toBe(201);
    expect((await admin.post('/v1/deployments/pg-walk/go-live', { at: new Date(Date.now() - 5 * DAY).toISOString() })).status).toBe(200);
    const key = (await admin.post('/v1/deployments/pg-walk/keys')).body.key as string;
    const batch = Array.from({ length: 40 }, (_, i) => taskCompleted('pg-walk', { time: new Date(Date.now() - (i % 4) * DAY - 3_600_000).toISOString() }));
    expect((await client(first.url, key).post('/v1/events', batch)).body).toMatchObject({ accepted: 40, duplicates: 0 });
    expect((await client(first.url, key).post('/v1/events', batch)).body).toMatchObject({ accepted: 0, duplicates: 40 });
    const before = (await admin.get('/v1/deployments/pg-walk/scorecard')).body;
    expect(before.windows.current.tasks.ai).toBe(40);
    await first.close();

    // The final snapshot pass wrote every deployment and the resume position, in the same database.
    const sql = new Client({ connectionString: database.url });
    await sql.connect();
    const meta = Object.fromEntries((await sql.query<{ key: string; value: string }>('SELECT key, value FROM baseliner.snapshot_meta')).rows.map((r) => [r.key, Number(r.value)]));
    const head = Number((await sql.query<{ position: string }>('SELECT position FROM baseliner.log_head')).rows[0]?.position);
    const snapshotted = (await sql.query<{ key: string }>('SELECT key FROM baseliner.snapshots')).rows.map((r) => r.key);
    await sql.end();
    expect(meta.resume_from).toBe(head);
    expect(snapshotted).toEqual(['pg-walk']);

    const second = await start();
    const after = (await client(second.url, secrets.adminToken).get('/v1/deployments/pg-walk/scorecard')).body;
    expect(after.windows).toEqual(before.windows);
    expect(after.verdict).toBe(before.verdict);
    await second.dispose();
  }, 60_000);
});
