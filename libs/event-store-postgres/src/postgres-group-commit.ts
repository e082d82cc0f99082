import type { Pool, PoolClient } from 'pg';
import { revisionMatches, takeGroup, WrongExpectedRevisionError, type AppendResult, type ExpectedRevision, type NewEvent } from '@baseliner/event-store';
import { copyEventRow, copyEventsSql, copyRows, copyText } from './postgres-copy-encoding';
import { asUnavailable, isUnavailable, isUniqueViolation } from './postgres-error-mapping';
import { notifyCommitted } from './postgres-listen-notify';

interface PendingAppend {
  streamId: string;
  events: NewEvent[];
  expected: ExpectedRevision;
  resolve(result: AppendResult): void;
  reject(error: Error): void;
}

const storedKey = (streamId: string, id: string) => `${streamId}\u0000${id}`;

/**
 * Appends that arrive while a transaction runs are written together by the next one.
 *
 * Global order: every group's transaction locks the single `log_head` row, takes the next
 * positions from it, inserts, and commits; the next writer gets the row only after that commit
 * is visible. So positions are assigned in commit order with no gaps, and a reader that has seen
 * position p never later finds a new event below p — unlike a BIGSERIAL, whose values are taken
 * at insert time and can commit out of order under concurrent writers.
 */
export class PostgresGroupCommit {
  private pending: PendingAppend[] = [];
  private committing = false;
  private drainWaiters: (() => void)[] = [];
  private readonly stats = { commits: 0, largestGroupEvents: 0 };
  private readonly sql;

  constructor(
    private readonly pool: Pool,
    schema: string,
    private readonly options: {
      maxGroupEvents: number;
      now(): Date;
      /** After a commit that stored events. */
      onAppended(): void;
    },
  ) {
    const s = schema;
    this.sql = {
      lockHead: `SELECT position FROM ${s}.log_head WHERE id = 1 FOR UPDATE`,
      setHead: `UPDATE ${s}.log_head SET position = $1 WHERE id = 1`,
      streamRevisions: `SELECT r.stream_id, (SELECT max(revision) FROM ${s}.events WHERE stream_id = r.stream_id) AS revision
        FROM unnest($1::text[]) AS r(stream_id)`,
      storedIds: `SELECT e.stream_id, e.event_id FROM ${s}.events e
        JOIN unnest($1::text[], $2::text[]) AS w(stream_id, event_id) ON e.stream_id = w.stream_id AND e.event_id = w.event_id`,
      copy: copyEventsSql(s),
    };
  }

