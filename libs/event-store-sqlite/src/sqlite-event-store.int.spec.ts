import Database from 'better-sqlite3';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, onLines, spawnTs } from '../../../test/support/run-ts';
import { EventStoreUnavailableError } from '@baseliner/event-store';
import { describeEventStoreConformance, describeSnapshotStoreConformance } from '@baseliner/event-store/testing';
import { SqliteSnapshotStore } from './sqlite-snapshot-store';
import { SqliteEventStore } from './sqlite-event-store.adapter';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'baseliner-store-'));
}

describeEventStoreConformance('SQLite', async () => {
  const dir = tempDir();
  const store = new SqliteEventStore({ path: join(dir, 'events.db'), pollIntervalMs: 50 });
  return {
    store,
    dispose: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describeSnapshotStoreConformance('SQLite', async () => {
  const dir = tempDir();
  const store = new SqliteSnapshotStore(join(dir, 'projector.db'));
  return {
    store,
    dispose: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite event store', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('converts a version-1 file (ids unique store-wide) to ids unique per stream, keeping its events', async () => {
    const path = join(dir, 'events.db');
    const old = new Database(path);
    old.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, revision INTEGER NOT NULL, event_id BLOB NOT NULL,
      type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT, recorded_at INTEGER NOT NULL);
      CREATE UNIQUE INDEX events_by_event_id ON events (event_id);
      CREATE UNIQUE INDEX events_by_stream ON events (stream_id, revision);
      INSERT INTO events (stream_id, revision, event_id, type, data, recorded_at) VALUES ('s-1', 0, 'shared', 'A', '{}', 0);`);
    old.pragma('user_version = 1');
    old.close();
    const store = new SqliteEventStore({ path });
    expect((await store.append('s-2', [{ id: 'shared', type: 'B', data: {} }])).appendedIds).toEqual(['shared']);
    expect((await store.append('s-1', [{ id: 'shared', type: 'A', data: {} }])).duplicateIds).toEqual(['shared']);
    expect(store.database.pragma('user_version', { simple: true })).toBe(3);
    await store.close();
  });

  it('converts a version-2 file (an id index on events) to the two id tables, still refusing its old ids', async () => {
    const path = join(dir, 'events.db');
    const old = new Database(path);
    old.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, revision INTEGER NOT NULL, event_id BLOB NOT NULL,
      type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT, recorded_at INTEGER NOT NULL);
      CREATE UNIQUE INDEX events_by_stream ON events (stream_id, revision);
      CREATE UNIQUE INDEX events_by_event_id_in_stream ON events (event_id, stream_id);
      INSERT INTO events (stream_id, revision, event_id, type, data, recorded_at) VALUES ('s-1', 0, 'first', 'A', '{}', 0), ('s-1', 1, 'second', 'A', '{}', 0);`);
    old.pragma('user_version = 2');
    old.close();
    const store = new SqliteEventStore({ path });
    const again = await store.append('s-1', [{ id: 'second', type: 'A', data: {} }, { id: 'third', type: 'A', data: {} }]);
    expect(again).toMatchObject({ appendedIds: ['third'], duplicateIds: ['second'], nextExpectedRevision: 2 });
    expect(store.database.pragma('user_version', { simple: true })).toBe(3);
    const indexes = store.database.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'").pluck().all();
    expect(indexes).not.toContain('events_by_event_id_in_stream');
    expect(store.database.prepare('SELECT count(*) FROM event_ids').pluck().get()).toBe(2);
    await store.close();
  });

  it('still refuses an id once the recent ids have moved into the main id table, and retries of moved appends succeed', async () => {
    const store = new SqliteEventStore({ path: join(dir, 'events.db'), recentIdLimit: 3, moveStep: 10 });
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const first = await store.append('s-1', ids.map((id) => ({ id, type: 'A', data: {} })));
    expect(first.appendedIds).toEqual(ids);
    // The move runs after the reply: wait for the next commit to have gone through the writer.
    await store.append('s-2', [{ id: 'x', type: 'A', data: {} }]);
    const count = (table: string) => store.database.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
    expect(count('event_ids')).toBe(5);
    expect(count('recent_event_ids')).toBe(1);
    // The same ids in the same stream are duplicates, wherever they are kept; in another stream they are new.
    const retry = await store.append('s-1', [...ids, 'x'].map((id) => ({ id, type: 'A', data: {} })));
    expect(retry).toMatchObject({ appendedIds: ['x'], duplicateIds: ids, nextExpectedRevision: 5 });
    // A retry of an append that went through counts as done even with a stale expected revision.
    const replay = await store.append('s-2', [{ id: 'x', type: 'A', data: {} }], { expectedRevision: 'no_stream' });
    expect(replay.duplicateIds).toEqual(['x']);
    const firstAgain = await store.append('s-1', [{ id: 'a', type: 'A', data: {} }], { expectedRevision: 'no_stream' });
    expect(firstAgain.duplicateIds).toEqual(['a']);
    expect((await store.readStream('s-1')).map((e) => e.id)).toEqual([...ids, 'x']);
    await store.close();
  });

  it('refuses every id in the middle of a sweep, whichever table holds it, and leaves ids claimed behind the sweep for the next one', async () => {
    const store = new SqliteEventStore({ path: join(dir, 'events.db'), recentIdLimit: 4, moveStep: 2 });
    // A step runs right after a commit's reply; the writer answers a pragma only after it.
    const tables = async () => {
      await store.writerPragma('user_version');
      const keys = (table: string) => store.database.prepare(`SELECT event_id FROM ${table} ORDER BY 1`).pluck().all();
      return { moved: keys('event_ids'), recent: keys('recent_event_ids') };
    };
    const ids = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'];
    await store.append('s-1', ids.map((id) => ({ id, type: 'A', data: {} })));
    expect(await tables()).toEqual({ moved: ['k1', 'k2'], recent: ['k3', 'k4', 'k5', 'k6'] });
    await store.append('s-2', [{ id: 'a0', type: 'A', data: {} }]);
    expect(await tables()).toEqual({ moved: ['k1', 'k2', 'k3', 'k4'], recent: ['a0', 'k5', 'k6'] });
    const retry = await store.append('s-1', ids.map((id) => ({ id, type: 'A', data: {} })));
    expect(retry).toMatchObject({ appendedIds: [], duplicateIds: ids });
    expect(await tables()).toEqual({ moved: ids, recent: ['a0'] });
    // 'a0' sorts before the sweep's position, so it waits for the next sweep; this one ends past 'z9'.
    await store.append('s-2', [{ id: 'z9', type: 'A', data: {} }]);
    expect(await tables()).toEqual({ moved: [...ids, 'z9'], recent: ['a0'] });
    expect((await store.append('s-2', [{ id: 'a0', type: 'A', data: {} }, { id: 'z9', type: 'A', data: {} }])).duplicateIds).toEqual(['a0', 'z9']);
    expect((await store.readStream('s-1')).map((e) => e.id)).toEqual(ids);
    expect((await store.readStream('s-2')).map((e) => e.id)).toEqual(['a0', 'z9']);
    await store.close();
  });

  it('commits durably: WAL with synchronous=FULL on the write connection', async () => {
    const store = new SqliteEventStore({ path: join(dir, 'events.db') });
    expect(await store.writerPragma('journal_mode')).toBe('wal');
    expect(await store.writerPragma('synchronous')).toBe(2); // FULL: fsync on every commit
    await store.close();
  });

  it('keeps its files private to the owner: data directory 0700, database, WAL and shared memory 0600', async () => {
    const path = join(dir, 'data', 'events.db');
    const store = new SqliteEventStore({ path });
    await store.append('s-1', [{ id: 'a', type: 'A', data: { owner: 'dana.reyes@example.com' } }]);
    const mode = (file: string) => statSync(file).mode & 0o777;
    expect(mode(join(dir, 'data'))).toBe(0o700);
    for (const file of [path, `${path}-wal`, `${path}-shm`]) expect({ file, mode: mode(file) }).toEqual({ file, mode: 0o600 });
    await store.close();
    // A file left readable by an older version is tightened on the next start.
    chmodSync(path, 0o644);
    const reopened = new SqliteEventStore({ path });
    expect(mode(path)).toBe(0o600);
    await reopened.close();
  });

  it('keeps events across close and reopen, and continues positions and revisions', async () => {
    const path = join(dir, 'events.db');
    const first = new SqliteEventStore({ path });
    await first.append('s-1', [{ id: 'a', type: 'A', data: {} }]);
    await first.close();
    const second = new SqliteEventStore({ path });
    const result = await second.append('s-1', [{ id: 'b', type: 'B', data: {} }], { expectedRevision: 0 });
    expect(result).toMatchObject({ nextExpectedRevision: 1, position: 2 });
    await second.close();
  });

  it('reports a full disk as unavailable, stores nothing, and recovers when space returns', async () => {
    const store = new SqliteEventStore({ path: join(dir, 'events.db') });
    await store.append('s-1', [{ id: 'a', type: 'A', data: {} }]);
    const pages = store.database.pragma('page_count', { simple: true }) as number;
    await store.writerPragma(`max_page_count = ${pages}`);
    const big = Array.from({ length: 200 }, (_, i) => ({ id: `big-${i}`, type: 'Big', data: { pad: 'x'.repeat(2000) } }));
    await expect(store.append('s-1', big)).rejects.toBeInstanceOf(EventStoreUnavailableError);
    await expect(store.checkHealth()).rejects.toBeInstanceOf(EventStoreUnavailableError);
    expect(await store.readStream('s-1')).toHaveLength(1);
    await store.writerPragma('max_page_count = 1073741823');
    await store.append('s-1', big);
    await expect(store.checkHealth()).resolves.toBeUndefined();
    expect(await store.readStream('s-1')).toHaveLength(201);
    await store.close();
  });

  it('lets a process exit by itself once the store is closed, with its appends committed', async () => {
    const path = join(dir, 'events.db');
    const child = spawnTs('libs/event-store-sqlite/src/testing/append-then-close.ts', [path]);
    let stdout = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    expect(await exited(child)).toBe(0);
    clearTimeout(timer);
    expect(stdout).toBe('closed\n');
    const store = new SqliteEventStore({ path });
    expect(await store.headPosition()).toBe(3);
    await store.close();
  }, 40_000);

  it('commits a burst larger than one group across several commits, in order, with nothing lost', async () => {
    const store = new SqliteEventStore({ path: join(dir, 'events.db'), maxGroupEvents: 10 });
    const appends = Array.from({ length: 20 }, (_, i) =>
      store.append('groups-1', Array.from({ length: 4 }, (_, j) => ({ id: `g-${i}-${j}`, type: 'T', data: {} }))),
    );
    const results = await Promise.all(appends);
    expect(results.map((r) => r.nextExpectedRevision)).toEqual(results.map((_, i) => i * 4 + 3));
    const stats = store.commitStats();
    expect(stats.largestGroupEvents).toBeLessThanOrEqual(10);
    expect(stats.commits).toBeGreaterThanOrEqual(8);
    // 80 events with at most 10 per group: the appends queued behind a running commit must each
    // land once, in the order they were made.
    const events = await store.readStream('groups-1');
    expect(events.map((e) => e.position)).toEqual(events.map((_, i) => (events[0] as { position: number }).position + i));
    await store.close();
  });

  it('queues a second full group behind the one committing, never a third, and answers each append in order', async () => {
    const store = new SqliteEventStore({ path: join(dir, 'events.db'), maxGroupEvents: 10 });
    const five = (prefix: string) => Array.from({ length: 5 }, (_, j) => ({ id: `${prefix}-${j}`, type: 'T', data: {} }));
    // The first append goes alone; the rest arrive while it commits, so full groups wait.
    const appends = Array.from({ length: 20 }, (_, i) =>
      // One append in a queued group expects a revision the stream is not at: only it is refused.
      i === 7 ? store.append('queued-1', five(`q-${i}`), { expectedRevision: 0 }) : store.append('queued-1', five(`q-${i}`)),
    );
    const results = await Promise.allSettled(appends);
    expect(results.map((r) => r.status)).toEqual(results.map((_, i) => (i === 7 ? 'rejected' : 'fulfilled')));
    expect(store.commitStats().mostGroupsInFlight).toBe(2);
    const events = await store.readStream('queued-1');
    expect(events.map((e) => e.id)).toEqual(Array.from({ length: 20 }, (_, i) => i).filter((i) => i !== 7).flatMap((i) => five(`q-${i}`).map((e) => e.id)));
    expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
    await store.close();
  });

  it('refuses both groups when the disk is full with a second group queued, and stores both once space returns', async () => {
    const store = new SqliteEventStore({ path: join(dir, 'events.db'), maxGroupEvents: 100 });
    await store.append('full-2', [{ id: 'first', type: 'A', data: {} }]);
    await store.writerPragma(`max_page_count = ${store.database.pragma('page_count', { simple: true }) as number}`);
    const big = (prefix: string) => Array.from({ length: 100 }, (_, i) => ({ id: `${prefix}-${i}`, type: 'Big', data: { pad: 'x'.repeat(2000) } }));
    const refused = await Promise.allSettled([store.append('full-2', big('a')), store.append('full-2', big('b'))]);
    expect(store.commitStats().mostGroupsInFlight).toBe(2);
    expect(refused.map((r) => r.status === 'rejected' && r.reason instanceof EventStoreUnavailableError)).toEqual([true, true]);
    expect(await store.readStream('full-2')).toHaveLength(1);
    await store.writerPragma('max_page_count = 1073741823');
    await Promise.all([store.append('full-2', big('a')), store.append('full-2', big('b'))]);
    expect(await store.readStream('full-2', { maxCount: 1_000 })).toHaveLength(201);
    await store.close();
  });

  it('loses no acknowledged event and stores none twice when the writer is killed with SIGKILL', async () => {
    const path = join(dir, 'events.db');
    const acknowledged: string[] = [];
    for (const runId of ['run1', 'run2']) {
      const child = spawnTs('libs/event-store-sqlite/src/testing/crash-appender.ts', [path, runId]);
      let stderr = '';
      child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
      let acksThisRun = 0;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`appender made no progress: ${stderr}`)), 60_000);
        onLines(child.stdout, (line) => {
          if (!line.startsWith('ack ')) return;
          acknowledged.push(...line.slice(4).split(' '));
          acksThisRun += 1;
          // Kill at a moment when appends are certainly in flight.
          if (acksThisRun === 150) {
            clearTimeout(timer);
            child.kill('SIGKILL');
            resolve();
          }
        });
      });
      expect(await exited(child)).toBe('SIGKILL');
    }

    const store = new SqliteEventStore({ path });
    const stored = [...(await store.readStream('crash-run1')), ...(await store.readStream('crash-run2'))];
    const storedIds = stored.map((e) => e.id);
    expect(new Set(storedIds).size).toBe(storedIds.length);
    const missing = acknowledged.filter((id) => !storedIds.includes(id));
    expect(missing).toEqual([]);
    expect(acknowledged.length).toBeGreaterThanOrEqual(1500);
    for (const streamId of ['crash-run1', 'crash-run2']) {
      const revisions = (await store.readStream(streamId)).map((e) => e.revision);
      expect(revisions).toEqual(revisions.map((_, i) => i));
    }
    await store.close();
  }, 120_000);
});
