import Table from 'cli-table3';
import pc from 'picocolors';
import type { Scorecard } from '@baseliner/analytics';

export interface StatusRow {
  id: string;
  owner: string;
  phase: string;
  daysLive: number | null;
  verdict: string;
  /** The deciding criterion in a few words (the scorecard's `decidedBy.short`). */
  why: string;
  /** The same in one sentence (`decidedBy.sentence`). */
  whySentence: string;
  warnings: { kind: string; short: string; message: string }[];
  /** The comparison design in a few words: "DiD vs 2 segments" or "before/after" (the scorecard's `comparison`). */
  design: string;
  /** Segments not yet live that the changes are judged against (empty for before/after). */
  comparisonSegments: string[];
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
        why: card.decidedBy?.short ?? '',
        whySentence: card.decidedBy?.sentence ?? '',
        warnings: (card.warnings ?? []).map(({ kind, short, message }) => ({ kind, short, message })),
        design: designShort(card.comparison),
        comparisonSegments: card.comparison?.design === 'difference_in_differences' ? card.comparison.comparisonSegments : [],
        // Changes are results only once there is evidence: before that (too few tasks or days)
        // "time −73%" would read like one, so the cells stay empty.
        timeChange: changeWorthShowing(card, 'task_duration_p50'),
        errorChange: changeWorthShowing(card, 'error_ratio'),
        adoption: card.adoption.adoptionRatio,
        reversion: card.adoption.reversionRatio,
        lastEventAgeHours: card.lastEventAt ? Math.max(0, now - Date.parse(card.lastEventAt)) / 3_600_000 : null,
      };
    }),
  );
}

/** A metric's change, unless the verdict is still pending or waiting for data. */
function changeWorthShowing(card: Scorecard, metric: 'task_duration_p50' | 'error_ratio'): number | null {
  if (card.verdict === 'pending' || card.verdict === 'insufficient_data') return null;
  return card.metrics[metric].change?.estimate ?? null;
}

/** "DiD vs 2 segments" (difference-in-differences against segments not live on the same days) or "before/after". */
export function designShort(comparison: Scorecard['comparison'] | undefined): string {
  if (!comparison || comparison.design !== 'difference_in_differences') return 'before/after';
  const n = comparison.comparisonSegments.length;
  return `DiD vs ${n} ${n === 1 ? 'segment' : 'segments'}`;
}

