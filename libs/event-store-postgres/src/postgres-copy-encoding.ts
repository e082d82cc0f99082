import { from as copyFrom } from 'pg-copy-streams';
import type { PoolClient } from 'pg';
import type { NewEvent } from '@baseliner/event-store';

// Appends are written with COPY's text format, built as one string: several times cheaper than
// bound INSERT parameters for thousands of rows, on both sides of the connection.

/** The COPY statement; its columns are in the order `copyEventRow` writes them. */
export function copyEventsSql(schema: string): string {
  return `COPY ${schema}.events (position, stream_id, revision, event_id, type, data, metadata, recorded_at) FROM STDIN`;
}

const COPY_SPECIAL = /[\\\t\n\r]/;

/** A value in COPY's text format: backslash, tab, newline and carriage return escaped. */
export function copyText(value: string): string {
  if (!COPY_SPECIAL.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** One event's line; `streamText` is `copyText(streamId)`, escaped once per append. */
export function copyEventRow(position: number, streamText: string, revision: number, event: NewEvent, recordedAt: number): string {
  const metadata = event.metadata && Object.keys(event.metadata).length > 0 ? copyText(JSON.stringify(event.metadata)) : '\\N';
  return `${position}\t${streamText}\t${revision}\t${copyText(event.id)}\t${copyText(event.type)}\t${copyText(JSON.stringify(event.data ?? null))}\t${metadata}\t${recordedAt}\n`;
}

/** Sends the lines to a COPY … FROM STDIN on the client's transaction. */
export function copyRows(client: PoolClient, sql: string, rows: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = client.query(copyFrom(sql));
    stream.on('error', reject);
    stream.on('finish', () => resolve());
    stream.end(rows);
  });
}
