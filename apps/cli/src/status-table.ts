import Table from 'cli-table3';
import pc from 'picocolors';

export interface StatusRow {
  id: string;
  owner: string;
  phase: string;
  daysLive: number | null;
  verdict: string;
  timeChange: number | null;
  errorChange: number | null;
  adoption: number | null;
  reversion: number | null;
  lastEventAgeHours: number | null;
}

const percent = (x: number | null, signed = false) =>
  x === null || !Number.isFinite(x) ? '–' : `${signed && x > 0 ? '+' : ''}${(x * 100).toFixed(0)}%`;

const VERDICT_COLOURS: Record<string, (s: string) => string> = {
  works: pc.green,
  failing: pc.red,
  inconclusive: pc.yellow,
  insufficient_data: pc.yellow,
  pending: pc.dim,
  rolled_back: pc.magenta,
  retired: pc.dim,
};

function age(hours: number | null): string {
  if (hours === null) return 'never';
  if (hours < 1) return `${Math.round(hours * 60)}m`;
  if (hours < 48) return `${Math.round(hours)}h`;
  return `${Math.round(hours / 24)}d`;
}

/** The portfolio as a terminal table; colour only when `colour` (stdout is a TTY). */
export function renderStatus(rows: StatusRow[], colour: boolean): string {
  const table = new Table({
    head: ['deployment', 'owner', 'phase', 'days live', 'verdict', 'time Δ', 'errors Δ', 'adoption', 'reversion', 'last event'],
    style: { head: colour ? ['bold'] : [], border: colour ? ['grey'] : [] },
    ...(colour ? {} : { chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } }),
  });
  for (const row of rows) {
    const paint = colour ? (VERDICT_COLOURS[row.verdict] ?? ((s: string) => s)) : (s: string) => s;
    table.push([
      row.id,
      row.owner,
      row.phase,
      row.daysLive === null ? '–' : String(row.daysLive),
      paint(row.verdict),
      percent(row.timeChange, true),
      percent(row.errorChange, true),
      percent(row.adoption),
      percent(row.reversion),
      age(row.lastEventAgeHours),
    ]);
  }
  return table.toString();
}
