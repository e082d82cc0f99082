import type { RecordedEvent } from '@baseliner/event-store';

// The event id is not read with pages: fetching a blob per row cost more than a third of a replay's
// read time, and projections do not need it. `id` looks it up on first use.
export const COLUMNS = 'position, stream_id, revision, type, data, metadata, recorded_at';
export type RawRow = [number, string, number, string, string, string | null, number];

/**
 * A stored event. Rows come back as arrays (better-sqlite3 raw mode); id, metadata and
 * recordedAt are materialised only when read: a replay of millions of events needs none of them.
 */
export class SqliteRecordedEvent implements RecordedEvent {
  readonly position: number;
  readonly streamId: string;
  readonly revision: number;
  readonly type: string;
  readonly data: unknown;
  private readonly storedMetadata: string | null;
  private readonly recordedAtMs: number;

  constructor(
    row: RawRow,
    private readonly lookupId: (position: number) => string,
  ) {
    this.position = row[0];
    this.streamId = row[1];
    this.revision = row[2];
    this.type = row[3];
    this.data = JSON.parse(row[4]);
    this.storedMetadata = row[5];
    this.recordedAtMs = row[6];
  }

  get id(): string {
    return this.lookupId(this.position);
  }

  get metadata(): Record<string, unknown> {
    return this.storedMetadata ? (JSON.parse(this.storedMetadata) as Record<string, unknown>) : {};
  }

  get recordedAt(): Date {
    return new Date(this.recordedAtMs);
  }

  toJSON(): RecordedEvent {
    const { position, streamId, revision, id, type, data, metadata, recordedAt } = this;
    return { position, streamId, revision, id, type, data, metadata, recordedAt };
  }
}