  append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ streamId, events, expected, resolve, reject });
      if (!this.committing) void this.flush();
    });
  }

  /** Resolves once every append made so far is answered. */
  async drained(): Promise<void> {
    if (this.committing || this.pending.length > 0) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  /** Group commits so far and the largest group, in events. */
  commitStats(): { commits: number; largestGroupEvents: number } {
    return { ...this.stats };
  }

  private takeGroup(): PendingAppend[] | undefined {
    if (this.pending.length === 0) return undefined;
    const { group, events } = takeGroup(this.pending, this.options.maxGroupEvents, (append) => append.events.length);
    this.stats.commits += 1;
    this.stats.largestGroupEvents = Math.max(this.stats.largestGroupEvents, events);
    return group;
  }

  /**
   * Two stages, overlapped: while one group commits (under the sequencer's lock), the next one's
   * ids are looked up on another connection. The lookup is outside the lock, so an id another
   * process stores in between is caught by the unique index, and that group is redone with the
   * lookup inside the lock. What the committing group stored is added to the next one's lookup.
   */
  private async flush(): Promise<void> {
    this.committing = true;
    let group = this.takeGroup();
    let lookup = group ? this.storedIds(group).catch((error: unknown) => error as Error) : undefined;
    while (group) {
      const looked = await lookup;
      const committed = this.commitGroup(group, looked instanceof Error ? undefined : looked).then(
        (outcomes) => ({ outcomes }),
        (error: unknown) => ({ error: error as Error }),
      );
      const next = this.takeGroup();
      const nextLookup = next ? this.storedIds(next).catch((error: unknown) => error as Error) : undefined;
      const result = await committed;
      if ('error' in result) {
        const failure = asUnavailable(result.error, 'The event store could not commit') as Error;
        for (const request of group) request.reject(failure);
      } else {
        let appended = false;
        result.outcomes.forEach((outcome, i) => {
          const request = group?.[i] as PendingAppend;
          if (outcome instanceof Error) request.reject(outcome);
          else {
            appended ||= outcome.appendedIds.length > 0;
            request.resolve(outcome);
          }
        });
        if (appended) this.options.onAppended();
      }
      const justStored = 'error' in result ? [] : group.flatMap((append, i) => {
        const outcome = result.outcomes[i];
        return outcome instanceof Error || !outcome ? [] : outcome.appendedIds.map((id) => storedKey(append.streamId, id));
      });
      group = next ?? this.takeGroup();
      lookup = next
        ? nextLookup?.then((found) => (found instanceof Error ? found : new Set([...found, ...justStored])))
        : group
          ? this.storedIds(group).catch((error: unknown) => error as Error)
          : undefined;
    }
    this.committing = false;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** The (stream, id) pairs of a group already in the store, as `storedKey`s. */
  private async storedIds(group: PendingAppend[], client: Pool | PoolClient = this.pool): Promise<Set<string>> {
    const stored = new Set<string>();
    const pairs = group.flatMap((a) => a.events.map((e) => [a.streamId, e.id] as const));
    if (pairs.length === 0) return stored;
    const found = await client.query<{ stream_id: string; event_id: string }>(this.sql.storedIds, [pairs.map((p) => p[0]), pairs.map((p) => p[1])]);
    for (const row of found.rows) stored.add(storedKey(row.stream_id, row.event_id));
    return stored;
  }

  /**
   * One transaction for a group of appends; a conflicting append is rejected alone. `lookedUp`:
   * the group's ids found stored before the lock was taken (else they are looked up under it).
   */
  private async commitGroup(group: PendingAppend[], lookedUp?: Set<string>): Promise<(AppendResult | Error)[]> {
    const client = await this.pool.connect();
    let broken = false;
    let released = false;
    try {
      await client.query('BEGIN');
      // Taken first, held to commit: the sequencer (see the class comment).
      const head = Number((await client.query<{ position: string }>(this.sql.lockHead)).rows[0]?.position ?? 0);
      const streams = [...new Set(group.map((a) => a.streamId))];
      const revisions = new Map<string, number>();
      for (const row of (await client.query<{ stream_id: string; revision: number | null }>(this.sql.streamRevisions, [streams])).rows) {
        revisions.set(row.stream_id, row.revision ?? -1);
      }
      const stored = new Set(lookedUp ?? (await this.storedIds(group, client)));
      const recordedAt = this.options.now().getTime();
      let rows = '';
      let position = head;
      const outcomes = group.map((append): AppendResult | Error => {
        const current = revisions.get(append.streamId) ?? -1;
        const appendedIds: string[] = [];
        const duplicateIds: string[] = [];
        const fresh = append.events.filter((e) => {
          const key = storedKey(append.streamId, e.id);
          if (stored.has(key)) {
            duplicateIds.push(e.id);
            return false;
          }
          stored.add(key);
          appendedIds.push(e.id);
          return true;
        });
        if (fresh.length === 0) {
          // Nothing new: a retry of an append that went through succeeds whatever it expected.
          return { nextExpectedRevision: current, position, appendedIds, duplicateIds };
        }
        if (!revisionMatches(append.expected, current)) {
          for (const id of appendedIds) stored.delete(storedKey(append.streamId, id));
          return new WrongExpectedRevisionError(append.streamId, append.expected, current);
        }
        let revision = current;
        const streamText = copyText(append.streamId);
        for (const event of fresh) {
          position += 1;
          revision += 1;
          rows += copyEventRow(position, streamText, revision, event, recordedAt);
        }
        revisions.set(append.streamId, revision);
        return { nextExpectedRevision: revision, position, appendedIds, duplicateIds };
      });
      if (position > head) {
        await copyRows(client, this.sql.copy, rows);
        await client.query(this.sql.setHead, [position]);
        await notifyCommitted(client);
      }
      await client.query('COMMIT');
      return outcomes;
    } catch (error) {
      broken = isUnavailable(error);
      await client.query('ROLLBACK').catch(() => (broken = true));
      if (lookedUp && isUniqueViolation(error)) {
        // Another process stored one of these ids after the lookup: redo it all under the lock.
        client.release(broken);
        released = true;
        return this.commitGroup(group);
      }
      throw error;
    } finally {
      if (!released) client.release(broken);
    }
  }
}
