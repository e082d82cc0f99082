import Table from 'cli-table3';
import pc from 'picocolors';
import type { Scorecard } from '@baseliner/analytics';

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

/**
 * One row per deployment, from the HTTP API: the listing, each scorecard, and each deployment's
 * go-live time. `get` is any JSON GET against Baseliner with the admin token.
 */
export async function loadStatusRows(get: <T>(path: string) => Promise<T>, now: number): Promise<StatusRow[]> {
  const list = await get<{ id: string; owner: { name: string }; phase: string }[]>('/v1/deployments');
  return Promise.all(
    list.map(async (d) => {
      const [card, detail] = await Promise.all([
        get<Scorecard>(`/v1/deployments/${d.id}/scorecard`),
        get<{ wentLiveAt?: string }>(`/v1/deployments/${d.id}`),
      ]);
      return {
        id: d.id,
        owner: d.owner.name,
        phase: d.phase,
        daysLive: detail.wentLiveAt ? Math.floor((now - Date.parse(detail.wentLiveAt)) / 86_400_000) : null,
        verdict: card.verdict,
        timeChange: card.metrics.task_duration_p50.change?.estimate ?? null,
        errorChange: card.metrics.error_ratio.change?.estimate ?? null,
        adoption: card.adoption.adoptionRatio,
        reversion: card.adoption.reversionRatio,
        lastEventAgeHours: card.lastEventAt ? (now - Date.parse(card.lastEventAt)) / 3_600_000 : null,
      };
    }),
  );
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
