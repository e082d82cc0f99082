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
/** Rows per page: a 5,000-deployment portfolio is 50 pages, each a few dozen KB. */
export const PORTFOLIO_PAGE_SIZE = 100;
/** A longer search is cut to this many characters (no id or name is that long). */
const SEARCH_MAX = 100;

type RegisteredDeployment = Extract<DeploymentProjection['lifecycle'], { status: 'registered' }>;

/**
 * A row of the portfolio: what the order, the filters and the search read is set at once; what
 * only a shown row needs (days live, why, the design tag) is worked out when the page reads it, so
 * a 5,000-row portfolio costs a few ms a request before its page of 100 is drawn.
 */
class Row implements PortfolioRow {
  readonly id: string;
  readonly name: string;
  readonly owner: string;
  readonly phase: string;
  readonly verdict: string;
  readonly warnings: string[];
  readonly lastEventTime: number | undefined;

  constructor(
    private readonly deployment: RegisteredDeployment,
    private readonly scorecard: Scorecard | undefined,
    lastEventTime: number | undefined,
    private readonly now: number,
  ) {
    this.id = deployment.id;
    this.name = deployment.name;
    this.owner = deployment.owner.name;
    this.phase = deployment.phase;
    this.verdict = scorecard?.verdict ?? 'pending';
    this.warnings = scorecard ? warningsOf(scorecard) : [];
    this.lastEventTime = lastEventTime;
  }

  get daysLive(): number | undefined {
    return this.deployment.phase === 'live' ? daysSince(this.deployment.wentLiveAt, this.now) : undefined;
  }

  get why(): string {
    return this.scorecard?.decidedBy.sentence ?? 'not evaluated yet';
  }

  get design(): string | undefined {
    return this.scorecard?.comparison?.design === 'difference_in_differences' ? designTag(this.scorecard.comparison) : undefined;
  }
}

export function portfolioRows(portfolio: { projection: DeploymentProjection; scorecard?: Scorecard }[], now: number): PortfolioRow[] {
  const rows: PortfolioRow[] = [];
  for (const { projection, scorecard } of portfolio) {
    const deployment = projection.lifecycle;
    if (deployment.status !== 'registered') continue;
    rows.push(new Row(deployment, scorecard, projection.lastEventTime, now));
  }
  // Over the whole portfolio, before any filter or page: page 2 continues where page 1 stopped.
  return rows.sort(
    (a, b) =>
      (VERDICT_RANK[a.verdict] ?? 9) - (VERDICT_RANK[b.verdict] ?? 9) ||
      b.warnings.length - a.warnings.length ||
      a.id.localeCompare(b.id),
  );
}

/** What the portfolio's URL asks for: `?verdict=&phase=&q=&page=`. */
export interface PortfolioFilter {
  verdict?: string;
  phase?: string;
  /** Part of a deployment's id, name or owner, any case. */
  q?: string;
  /** 1-based; past the last page shows the last. */
  page?: number;
}

/** The query string read leniently, as the filters always were: what cannot be used is ignored, and said. */
export function portfolioFilter(query: Record<string, unknown> | undefined): { filter: PortfolioFilter; notes: string[] } {
  const filter: PortfolioFilter = {};
  const notes: string[] = [];
  const one = (name: string): string | undefined => {
    const value = query?.[name];
    if (value === undefined) return undefined;
    if (typeof value === 'string') return value.trim();
    notes.push(`"${name}" was given more than once: ignored.`);
    return undefined;
  };
  const verdict = one('verdict');
  if (verdict) {
    if ((VERDICT_FILTERS as readonly string[]).includes(verdict)) filter.verdict = verdict;
    else notes.push(`"${clip(verdict)}" is not a verdict: showing any verdict.`);
  }
  const phase = one('phase');
  if (phase) {
    if ((PHASE_FILTERS as readonly string[]).includes(phase)) filter.phase = phase;
    else notes.push(`"${clip(phase)}" is not a phase: showing any phase.`);
  }
  const q = one('q');
  if (q) {
    filter.q = q.slice(0, SEARCH_MAX);
    if (q.length > SEARCH_MAX) notes.push(`The search was cut to its first ${SEARCH_MAX} characters.`);
  }
  const page = one('page');
  if (page) {
    if (/^\d{1,9}$/.test(page) && Number(page) >= 1) filter.page = Number(page);
    else notes.push(`"${clip(page)}" is not a page number: showing page 1.`);
  }
  return { filter, notes };
}

