import { closeSync, createReadStream, existsSync, openSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { SingleBar, Presets } from 'cli-progress';
import { BaselinerClient, stableId } from '@baseliner/sdk';
import { guessMapping, rowToTask, type ColumnMapping } from './import-rows';

export interface ImportOptions {
  file: string;
  deployment: string;
  url: string;
  ingestKey: string;
  format?: 'csv' | 'ndjson';
  timeZone: string;
  mapping: Partial<ColumnMapping>;
  defaultMode: string;
  defaultOutcome: string;
  /** Ignore a saved position and start from the first row (ids still make resends duplicates). */
  restart?: boolean;
  progress: boolean;
}

/** Rows rejected for one reason: how many, and the first of them. */
export interface RejectionReason {
  reason: string;
  rows: number;
  firstRow: number;
  firstMessage: string;
}

export interface ImportSummary {
  rows: number;
  skippedAlreadyImported: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** By reason, most rows first. */
  rejectedByReason: RejectionReason[];
  /** Where the rejected rows are, each with its row number, its fields and the reason. */
  rejectedFile?: string;
  seconds: number;
}

const BATCH = 1000;

/**
 * The columns the rejected-rows file puts before a row's own: the data row number (1 = the first
 * row under the header, or the first line of an NDJSON file), the reason's code and its message.
 * Importing the file again ignores them (no column guess matches them).
 */
export const REJECTED_COLUMNS = ['rejected_row', 'rejected_reason', 'rejected_message'] as const;

interface Row {
  /** The row as read: column → value (CSV), or the parsed object (NDJSON). */
  fields: Record<string, unknown>;
  /** An NDJSON line that is not a JSON object, as it was. */
  unreadable?: string;
}

/** Rows as objects keyed by column name, each with its 1-based data row number. */
async function* readRows(
  file: string,
  format: 'csv' | 'ndjson',
): AsyncGenerator<{ row: Record<string, string>; original: Row; rowNumber: number; header: string[] }> {
  if (format === 'ndjson') {
    let rowNumber = 0;
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      if (!line.trim()) continue;
      rowNumber += 1;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        yield { row: {}, original: { fields: {}, unreadable: line }, rowNumber, header: [] };
        continue;
      }
      const fields = parsed as Record<string, unknown>;
      const row = Object.fromEntries(
        Object.entries(fields).map(([k, v]) => [k, v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)]),
      );
      yield { row, original: { fields }, rowNumber, header: Object.keys(row) };
    }
    return;
  }
  let header: string[] = [];
  const parser = createReadStream(file).pipe(
    parse({ columns: (h: string[]) => (header = h), skip_empty_lines: true, relax_column_count: true, bom: true, trim: true }),
  );
  let rowNumber = 0;
  for await (const row of parser as AsyncIterable<Record<string, string>>) {
    rowNumber += 1;
    yield { row, original: { fields: row }, rowNumber, header };
  }
}

function countRows(file: string, format: 'csv' | 'ndjson'): number {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).length;
  return format === 'csv' ? Math.max(0, lines - 1) : lines;
}

const csvCell = (value: unknown) => {
  const text = value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
};

/**
 * `<file>.rejected.csv` (or `.rejected.ndjson` for NDJSON): every rejected row with its row
 * number, its reason and its own fields, so it can be fixed and imported again. Created with the
 * first rejection: an import that rejects nothing leaves no file.
 */
class RejectedRows {
  readonly byReason = new Map<string, RejectionReason>();
  count = 0;
  private fd: number | undefined;
  private header: string[] = [];
  private pending: { rowNumber: number; reason: string; message: string; row: Row | undefined }[] = [];

  constructor(
    readonly file: string,
    private readonly format: 'csv' | 'ndjson',
    /** Bytes of an earlier, interrupted run's file to keep (its rows up to the saved position). */
    keepBytes: number,
  ) {
    if (keepBytes > 0 && existsSync(file)) {
      truncateSync(file, Math.min(keepBytes, statSync(file).size));
      this.fd = openSync(file, 'a');
    } else rmSync(file, { force: true });
  }

  /** The CSV's own columns, from its header (known before the first row is read). */
  setHeader(header: string[]): void {
    this.header = header.filter((column) => !(REJECTED_COLUMNS as readonly string[]).includes(column));
  }

  /** Noted now, written by `write()` in row order (the server's answer comes after the rows read meanwhile). */
  add(rowNumber: number, reason: string, message: string, row: Row | undefined): void {
    this.count += 1;
    const known = this.byReason.get(reason);
    if (!known) this.byReason.set(reason, { reason, rows: 1, firstRow: rowNumber, firstMessage: message });
    else {
      known.rows += 1;
      if (rowNumber < known.firstRow) Object.assign(known, { firstRow: rowNumber, firstMessage: message });
    }
    this.pending.push({ rowNumber, reason, message, row });
  }

  /** Writes the rows noted since the last call, in row order. */
  write(): void {
    const pending = this.pending.sort((a, b) => a.rowNumber - b.rowNumber);
    this.pending = [];
    for (const { rowNumber, reason, message, row } of pending) this.writeRow(rowNumber, reason, message, row);
  }

