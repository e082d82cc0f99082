// The writer thread: owns the only write connection, commits one group at a time, reports back.
import { parentPort, workerData } from 'node:worker_threads';
import { openEventDatabase } from './sqlite-schema';
import { isStoreFailure } from './sqlite-store-failure';
import { SqliteWriter, type WriteRequest } from './sqlite-writer';

export type WriterMessage =
  | { kind: 'commit'; groupId: number; requests: WriteRequest[]; recordedAt: number }
  | { kind: 'pragma'; groupId: number; statement: string }
  | { kind: 'close' };

export type WriterReply =
  | { kind: 'ready' }
  | { kind: 'committed'; groupId: number; outcomes: ReturnType<SqliteWriter['commitGroup']> }
  | { kind: 'pragma'; groupId: number; value: unknown }
  | { kind: 'failed'; groupId: number; message: string; storeFailure: boolean }
  | { kind: 'closed' };

const port = parentPort;
if (!port) throw new Error('sqlite-writer.worker must run as a worker thread');

const { path, recentIdLimit, moveStep } = workerData as { path: string; recentIdLimit?: number; moveStep?: number };
const db = openEventDatabase(path, { migrate: false });
const writer = new SqliteWriter(db, recentIdLimit, moveStep);

port.on('message', (message: WriterMessage) => {
  if (message.kind === 'close') {
    db.close();
    port.postMessage({ kind: 'closed' } satisfies WriterReply);
    port.close();
    return;
  }
  try {
    if (message.kind === 'commit') {
      const outcomes = writer.commitGroup(message.requests, message.recordedAt);
      port.postMessage({ kind: 'committed', groupId: message.groupId, outcomes } satisfies WriterReply);
      moveRecentIds();
    } else {
      port.postMessage({ kind: 'pragma', groupId: message.groupId, value: db.pragma(message.statement, { simple: true }) } satisfies WriterReply);
    }
  } catch (error) {
    port.postMessage({
      kind: 'failed',
      groupId: message.groupId,
      message: (error as Error).message,
      storeFailure: isStoreFailure(error),
    } satisfies WriterReply);
  }
});

// After a reply has gone out: the appends it answered do not wait for the move. A failure here
// loses nothing (the ids stay in the recent table) and the store's next commit reports the cause.
function moveRecentIds(): void {
  try {
    writer.moveRecentIdsIfDue();
  } catch {
    // retried after the next group
  }
}

port.postMessage({ kind: 'ready' } satisfies WriterReply);