function clip(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}

/** The link to a page of the portfolio with the same filters. */
export function portfolioHref(filter: PortfolioFilter, page = 1): string {
  const params = new URLSearchParams();
  if (filter.verdict) params.set('verdict', filter.verdict);
  if (filter.phase) params.set('phase', filter.phase);
  if (filter.q) params.set('q', filter.q);
  if (page > 1) params.set('page', String(page));
  const search = params.toString();
  return search ? `/?${search}` : '/';
}

export interface PortfolioPage {
  /** Rows per verdict over the whole portfolio, whatever the filter or page. */
  counts: Map<string, number>;
  total: number;
  /** Rows the filter matches, over all pages. */
  matching: number;
  page: number;
  pages: number;
  /** The rows of this page. */
  shown: PortfolioRow[];
  /** 0-based index of the first shown row among the matching ones. */
  offset: number;
  notes: string[];
}

/** One page of the sorted rows under a filter; a page past the last is the last, and says so. */
export function portfolioPage(rows: PortfolioRow[], filter: PortfolioFilter, pageSize = PORTFOLIO_PAGE_SIZE): PortfolioPage {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.verdict, (counts.get(row.verdict) ?? 0) + 1);
  const needle = filter.q?.toLowerCase();
  const matches = (r: PortfolioRow) =>
    (!filter.verdict || r.verdict === filter.verdict) &&
    (!filter.phase || r.phase === filter.phase) &&
    (!needle || r.id.toLowerCase().includes(needle) || r.name.toLowerCase().includes(needle) || r.owner.toLowerCase().includes(needle));
  const matching = filter.verdict || filter.phase || needle ? rows.filter(matches) : rows;
  const pages = Math.max(1, Math.ceil(matching.length / pageSize));
  const notes: string[] = [];
  let page = filter.page ?? 1;
  if (page > pages) {
    notes.push(`There ${pages === 1 ? 'is only 1 page' : `are only ${pages} pages`}${matching.length < rows.length ? ' for this filter' : ''}: showing page ${pages}, not ${page}.`);
    page = pages;
  }
  const offset = (page - 1) * pageSize;
  return { counts, total: rows.length, matching: matching.length, page, pages, shown: matching.slice(offset, offset + pageSize), offset, notes };
}

function option(value: string, selected: string | undefined, label = verdictLabel(value)): SafeHtml {
  return html`<option value="${value}"${selected === value ? html` selected` : ''}>${label}</option>`;
}

const number = (n: number) => n.toLocaleString('en-US');

/** First, previous, the pages around this one, next, last; none with a single page. */
function pager(result: PortfolioPage, filter: PortfolioFilter, label: string): SafeHtml | string {
  const { page, pages } = result;
  if (pages <= 1) return '';
  const link = (target: number, text: string, rel?: string) =>
    target < 1 || target > pages || target === page
      ? html`<span class="off" aria-disabled="true">${text}</span>`
      : html`<a href="${portfolioHref(filter, target)}"${rel ? html` rel="${rel}"` : ''}>${text}</a>`;
  const around: number[] = [];
  for (let p = Math.max(1, page - 2); p <= Math.min(pages, page + 2); p += 1) around.push(p);
  return html`<nav class="pager" aria-label="${label}">
${link(1, '« First')} ${link(page - 1, '‹ Previous', 'prev')}
${around.map((p) => (p === page ? html`<span class="current" aria-current="page">${p}</span> ` : html`<a href="${portfolioHref(filter, p)}" aria-label="Page ${p}">${p}</a> `))}
${link(page + 1, 'Next ›', 'next')} ${link(pages, 'Last »')}
<span class="muted">page ${page} of ${pages}</span>
</nav>`;
}