  private writeRow(rowNumber: number, reason: string, message: string, row: Row | undefined): void {
    if (this.fd === undefined) {
      this.fd = openSync(this.file, 'w');
      if (this.format === 'csv') writeSync(this.fd, `${[...REJECTED_COLUMNS, ...this.header].map(csvCell).join(',')}\n`);
    }
    if (this.format === 'csv') {
      const fields = this.header.map((column) => csvCell(row?.fields[column]));
      writeSync(this.fd, `${[rowNumber, reason, message].map(csvCell).concat(fields).join(',')}\n`);
      return;
    }
    const own = Object.fromEntries(Object.entries(row?.fields ?? {}).filter(([k]) => !(REJECTED_COLUMNS as readonly string[]).includes(k)));
    const line = { rejected_row: rowNumber, rejected_reason: reason, rejected_message: message, ...own, ...(row?.unreadable !== undefined && { rejected_line: row.unreadable }) };
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
  }

  /** Bytes written so far (call `write()` first): what a resume keeps. */
  get bytes(): number {
    return this.fd === undefined ? 0 : statSync(this.file).size;
  }

  close(): void {
    this.write();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Imports historical tasks as backdated `task.completed` events. Each row's event id is derived
 * from the file, the row and its task id, so an interrupted import resumed (or run again) is
 * counted once: resent rows come back as duplicates. The position of the last acknowledged
 * batch is saved next to the file, so a resume skips what is known to be in.
 *
 * A row the server refuses comes back by its event's id (the server answers with the event's
 * index in the batch; the SDK hands back the event): the id → row map of the batch in flight is
 * kept until the batch is answered, so every refused row is written with its number and fields.
 */
export async function importFile(options: ImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const format = options.format ?? (/\.(ndjson|jsonl)$/i.test(options.file) ? 'ndjson' : 'csv');
  const progressFile = `${options.file}.baseliner-import.json`;
  const saved =
    !options.restart && existsSync(progressFile)
      ? (JSON.parse(readFileSync(progressFile, 'utf8')) as { deployment: string; rowsDone: number; rejectedBytes?: number })
      : undefined;
  const resumed = saved?.deployment === options.deployment ? saved : undefined;
  const resumeAfter = resumed?.rowsDone ?? 0;
  const rejected = new RejectedRows(`${options.file}.rejected.${format}`, format, resumed?.rejectedBytes ?? 0);

  const rowOfEvent = new Map<string, { rowNumber: number; row: Row }>();
  let fatal: Error | undefined;
  const client = new BaselinerClient({
    url: options.url,
    ingestKey: options.ingestKey,
    deployment: options.deployment,
    source: `baseliner-import/${basename(options.file)}`,
    batchSize: BATCH,
    flushIntervalMs: 60_000,
    maxQueue: BATCH * 2,
    onRejected: (rejections) => {
      for (const r of rejections) {
        const from = rowOfEvent.get(r.event.id);
        // Every event sent is in the map until its batch is answered; 0 would mean a bug here.
        rejected.add(from?.rowNumber ?? 0, r.reason, r.message, from?.row);
      }
    },
    onError: (error) => (fatal ??= error),
  });

  const total = countRows(options.file, format);
  const bar = options.progress ? new SingleBar({ format: 'importing |{bar}| {value}/{total} rows | {eta_formatted} left' }, Presets.shades_classic) : undefined;
  bar?.start(total, resumeAfter);

  let rows = 0;
  let mapping: ColumnMapping | undefined;
  let sinceCheckpoint = 0;
  let headerSeen = false;
  const checkpoint = async (rowsDone: number) => {
    await client.flush();
    // Only now, with every event sent so far answered, may their rows be forgotten.
    rowOfEvent.clear();
    rejected.write();
    if (fatal) throw fatal;
    // Whole or not at all: an import killed mid-write must not leave a torn file its resume cannot read.
    writeFileAtomically(progressFile, JSON.stringify({ deployment: options.deployment, rowsDone, rejectedBytes: rejected.bytes }));
  };
  try {
    for await (const { row, original, rowNumber, header } of readRows(options.file, format)) {
      rows = rowNumber;
      if (rowNumber <= resumeAfter) continue;
      if (!headerSeen && format === 'csv') rejected.setHeader(header);
      headerSeen = true;
      if (original.unreadable !== undefined) rejected.add(rowNumber, 'invalid_row', 'the line is not a JSON object', original);
      else {
        mapping ??= guessMapping(header, options.mapping);
        const task = rowToTask(row, mapping, { timeZone: options.timeZone, defaultMode: options.defaultMode, defaultOutcome: options.defaultOutcome, rowNumber });
        if (!task.ok) rejected.add(rowNumber, 'invalid_row', task.reason, original);
        else {
          const id = stableId('import', options.deployment, basename(options.file), rowNumber, String(task.data.taskId));
          rowOfEvent.set(id, { rowNumber, row: original });
          client.taskCompleted({
            ...(task.data as { taskId: string; mode: 'manual'; outcome: 'success'; durationSeconds: number }),
            time: task.time,
            id,
          });
        }
      }
      sinceCheckpoint += 1;
      if (sinceCheckpoint >= BATCH) {
        await checkpoint(rowNumber);
        sinceCheckpoint = 0;
        bar?.update(rowNumber);
      }
    }
    await checkpoint(rows);
    await client.close();
    bar?.update(rows);
  } finally {
    rejected.close();
    bar?.stop();
  }
  rmSync(progressFile, { force: true });
  return {
    rows,
    skippedAlreadyImported: resumeAfter,
    accepted: client.stats.accepted,
    duplicates: client.stats.duplicates,
    rejected: rejected.count,
    rejectedByReason: [...rejected.byReason.values()].sort((a, b) => b.rows - a.rows),
    ...(existsSync(rejected.file) && { rejectedFile: rejected.file }),
    seconds: (Date.now() - started) / 1000,
  };
}

function writeFileAtomically(file: string, text: string): void {
  const fd = openSync(`${file}.tmp`, 'w');
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  renameSync(`${file}.tmp`, file);
}
