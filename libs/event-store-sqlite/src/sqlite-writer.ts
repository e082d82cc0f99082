import type Database from 'better-sqlite3';
import type { AppendResult, ExpectedRevision } from '@baseliner/event-store';
import { encodeEventId } from './sqlite-schema';

/** One append as it crosses to the writer thread: data already serialised. */
export interface WriteRequest {
  streamId: string;
  expected: ExpectedRevision;
  events: { id: string; type: string; data: string; metadata: string | null }[];
}

export type WriteOutcome =
  | { kind: 'appended'; result: AppendResult }
  | { kind: 'conflict'; streamId: string; expected: ExpectedRevision; actual: number };

class ExpectedRevisionConflict extends Error {
  constructor(readonly outcome: Extract<WriteOutcome, { kind: 'conflict' }>) {
    super('conflict');
  }
}

// The port's `revisionMatches`, restated: this file runs in the writer thread, which imports no
// module by its path alias (the thread is started outside the app's module resolution).
function revisionMatches(expected: ExpectedRevision, current: number): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return current === -1;
    case 'stream_exists':
      return current >= 0;
    default:
      return expected === current;
  }
}

/**
 * Commits groups of appends: one transaction per group, each append in its own savepoint, so an
 * expected-revision conflict rejects that append only. Revisions are read inside the write
 * transaction, so they are right even if another process writes the same file.
 */
export class SqliteWriter {
  private readonly insert;
  private readonly streamHead;
  private readonly eventExists;
  private readonly head;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(
      `INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, stream_id) DO NOTHING`,
    );
    this.streamHead = db.prepare('SELECT max(revision) FROM events WHERE stream_id = ?').pluck();
    this.eventExists = db.prepare('SELECT 1 FROM events WHERE event_id = ? AND stream_id = ?').pluck();
    this.head = db.prepare('SELECT coalesce(max(position), 0) FROM events').pluck();
  }

  commitGroup(group: WriteRequest[], recordedAt: number): WriteOutcome[] {
    const appendOne = this.db.transaction((request: WriteRequest) => this.appendInTransaction(request, recordedAt));
    return this.db
      .transaction(() =>
        group.map((request): WriteOutcome => {
          try {
            return { kind: 'appended', result: appendOne(request) };
          } catch (error) {
            if (error instanceof ExpectedRevisionConflict) return error.outcome;
            throw error;
          }
        }),
      )
      .immediate();
  }

  private appendInTransaction({ streamId, events, expected }: WriteRequest, recordedAt: number): AppendResult {
    const current = (this.streamHead.get(streamId) as number | null) ?? -1;
    if (!revisionMatches(expected, current)) {
      // A retry of an append that already went through is a success, not a conflict.
      const allStored = events.length > 0 && events.every((e) => this.eventExists.get(encodeEventId(e.id), streamId));
      if (!allStored) throw new ExpectedRevisionConflict({ kind: 'conflict', streamId, expected, actual: current });
    }
    const appendedIds: string[] = [];
    const duplicateIds: string[] = [];
    let revision = current;
    let position = 0;
    for (const event of events) {
      const info = this.insert.run(streamId, revision + 1, encodeEventId(event.id), event.type, event.data, event.metadata, recordedAt);
      if (info.changes === 0) {
        duplicateIds.push(event.id);
        continue;
      }
      revision += 1;
      position = Number(info.lastInsertRowid);
      appendedIds.push(event.id);
    }
    if (appendedIds.length === 0) position = this.head.get() as number;
    return { nextExpectedRevision: revision, position, appendedIds, duplicateIds };
  }
}