/** The design in one or two lines for the scorecard view. */
export function designLines(comparison: Scorecard['comparison'] | undefined): string[] {
  if (!comparison) return [];
  if (comparison.design !== 'difference_in_differences') return [`comparison: before/after; assumes ${comparison.assumes}`];
  const net = comparison.netMetrics.length > 0 ? `; net of the comparison: ${comparison.netMetrics.join(', ')}` : '';
  const own = Object.entries(comparison.comparisonChanges ?? {}).filter(([, change]) => typeof change === 'number' && Number.isFinite(change));
  return [
    `comparison: difference-in-differences, live ${comparison.liveSegments.join(', ')} vs not yet live ${comparison.comparisonSegments.join(', ')} on ${comparison.pairedDays} paired days${net}`,
    ...(own.length > 0
      ? [`  the comparison itself changed by ${own.map(([metric, change]) => `${metric} ${(change as number) > 0 ? '+' : ''}${((change as number) * 100).toFixed(1)}%`).join(', ')} (not credited to the AI)`]
      : []),
    `  assumes ${comparison.assumes}`,
  ];
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

interface Column {
  head: string;
  cell: (row: StatusRow) => string;
  /** Shown only when the table still fits the width with it. */
  optional?: boolean;
}

const COLUMNS: Column[] = [
  { head: 'deployment', cell: (r) => r.id },
  { head: 'owner', cell: (r) => r.owner },
  { head: 'days live', cell: (r) => (r.daysLive === null ? '–' : String(r.daysLive)), optional: true },
  { head: 'verdict', cell: (r) => r.verdict },
  { head: 'why', cell: (r) => r.why },
  { head: 'time Δ', cell: (r) => percent(r.timeChange, true) },
  { head: 'errors Δ', cell: (r) => percent(r.errorChange, true) },
  // How the changes were judged: against segments not yet live, or against the baseline alone.
  { head: 'design', cell: (r) => r.design, optional: true },
  { head: 'adoption', cell: (r) => percent(r.adoption), optional: true },
  { head: 'reversion', cell: (r) => percent(r.reversion), optional: true },
  { head: 'last event', cell: (r) => age(r.lastEventAgeHours) },
  // A marker: how many warnings; they are listed in words under the table.
  { head: '!', cell: (r) => (r.warnings.length > 0 ? String(r.warnings.length) : '') },
];
/** Optional columns in the order they are given room. */
const OPTIONAL_PRIORITY = ['adoption', 'days live', 'design', 'reversion'];
const MIN_WHY_WIDTH = 14;

const displayWidth = (text: string) => [...text].length;

export interface RenderOptions {
  /** Colour only when stdout is a TTY. */
  colour: boolean;
  /** Terminal columns the table must fit in (default 120). */
  width?: number;
}

/**
 * The portfolio as a terminal table that fits `width` columns: what decided each verdict ("why"),
 * and a marker for warnings, which are listed under the table. Adoption, days live, the comparison
 * design and reversion are shown when there is room; the why column wraps when there is too little.
 */
export function renderStatus(rows: StatusRow[], options: RenderOptions | boolean): string {
  const { colour, width = 120 } = typeof options === 'boolean' ? { colour: options } : options;
  // Each column takes its content plus one space either side and one border.
  const natural = (column: Column) => Math.max(displayWidth(column.head), ...rows.map((r) => displayWidth(column.cell(r)))) + 3;
  const tableWidth = (columns: Column[]) => columns.reduce((sum, c) => sum + natural(c), 1);
  let columns = COLUMNS.filter((c) => !c.optional);
  for (const head of OPTIONAL_PRIORITY) {
    const withIt = COLUMNS.filter((c) => !c.optional || c.head === head || columns.some((k) => k.head === c.head));
    if (tableWidth(withIt) <= width) columns = withIt;
  }
  const why = columns.find((c) => c.head === 'why') as Column;
  const whyWidth = Math.max(MIN_WHY_WIDTH + 2, natural(why) - 1 - Math.max(0, tableWidth(columns) - width));

  const table = new Table({
    head: columns.map((c) => c.head),
    colWidths: columns.map((c) => (c === why ? whyWidth : null)),
    wordWrap: true,
    style: { head: colour ? ['bold'] : [], border: colour ? ['grey'] : [] },
    ...(colour ? {} : { chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } }),
  });
  for (const row of rows) {
    const paint = colour ? (VERDICT_COLOURS[row.verdict] ?? ((s: string) => s)) : (s: string) => s;
    table.push(columns.map((c) => (c.head === 'verdict' ? paint(c.cell(row)) : c.cell(row))));
  }
  const warnings = rows.flatMap((row) => row.warnings.map((w) => wrap(`! ${row.id}: ${w.message}`, width, '    ')));
  // Without room for the design column, the deployments judged against segments not yet live say so under the table.
  const designs = columns.some((c) => c.head === 'design')
    ? []
    : rows
        .filter((row) => row.comparisonSegments.length > 0)
        .map((row) => wrap(`~ ${row.id}: ${row.design} (${row.comparisonSegments.join(', ')}, not yet live); the others before/after`, width, '    '));
  return [table.toString(), ...warnings, ...designs].join('\n');
}

/** Breaks a line at spaces to fit `width`, continuing with `indent`. */
function wrap(line: string, width: number, indent: string): string {
  const lines: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    const next = current ? `${current} ${word}` : word;
    if (displayWidth(next) > width && current) {
      lines.push(current);
      current = `${indent}${word}`;
    } else current = next;
  }
  return [...lines, current].join('\n');
}
