import { types as pgTypes, type CustomTypesConfig, type Pool, type QueryConfig } from 'pg';
import { EventStoreUnavailableError, type ReadStreamOptions, type RecordedEvent } from '@baseliner/event-store';
import { asUnavailable } from './postgres-error-mapping';

/** Events per page a subscription reads. */
const PAGE_SIZE = 5000;
const COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata, recorded_at';
type Row = [number, string, number, string, string, string, string | null, number];

// bigint (int8) as a JS number: positions and milliseconds stay far below 2^53.
const INT8_OID = 20;
const int8AsNumber = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? Number : pgTypes.getTypeParser(oid, format as 'text'))) as CustomTypesConfig['getTypeParser'],
};

function toRecorded(row: Row): RecordedEvent {
  return {
    position: row[0],
    streamId: row[1],
    revision: row[2],
    id: row[3],
    type: row[4],
    data: JSON.parse(row[5]),
    metadata: row[6] ? (JSON.parse(row[6]) as Record<string, unknown>) : {},
    recordedAt: new Date(row[7]),
  };
}

const READ_FAILED = 'The event store could not be read';

/** Reads of the log and its head through the pool, rows decoded to recorded events. */
export class PostgresReads {
  private readonly sql;

  constructor(
    private readonly pool: Pool,
    schema: string,
    private readonly isClosed: () => boolean,
  ) {
    const s = schema;
    this.sql = {
      readAll: `SELECT ${COLUMNS} FROM ${s}.events WHERE position > $1 ORDER BY position LIMIT $2`,
      // Meant for small categories (the lifecycle streams): read through the stream index and sorted.
      readCategories: `SELECT ${COLUMNS} FROM ${s}.events e JOIN unnest($1::text[]) AS c(category)
        ON e.stream_id >= c.category || '-' AND e.stream_id < c.category || '.' WHERE e.position > $2 ORDER BY e.position LIMIT $3`,
      readStream: `SELECT ${COLUMNS} FROM ${s}.events WHERE stream_id = $1 AND revision >= $2 ORDER BY revision LIMIT $3`,
      head: `SELECT position FROM ${s}.log_head WHERE id = 1`,
      categoryHead: `SELECT max(h.position) AS position FROM unnest($1::text[]) AS c(category),
        LATERAL (SELECT max(position) AS position FROM ${s}.events WHERE stream_id >= c.category || '-' AND stream_id < c.category || '.') AS h`,
    };
  }

  readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const limit = options.maxCount ?? null;
    return this.read({ text: this.sql.readStream, values: [streamId, options.fromRevision ?? 0, limit] });
  }

  readAll(options: { fromPosition?: number; maxCount?: number } = {}): Promise<RecordedEvent[]> {
    return this.read({ text: this.sql.readAll, values: [options.fromPosition ?? 0, options.maxCount ?? 1000] });
  }

  /** A subscription's next page after `after`, optionally only some categories. */
  readPage(after: number, categories: string[] | undefined): Promise<RecordedEvent[]> {
    return categories && categories.length > 0
      ? this.read({ text: this.sql.readCategories, values: [categories, after, PAGE_SIZE] })
      : this.read({ text: this.sql.readAll, values: [after, PAGE_SIZE] });
  }

  async headPosition(options: { categories?: string[] } = {}): Promise<number> {
    const categories = options.categories ?? [];
    const query = categories.length === 0 ? { text: this.sql.head, values: [] } : { text: this.sql.categoryHead, values: [categories] };
    try {
      const result = await this.pool.query({ ...query, rowMode: 'array', types: int8AsNumber });
      return Number((result.rows[0] as unknown[] | undefined)?.[0] ?? 0);
    } catch (error) {
      throw asUnavailable(error, READ_FAILED);
    }
  }

  private async read(query: QueryConfig): Promise<RecordedEvent[]> {
    if (this.isClosed()) throw new EventStoreUnavailableError('The event store is closed');
    try {
      const result = await this.pool.query<Row>({ ...query, rowMode: 'array', types: int8AsNumber });
      return result.rows.map(toRecorded);
    } catch (error) {
      throw asUnavailable(error, READ_FAILED);
    }
  }
}
