import { utcOffsetMs } from '@baseliner/analytics';

/** Which column holds what; guessed from the header unless given. */
export interface ColumnMapping {
  time: string;
  duration: string;
  taskId?: string;
  mode?: string;
  outcome?: string;
  actor?: string;
  cost?: string;
  segment?: string;
}

const GUESSES: Record<keyof ColumnMapping, string[]> = {
  time: ['time', 'timestamp', 'completed_at', 'completedat', 'finished_at', 'closed_at', 'date', 'datetime', 'end_time'],
  duration: ['duration_seconds', 'durationseconds', 'duration', 'seconds', 'handling_time', 'time_spent', 'elapsed'],
  taskId: ['task_id', 'taskid', 'task', 'case_id', 'case', 'ticket_id', 'ticket', 'id', 'document_id'],
  mode: ['mode'],
  outcome: ['outcome', 'status', 'result'],
  actor: ['actor', 'user', 'user_id', 'agent', 'assignee', 'reviewer', 'employee'],
  cost: ['cost_usd', 'costusd', 'cost'],
  segment: ['segment', 'queue', 'category', 'team'],
};

const normalise = (name: string) => name.trim().toLowerCase().replace(/[\s-]+/g, '_');

export function guessMapping(header: string[], given: Partial<ColumnMapping>): ColumnMapping {
  const columns = new Map(header.map((h) => [normalise(h), h]));
  const find = (key: keyof ColumnMapping) => given[key] ?? GUESSES[key].map((g) => columns.get(g)).find(Boolean);
  const time = find('time');
  const duration = find('duration');
  if (!time || !duration) {
    throw new Error(
      `Cannot tell which columns hold the ${!time ? 'completion time' : 'duration'}: columns are ${header.join(', ')}. ` +
        'Name them with --time-column and --duration-column',
    );
  }
  const mapping: ColumnMapping = { time, duration };
  for (const key of ['taskId', 'mode', 'outcome', 'actor', 'cost', 'segment'] as const) {
    const column = find(key);
    if (column) mapping[key] = column;
  }
  return mapping;
}

/** Seconds from "95", "95.5", "01:35" (mm:ss) or "1:02:03" (hh:mm:ss). */
export function parseDuration(text: string): number | undefined {
  const value = text.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const parts = /^(?:(\d+):)?([0-5]?\d):([0-5]\d(?:\.\d+)?)$/.exec(value);
  if (!parts) return undefined;
  return Number(parts[1] ?? 0) * 3600 + Number(parts[2]) * 60 + Number(parts[3]);
}

/**
 * An instant from a timestamp: with an offset (Z, +01:00) it is taken as is; without, it is wall
 * time in `timeZone` (spreadsheets rarely carry offsets).
 */
export function parseTime(text: string, timeZone: string): number | undefined {
  const value = text.trim();
  if (/([zZ]|[+-]\d{2}:?\d{2})$/.test(value)) {
    const at = Date.parse(value);
    return Number.isNaN(at) ? undefined : at;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/.exec(value);
  if (!m) return undefined;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  if (Number.isNaN(wall)) return undefined;
  // Wall time → instant: subtract the zone's offset, checked again at the result (DST edges).
  let at = wall - utcOffsetMs(wall, timeZone);
  at = wall - utcOffsetMs(at, timeZone);
  return at;
}

const MODES = new Set(['ai', 'assisted', 'manual']);
const OUTCOMES = new Set(['success', 'error', 'rework', 'escalated']);

export type RowResult =
  | { ok: true; time: string; data: Record<string, unknown> }
  | { ok: false; reason: string };

/** One row as task.completed data, or why it cannot be one. */
export function rowToTask(
  row: Record<string, string>,
  mapping: ColumnMapping,
  options: { timeZone: string; defaultMode: string; defaultOutcome: string; rowNumber: number },
): RowResult {
  const at = parseTime(row[mapping.time] ?? '', options.timeZone);
  if (at === undefined) return { ok: false, reason: `time "${row[mapping.time] ?? ''}" is not a date and time` };
  const duration = parseDuration(row[mapping.duration] ?? '');
  if (duration === undefined) return { ok: false, reason: `duration "${row[mapping.duration] ?? ''}" is not seconds or hh:mm:ss` };
  const mode = (mapping.mode ? row[mapping.mode]?.trim().toLowerCase() : undefined) || options.defaultMode;
  if (!MODES.has(mode)) return { ok: false, reason: `mode "${mode}" is not ai, assisted or manual` };
  const outcome = (mapping.outcome ? row[mapping.outcome]?.trim().toLowerCase() : undefined) || options.defaultOutcome;
  if (!OUTCOMES.has(outcome)) return { ok: false, reason: `outcome "${outcome}" is not success, error, rework or escalated` };
  const data: Record<string, unknown> = {
    taskId: (mapping.taskId && row[mapping.taskId]?.trim()) || `row-${options.rowNumber}`,
    mode,
    outcome,
    durationSeconds: duration,
  };
  const actor = mapping.actor ? row[mapping.actor]?.trim() : undefined;
  if (actor) data.actor = actor;
  const cost = mapping.cost ? row[mapping.cost]?.trim() : undefined;
  if (cost) {
    const value = Number(cost.replace(/^\$/, ''));
    if (!Number.isFinite(value) || value < 0) return { ok: false, reason: `cost "${cost}" is not a non-negative number` };
    data.costUsd = value;
  }
  const segment = mapping.segment ? row[mapping.segment]?.trim() : undefined;
  if (segment) data.segment = segment.slice(0, 64);
  return { ok: true, time: new Date(at).toISOString(), data };
}
