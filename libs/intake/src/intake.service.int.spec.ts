import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@baseliner/event-store-sqlite';
import { ActorPseudonymiser } from './actor-pseudonymiser';
import { IntakeRequestError, IntakeService } from './intake.service';

const event = (id: string) => ({
  specversion: '1.0',
  id,
  source: 'test',
  type: 'task.completed',
  time: new Date(Date.now() - 60_000).toISOString(),
  deployment: 'gone',
  data: { taskId: id, mode: 'ai', outcome: 'success', durationSeconds: 5 },
});

describe('IntakeService against the real store', () => {
  let dir: string;
  let store: SqliteEventStore;
  let intake: IntakeService;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'baseliner-intake-'));
    store = new SqliteEventStore({ path: join(dir, 'events.db') });
    intake = new IntakeService({ store, pseudonymiser: new ActorPseudonymiser('test-actor-key-of-sufficient-length'), phaseOf: () => 'live' });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('does not commit a request whose client has already gone (it will retry; nobody waits for this answer)', async () => {
    const refused = intake.ingest('gone', [event('a'), event('b')], new Date(), () => true);
    await expect(refused).rejects.toBeInstanceOf(IntakeRequestError);
    await expect(refused).rejects.toMatchObject({ status: 499, code: 'client_gone' });
    expect(await store.readStream('telemetry-gone')).toEqual([]);
    // The same request from a client still there is stored.
    expect(await intake.ingest('gone', [event('a'), event('b')], new Date(), () => false)).toMatchObject({ accepted: 2 });
    expect(await store.readStream('telemetry-gone')).toHaveLength(2);
  });
});
