import type Database from 'better-sqlite3';
import type { ReadStreamOptions, RecordedEvent } from '@baseliner/event-store';
import { guardRead } from './sqlite-error-mapping';
import { decodeEventId } from './sqlite-event-ids';
import { COLUMNS, SqliteRecordedEvent, type RawRow } from './sqlite-recorded-event';

/** Events per page a subscription reads. */
export const PAGE_SIZE = 2000;

/** Reads on the main thread's own connection (WAL lets them run beside the writer's commits). */
export class SqliteReads {
  private readonly statements;
  private readonly categoryStatements = new Map<number, Database.Statement>();

  constructor(private readonly db: Database.Database) {
    this.statements = {
      head: db.prepare('SELECT coalesce(max(position), 0) FROM events').pluck(),
      categoryHead: db.prepare(`SELECT max(position) FROM events WHERE stream_id >= ? || '-' AND stream_id < ? || '.'`).pluck(),
      readStream: db.prepare(`SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`).raw(),
      readAll: db.prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`).raw(),
      eventIdAt: db.prepare('SELECT event_id FROM events WHERE position = ?').pluck(),
    };
  }

  private readonly toRecorded = (row: RawRow): RecordedEvent =>
    new SqliteRecordedEvent(row, (position) => decodeEventId(this.statements.eventIdAt.get(position) as Buffer | string));

  readStream(streamId: string, options: ReadStreamOptions = {}): RecordedEvent[] {
    return guardRead(() =>
      (this.statements.readStream.all(streamId, options.fromRevision ?? 0, options.maxCount ?? -1) as RawRow[]).map(this.toRecorded),
    );
  }

  /** One page of the global log after `after`, optionally only some categories. */
  readAllPage(after: number, categories?: string[], limit = PAGE_SIZE): RecordedEvent[] {
    return guardRead(() => {
      if (!categories || categories.length === 0) {
        return (this.statements.readAll.all(after, limit) as RawRow[]).map(this.toRecorded);
      }
      const bounds = categories.flatMap((category) => [category, category]);
      return (this.categoryPageStatement(categories.length).all(...bounds, after, limit) as RawRow[]).map(this.toRecorded);
    });
  }

  private categoryPageStatement(count: number): Database.Statement {
    let statement = this.categoryStatements.get(count);
    if (!statement) {
      // A category is a range of stream ids ("deployment-" up to "deployment."), read through the
      // stream index and sorted: meant for small categories such as lifecycle streams.
      const ranges = Array.from({ length: count }, () => `(stream_id >= ? || '-' AND stream_id < ? || '.')`).join(' OR ');
      statement = this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE (${ranges}) AND position > ? ORDER BY position LIMIT ?`).raw();
      this.categoryStatements.set(count, statement);
    }
    return statement;
  }

  headPosition(categories: string[]): number {
    if (categories.length === 0) return guardRead(() => this.statements.head.get() as number);
    return guardRead(() =>
      Math.max(0, ...categories.map((category) => (this.statements.categoryHead.get(category, category) as number | null) ?? 0)),
    );
  }

  /** Throws EventStoreUnavailableError when the file cannot be read. */
  checkReadable(): void {
    guardRead(() => this.statements.head.get());
  }
}
