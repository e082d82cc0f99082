import type { DeploymentProjection, Scorecard } from '@baseliner/analytics';
import { html, type SafeHtml } from '../html';
import { designTag, warningsOf } from '../explain';
import { ago, daysSince, verdictLabel } from './format';

export interface PortfolioRow {
  id: string;
  name: string;
  owner: string;
  phase: string;
  daysLive?: number;
  verdict: string;
  why: string;
  /** A short design tag where the changes are judged against segments not yet live ("DiD vs 2 segments"); absent for before/after. */
  design?: string;
  warnings: string[];
  lastEventTime?: number;
}

/** Worst first: what needs a decision comes before what works or is over. */
const VERDICT_RANK: Record<string, number> = { failing: 0, inconclusive: 1, insufficient_data: 2, pending: 3, works: 4, rolled_back: 5, retired: 6 };
export const VERDICT_FILTERS = ['failing', 'inconclusive', 'insufficient_data', 'pending', 'works', 'rolled_back', 'retired'] as const;
export const PHASE_FILTERS = ['registered', 'live', 'rolled_back', 'retired'] as const;

export function portfolioRows(portfolio: { projection: DeploymentProjection; scorecard?: Scorecard }[], now: number): PortfolioRow[] {
  const rows: PortfolioRow[] = [];
  for (const { projection, scorecard } of portfolio) {
    const deployment = projection.lifecycle;
    if (deployment.status !== 'registered') continue;
    rows.push({
      id: deployment.id,
      name: deployment.name,
      owner: deployment.owner.name,
      phase: deployment.phase,
      daysLive: deployment.phase === 'live' ? daysSince(deployment.wentLiveAt, now) : undefined,
      verdict: scorecard?.verdict ?? 'pending',
      why: scorecard?.decidedBy.sentence ?? 'not evaluated yet',
      ...(scorecard?.comparison?.design === 'difference_in_differences' && { design: designTag(scorecard.comparison) }),
      warnings: scorecard ? warningsOf(scorecard) : [],
      lastEventTime: projection.lastEventTime,
    });
  }
  return rows.sort(
    (a, b) =>
      (VERDICT_RANK[a.verdict] ?? 9) - (VERDICT_RANK[b.verdict] ?? 9) ||
      b.warnings.length - a.warnings.length ||
      a.id.localeCompare(b.id),
  );
}

export interface PortfolioFilter {
  verdict?: string;
  phase?: string;
}

function option(value: string, selected: string | undefined, label = verdictLabel(value)): SafeHtml {
  return html`<option value="${value}"${selected === value ? html` selected` : ''}>${label}</option>`;
}

export function portfolioView(rows: PortfolioRow[], filter: PortfolioFilter, now: number, shards: { all: boolean; description: string }): SafeHtml {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.verdict, (counts.get(row.verdict) ?? 0) + 1);
  const shown = rows.filter((r) => (!filter.verdict || r.verdict === filter.verdict) && (!filter.phase || r.phase === filter.phase));
  return html`<h1>Deployments</h1>
${shards.all ? '' : html`<p class="muted">This projector holds shards ${shards.description}: deployments in other shards are on the other projectors' pages.</p>`}
<div class="summary" aria-label="Verdict counts">${VERDICT_FILTERS.filter((v) => counts.has(v)).map(
    (v) => html`<div><span class="badge v-${v}">${verdictLabel(v)}</span> ${counts.get(v)}</div>`,
  )}</div>
<form class="filters" method="get" action="/">
<div><label for="filter-verdict">Verdict</label><select id="filter-verdict" name="verdict">${option('', filter.verdict, 'any')}${VERDICT_FILTERS.map((v) => option(v, filter.verdict))}</select></div>
<div><label for="filter-phase">Phase</label><select id="filter-phase" name="phase">${option('', filter.phase, 'any')}${PHASE_FILTERS.map((p) => option(p, filter.phase))}</select></div>
<button type="submit">Filter</button>
</form>
${
  shown.length === 0
    ? html`<p class="empty">${rows.length === 0 ? 'No deployments yet: register one with POST /v1/deployments or "baseliner deployments register".' : 'No deployment matches this filter.'}</p>`
    : html`<table class="stack portfolio">
<caption class="muted">${shown.length} of ${rows.length} deployments, worst first</caption>
<thead><tr><th scope="col">Deployment</th><th scope="col">Owner</th><th scope="col">Phase</th><th scope="col" class="num">Days live</th><th scope="col">Verdict</th><th scope="col">Why</th><th scope="col">Last event</th></tr></thead>
<tbody>
${shown.map(
  // On a narrow screen each row is a card; the stylesheet names the cells (no per-cell labels in 1,000 rows).
  (r) => html`<tr><td><a href="/deployments/${r.id}">${r.id}</a><br><span class="muted">${r.name}</span></td><td>${r.owner}</td><td>${verdictLabel(r.phase)}</td><td class="num">${r.daysLive ?? '–'}</td><td><span class="badge v-${r.verdict}">${verdictLabel(r.verdict)}</span></td><td>${r.why}${r.design ? html` <span class="badge tag">${r.design}</span>` : ''}${r.warnings.map((w) => html`<br><span class="warn">⚠ ${w}</span>`)}</td><td>${ago(r.lastEventTime, now)}</td></tr>
`,
)}</tbody>
</table>`
}`;
}
