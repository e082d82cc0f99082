import type Database from 'better-sqlite3';
import type { AppendResult, ExpectedRevision } from '@baseliner/event-store';
import { encodeEventId } from './sqlite-event-ids';
import { RecentIdSweep } from './sqlite-id-sweep';

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

export class SqliteWriter {
  private readonly claimId;
  private readonly insert;
  private readonly streamHead;
  private readonly eventExists;
  private readonly head;
  private readonly sweep: RecentIdSweep;

  constructor(
    private readonly db: Database.Database,
    recentIdLimit?: number,
    moveStep?: number,
  ) {
    // Claims an id for its stream: no row (changes 0) when either id table already holds it.
    this.claimId = db.prepare(
      `INSERT INTO recent_event_ids (event_id, stream_id)
       SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM event_ids WHERE event_id = ? AND stream_id = ?)
       ON CONFLICT DO NOTHING`,
    );
    this.insert = db.prepare(
      `INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.streamHead = db.prepare('SELECT max(revision) FROM events WHERE stream_id = ?').pluck();
    this.eventExists = db
      .prepare(
        `SELECT EXISTS (SELECT 1 FROM recent_event_ids WHERE event_id = ? AND stream_id = ?)
             OR EXISTS (SELECT 1 FROM event_ids WHERE event_id = ? AND stream_id = ?)`,
      )
      .pluck();
    this.head = db.prepare('SELECT coalesce(max(position), 0) FROM events').pluck();
    this.sweep = new RecentIdSweep(db, recentIdLimit, moveStep);
  }

  /** One step of the id sweep when one is due (see `RecentIdSweep`); run between groups. */
  moveRecentIdsIfDue(): void {
    this.sweep.moveRecentIdsIfDue();
  }

  /**
   * One transaction for the group, with no savepoint per append: a conflict is found before the
   * append writes anything, and any other failure rolls the whole group back. (A savepoint copied
   * every page an append first touched to a temporary subjournal file, one write call per page.)
   */
  commitGroup(group: WriteRequest[], recordedAt: number): WriteOutcome[] {
    let claimed = 0;
    try {
      const outcomes = this.db
        .transaction(() =>
          group.map((request): WriteOutcome => {
            try {
              const result = this.appendInTransaction(request, recordedAt);
              claimed += result.appendedIds.length;
              return { kind: 'appended', result };
            } catch (error) {
              if (error instanceof ExpectedRevisionConflict) return error.outcome;
              throw error;
            }
          }),
        )
        .immediate();
      this.sweep.claimed(claimed);
      return outcomes;
    } catch (error) {
      this.sweep.recount();
      throw error;
    }
  }

  /** Throws a conflict before its first write, so a conflicting append leaves nothing to undo. */
  private appendInTransaction({ streamId, events, expected }: WriteRequest, recordedAt: number): AppendResult {
    const current = (this.streamHead.get(streamId) as number | null) ?? -1;
    if (!revisionMatches(expected, current)) {
      // A retry of an append that already went through is a success, not a conflict.
      const allStored =
        events.length > 0 &&
        events.every((e) => {
          const id = encodeEventId(e.id);
          return this.eventExists.get(id, streamId, id, streamId) === 1;
        });
      if (!allStored) throw new ExpectedRevisionConflict({ kind: 'conflict', streamId, expected, actual: current });
    }
    const appendedIds: string[] = [];
    const duplicateIds: string[] = [];
    let revision = current;
    let position = 0;
    for (const event of events) {
      const id = encodeEventId(event.id);
      if (this.claimId.run(id, streamId, id, streamId).changes === 0) {
        duplicateIds.push(event.id);
        continue;
      }
      const info = this.insert.run(streamId, revision + 1, id, event.type, event.data, event.metadata, recordedAt);
      revision += 1;
      position = Number(info.lastInsertRowid);
      appendedIds.push(event.id);
    }
    if (appendedIds.length === 0) position = this.head.get() as number;
    return { nextExpectedRevision: revision, position, appendedIds, duplicateIds };
  }
}
