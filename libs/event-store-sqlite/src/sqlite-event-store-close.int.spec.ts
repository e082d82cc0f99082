import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from './sqlite-event-store.adapter';

// Two shutdown paths side by side (a signal handler and an explicit stop) both close the store: the
// second call must wait for the first, or its caller ends the process with the file still open
// (the WAL and the writer lock's journal left behind).
describe('SqliteEventStore.close called twice at once', () => {
  it('resolves both calls only once the store is closed: no WAL, no lock journal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baseliner-close-'));
    try {
      const store = new SqliteEventStore({ path: join(dir, 'events.db') });
      await store.append('s-1', [{ id: '00000000-0000-4000-8000-000000000001', type: 't', data: { n: 1 } }]);
      expect(readdirSync(dir)).toEqual(expect.arrayContaining(['events.db-wal']));
      const first = store.close();
      await store.close();
      expect(readdirSync(dir).sort()).toEqual(['events.db', 'events.db.lock']);
      await first;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
