import type Database from 'better-sqlite3';

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

/** Moves ids claimed in `recent_event_ids` into `event_ids`, in key order and in steps, on the writer thread. */
export class RecentIdSweep {
  private readonly countRecentIds;
  private readonly stepEnd;
  private readonly moveRange;
  private readonly moveRest;
  private recentIds: number;
  /** The last key moved by the sweep under way; undefined when none is. */
  private sweptTo: [unknown, string] | undefined;
  private readonly moveStep: number;

  constructor(
    db: Database.Database,
    private readonly recentIdLimit = RECENT_ID_LIMIT,
    moveStep?: number,
  ) {
    this.moveStep = Math.max(1, moveStep ?? Math.ceil(recentIdLimit / MOVE_STEP_FRACTION));
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

  /** A group committed, claiming this many new ids in the recent table. */
  claimed(count: number): void {
    this.recentIds += count;
  }

  /** A group rolled back, its claims with it: count again. */
  recount(): void {
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
      this.recount();
      throw error;
    }
  }
}