export function portfolioView(
  rows: PortfolioRow[],
  filter: PortfolioFilter,
  now: number,
  shards: { all: boolean; description: string },
  notes: string[] = [],
): SafeHtml {
  const result = portfolioPage(rows, filter);
  const { counts, shown, offset, matching, total } = result;
  const filtered = matching < total || Boolean(filter.verdict || filter.phase || filter.q);
  const allNotes = [...notes, ...result.notes];
  const range = shown.length === 0 ? '' : `${number(offset + 1)}–${number(offset + shown.length)}`;
  return html`<h1>Deployments</h1>
${shards.all ? '' : html`<p class="muted">This projector holds shards ${shards.description}: deployments in other shards are on the other projectors' pages.</p>`}
<div class="summary" aria-label="Verdict counts, all ${number(total)} deployments">${VERDICT_FILTERS.filter((v) => counts.has(v)).map(
    (v) => html`<div><span class="badge v-${v}">${verdictLabel(v)}</span> ${number(counts.get(v) ?? 0)}</div>`,
  )}</div>
<form class="filters" method="get" action="/" role="search">
<div><label for="filter-q">Search</label><input id="filter-q" name="q" type="search" value="${filter.q ?? ''}" placeholder="id, name or owner" maxlength="${SEARCH_MAX}"></div>
<div><label for="filter-verdict">Verdict</label><select id="filter-verdict" name="verdict">${option('', filter.verdict, 'any')}${VERDICT_FILTERS.map((v) => option(v, filter.verdict))}</select></div>
<div><label for="filter-phase">Phase</label><select id="filter-phase" name="phase">${option('', filter.phase, 'any')}${PHASE_FILTERS.map((p) => option(p, filter.phase))}</select></div>
<button type="submit">Filter</button>${filtered ? html` <a class="clear" href="/">Show all</a>` : ''}
</form>
${allNotes.map((n) => html`<p class="notice" role="status">${n}</p>`)}
${
  shown.length === 0
    ? html`<p class="empty">${total === 0 ? 'No deployments yet: register one with POST /v1/deployments or "baseliner deployments register".' : html`No deployment matches this filter. <a href="/">Show all ${number(total)} deployments</a>.`}</p>`
    : html`${pager(result, filter, 'Pages')}
<table class="stack portfolio">
<caption>Showing <strong>${range}</strong> of ${number(matching)} ${filtered ? `matching deployments (${number(total)} in all)` : 'deployments'}, worst first</caption>
<thead><tr><th scope="col">Deployment</th><th scope="col">Owner</th><th scope="col">Phase</th><th scope="col" class="num">Days live</th><th scope="col">Verdict</th><th scope="col">Why</th><th scope="col">Last event</th></tr></thead>
<tbody>
${shown.map(
  // On a narrow screen each row is a card; the stylesheet names the cells (no per-cell labels in 100 rows).
  (r) => html`<tr><td><a href="/deployments/${r.id}">${r.id}</a><br><span class="muted">${r.name}</span></td><td>${r.owner}</td><td>${verdictLabel(r.phase)}</td><td class="num">${r.daysLive ?? '–'}</td><td><span class="badge v-${r.verdict}">${verdictLabel(r.verdict)}</span></td><td>${r.why}${r.design ? html` <span class="badge tag">${r.design}</span>` : ''}${r.warnings.map((w) => html`<br><span class="warn">⚠ ${w}</span>`)}</td><td>${ago(r.lastEventTime, now)}</td></tr>
`,
)}</tbody>
</table>
${pager(result, filter, 'Pages, below the list')}`
}`;
}
