// The writer thread: owns the only write connection, commits one group at a time, reports back.
import { parentPort, workerData } from 'node:worker_threads';
import { isStoreFailure, openEventDatabase } from './sqlite-schema';
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

const db = openEventDatabase((workerData as { path: string }).path, { migrate: false });
const writer = new SqliteWriter(db);

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

port.postMessage({ kind: 'ready' } satisfies WriterReply);
