import { createReadStream, existsSync, readFileSync, renameSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { SingleBar, Presets } from 'cli-progress';
import { BaselinerClient, stableId, type CloudEvent } from '@baseliner/sdk';
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

export interface ImportSummary {
  rows: number;
  skippedAlreadyImported: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  rejectedFile?: string;
  seconds: number;
}

const BATCH = 1000;

/** Rows as objects keyed by column name, each with its 1-based data row number. */
async function* readRows(file: string, format: 'csv' | 'ndjson'): AsyncGenerator<{ row: Record<string, string>; rowNumber: number; header: string[] }> {
  if (format === 'ndjson') {
    let rowNumber = 0;
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      if (!line.trim()) continue;
      rowNumber += 1;
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        parsed = { __invalid__: line };
      }
      const row = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]));
      yield { row, rowNumber, header: Object.keys(row) };
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
    yield { row, rowNumber, header };
  }
}

function countRows(file: string, format: 'csv' | 'ndjson'): number {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).length;
  return format === 'csv' ? Math.max(0, lines - 1) : lines;
}

const csvCell = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/**
 * Imports historical tasks as backdated `task.completed` events. Each row's event id is derived
 * from the file, the row and its task id, so an interrupted import resumed (or run again) is
 * counted once: resent rows come back as duplicates. The position of the last acknowledged
 * batch is saved next to the file, so a resume skips what is known to be in.
 */
export async function importFile(options: ImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const format = options.format ?? (options.file.endsWith('.ndjson') || options.file.endsWith('.jsonl') ? 'ndjson' : 'csv');
  const progressFile = `${options.file}.baseliner-import.json`;
  const rejectedFile = `${options.file}.rejected.csv`;
  const saved =
    !options.restart && existsSync(progressFile)
      ? (JSON.parse(readFileSync(progressFile, 'utf8')) as { deployment: string; rowsDone: number })
      : undefined;
  const resumeAfter = saved?.deployment === options.deployment ? saved.rowsDone : 0;
  if (!existsSync(rejectedFile) || resumeAfter === 0) writeFileSync(rejectedFile, 'row,reason,message\n');

  const rowOfEvent = new Map<string, number>();
  let rejected = 0;
  const reject = (rowNumber: number, reason: string, message: string) => {
    rejected += 1;
    appendFileSync(rejectedFile, `${rowNumber},${csvCell(reason)},${csvCell(message)}\n`);
  };
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
      for (const r of rejections) reject(rowOfEvent.get(r.event.id) ?? 0, r.reason, r.message);
    },
    onError: (error) => (fatal ??= error),
  });

  const total = countRows(options.file, format);
  const bar = options.progress ? new SingleBar({ format: 'importing |{bar}| {value}/{total} rows | {eta_formatted} left' }, Presets.shades_classic) : undefined;
  bar?.start(total, resumeAfter);

  let rows = 0;
  let mapping: ColumnMapping | undefined;
  let sinceCheckpoint = 0;
  const checkpoint = async (rowsDone: number) => {
    rowOfEvent.clear();
    await client.flush();
    if (fatal) throw fatal;
    // Whole or not at all: an import killed mid-write must not leave a torn file its resume cannot read.
    writeFileSync(`${progressFile}.tmp`, JSON.stringify({ deployment: options.deployment, rowsDone }));
    renameSync(`${progressFile}.tmp`, progressFile);
  };
  for await (const { row, rowNumber, header } of readRows(options.file, format)) {
    rows = rowNumber;
    if (rowNumber <= resumeAfter) continue;
    mapping ??= guessMapping(header, options.mapping);
    const task = rowToTask(row, mapping, { timeZone: options.timeZone, defaultMode: options.defaultMode, defaultOutcome: options.defaultOutcome, rowNumber });
    if (!task.ok) reject(rowNumber, 'invalid_row', task.reason);
    else {
      const event: CloudEvent = client.taskCompleted({
        ...(task.data as { taskId: string; mode: 'manual'; outcome: 'success'; durationSeconds: number }),
        time: task.time,
        id: stableId('import', options.deployment, basename(options.file), rowNumber, String(task.data.taskId)),
      });
      rowOfEvent.set(event.id, rowNumber);
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
  bar?.stop();
  rmSync(progressFile, { force: true });
  if (rejected === 0) rmSync(rejectedFile, { force: true });
  return {
    rows,
    skippedAlreadyImported: resumeAfter,
    accepted: client.stats.accepted,
    duplicates: client.stats.duplicates,
    rejected,
    ...(rejected > 0 && { rejectedFile }),
    seconds: (Date.now() - started) / 1000,
  };
}
