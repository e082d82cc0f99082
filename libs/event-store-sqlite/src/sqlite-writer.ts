import type Database from 'better-sqlite3';
import type { AppendResult, ExpectedRevision } from '@baseliner/event-store';
import { encodeEventId } from './sqlite-event-ids';

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

/** How many ids `recent_event_ids` gathers before the writer starts moving them (see the schema). */
export const RECENT_ID_LIMIT = 100_000;

/**
 * Ids moved per step. A move rewrites the pages of `event_ids` that its key range covers, so its
 * time grows with the store (~0.5 s for 100,000 ids into 2,000,000); in steps of a tenth, each
 * range is a tenth of the key space and of those pages: the same work in all, in pauses a tenth
 * as long, with group commits in between.
 */
const MOVE_STEP_FRACTION = 10;

/** Sorts before every stored id (SQLite orders numbers before text and text before blobs). */
const BEFORE_ALL_IDS: [number, string] = [-1, ''];

export class SqliteWriter {
  private readonly claimId;
  private readonly insert;
  private readonly streamHead;
  private readonly eventExists;
  private readonly head;
  private readonly countRecentIds;
  private readonly stepEnd;
  private readonly moveRange;
  private readonly moveRest;
  private recentIds: number;
  /** The last key moved by the sweep under way; undefined when none is. */
  private sweptTo: [unknown, string] | undefined;
  private readonly moveStep: number;

  constructor(
    private readonly db: Database.Database,
    private readonly recentIdLimit = RECENT_ID_LIMIT,
    moveStep?: number,
  ) {
    this.moveStep = Math.max(1, moveStep ?? Math.ceil(recentIdLimit / MOVE_STEP_FRACTION));
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
    this.countRecentIds = db.prepare('SELECT count(*) FROM recent_event_ids').pluck();
    // Both tables are keyed alike, so a key range copies into `event_ids` in order, each page once.
    const after = '(event_id, stream_id) > (?, ?)';
    this.stepEnd = db
      .prepare(`SELECT event_id, stream_id FROM recent_event_ids WHERE ${after} ORDER BY event_id, stream_id LIMIT 1 OFFSET ?`)
      .raw();
    const range = `${after} AND (event_id, stream_id) <= (?, ?)`;
    const copyRange = db.prepare(`INSERT INTO event_ids (event_id, stream_id) SELECT event_id, stream_id FROM recent_event_ids WHERE ${range}`);
    const deleteRange = db.prepare(`DELETE FROM recent_event_ids WHERE ${range}`);
    const copyRest = db.prepare(`INSERT INTO event_ids (event_id, stream_id) SELECT event_id, stream_id FROM recent_event_ids WHERE ${after}`);
    const deleteRest = db.prepare(`DELETE FROM recent_event_ids WHERE ${after}`);
    this.moveRange = db.transaction((from: [unknown, string], to: [unknown, string]) => {
      copyRange.run(...from, ...to);
      return deleteRange.run(...from, ...to).changes;
    });
    this.moveRest = db.transaction((from: [unknown, string]) => {
      copyRest.run(...from);
      return deleteRest.run(...from).changes;
    });
    this.recentIds = this.countRecentIds.get() as number;
  }

  /**
   * Once the recent ids reach the limit, sweeps them into the main id table in key order, one
   * step per call. Run between groups, after the last group's reply went out, so no append waits
   * on it. Ids claimed behind the sweep stay for the next one; lookups probe both tables.
   */
  moveRecentIdsIfDue(): void {
    if (!this.sweptTo && this.recentIds < this.recentIdLimit) return;
    const from = this.sweptTo ?? BEFORE_ALL_IDS;
    try {
      const end = this.stepEnd.get(...from, this.moveStep - 1) as [unknown, string] | undefined;
      if (end) {
        this.recentIds -= this.moveRange.immediate(from, end);
        this.sweptTo = end;
      } else {
        this.recentIds -= this.moveRest.immediate(from);
        this.sweptTo = undefined;
      }
    } catch (error) {
      // Rolled back (e.g. the disk is full): the ids stay where they are, and lookups probe both
      // tables, so nothing is lost; the next group tries the same step again.
      this.recentIds = this.countRecentIds.get() as number;
      throw error;
    }
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
      this.recentIds += claimed;
      return outcomes;
    } catch (error) {
      // The group rolled back, claims with it.
      this.recentIds = this.countRecentIds.get() as number;
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
