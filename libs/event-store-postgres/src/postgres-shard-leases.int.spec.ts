import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { ShardLeases } from '@baseliner/event-store';
import { describeShardLeasesConformance } from '@baseliner/event-store/testing';
import { describeWithPostgres, POSTGRES_URL } from '../../../test/support/postgres';
import { PostgresShardLeases } from './postgres-shard-leases';

/** The server process behind a connection (node-postgres keeps it, untyped). */
const backendPid = (client: Client) => (client as Client & { processID: number | null }).processID;

/** Ends a session from the server side, as when its process dies: the server frees its locks at once. */
async function terminateSession(pid: number | null | undefined): Promise<void> {
  if (!pid) throw new Error('the projector has no session to end');
  const admin = new Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await admin.end();
  }
}

/**
 * Leases as PostgresEventStore.shardLeases hands them out (one connection per projector), with
 * each projector's connection remembered so a test can end its session.
 */
function recordingProvider() {
  const sessions = new Map<ShardLeases, Client>();
  const handedOut = new Set<PostgresShardLeases>();
  const shardLeases = (options: { group: string; shards: number; rebalanceEveryMs?: number }): PostgresShardLeases => {
    const leases: PostgresShardLeases = new PostgresShardLeases({
      ...options,
      connect: () => {
        const client = new Client({ connectionString: POSTGRES_URL, application_name: 'baseliner-leases-test' });
        sessions.set(leases, client);
        return client;
      },
    });
    handedOut.add(leases);
    return leases;
  };
  return {
    shardLeases,
    session: (leases: ShardLeases) => sessions.get(leases),
    closeAll: async () => {
      for (const leases of handedOut) await leases.close();
    },
  };
}

describeWithPostgres('PostgreSQL shard leases', () => {
  describeShardLeasesConformance('PostgreSQL', async () => {
    const provider = recordingProvider();
    return {
      provider,
      async crash(leases) {
        const session = provider.session(leases);
        await terminateSession(session && backendPid(session));
        // A dead process runs nothing more: stop this one's rounds too.
        await leases.close();
      },
      // Advisory locks belong to the session: they go when it ends, with no lease time to wait out.
      deadHolderReleasedWithinMs: 0,
      dispose: provider.closeAll,
    };
  });

  describe('beyond the port', () => {
    it('tells a projector whose session the server ended that it holds nothing, then gives it its share again on a new session', async () => {
      const provider = recordingProvider();
      const group = `leases-${randomUUID()}`;
      const calls: Record<'a' | 'b', number[][]> = { a: [], b: [] };
      const a = provider.shardLeases({ group, shards: 4, rebalanceEveryMs: 50 });
      const b = provider.shardLeases({ group, shards: 4, rebalanceEveryMs: 50 });
      try {
        await a.start((held) => void calls.a.push(held));
        await b.start((held) => void calls.b.push(held));
        const latest = (name: 'a' | 'b') => calls[name][calls[name].length - 1] ?? [];
        const waitFor = async (done: () => boolean) => {
          for (const deadline = Date.now() + 5_000; !done(); await new Promise((r) => setTimeout(r, 10))) {
            if (Date.now() > deadline) throw new Error(`leases did not settle: a ${JSON.stringify(calls.a)}, b ${JSON.stringify(calls.b)}`);
          }
        };
        await waitFor(() => latest('a').length === 2 && latest('b').length === 2);
        const firstSession = provider.session(a);
        await terminateSession(backendPid(firstSession as Client));
        // Told at its next round (until then it believes it holds its shards: see docs/event-stores.md).
        await waitFor(() => calls.a.some((held) => held.length === 0));
        await waitFor(() => latest('a').length === 2 && latest('b').length === 2);
        expect(provider.session(a)).not.toBe(firstSession);
        expect([...latest('a'), ...latest('b')].sort()).toEqual([0, 1, 2, 3]);
      } finally {
        await provider.closeAll();
      }
    });
  });
});
