import type { DeploymentProjection, Scorecard } from '@baseliner/analytics';
import { PORTFOLIO_PAGE_SIZE, portfolioFilter, portfolioHref, portfolioPage, portfolioRows, portfolioView, type PortfolioFilter } from './portfolio.view';

// The portfolio at 5,000 deployments without a server: pages of 100 in the worst-first order of
// the whole portfolio, links that keep the filters, counts of everything, a page past the end.
const NOW = Date.parse('2026-12-01T12:00:00Z');
const SHARDS = { all: true, description: 'all 1' };
const VERDICTS = ['works', 'failing', 'inconclusive', 'insufficient_data', 'works'] as const;

/** What portfolioRows reads of a projection and its last scorecard, for deployment i. */
function entry(i: number): { projection: DeploymentProjection; scorecard?: Scorecard } {
  const id = `dep-${String(i).padStart(4, '0')}`;
  const projection = {
    id,
    lastEventTime: NOW - i * 60_000,
    lifecycle: {
      status: 'registered',
      id,
      name: i % 250 === 0 ? `Invoice Matcher ${i}` : `Assistant ${i}`,
      owner: { name: i % 1000 === 7 ? 'Zoë Quist' : 'Dana Reyes', email: 'x@example.com' },
      phase: i % 10 === 9 ? 'registered' : 'live',
      wentLiveAt: '2026-10-01T00:00:00Z',
    },
  } as unknown as DeploymentProjection;
  if (i % 10 === 9) return { projection };
  const verdict = VERDICTS[i % VERDICTS.length] as string;
  const scorecard = {
    verdict,
    decidedBy: { sentence: `because ${i}` },
    warnings: i % 7 === 0 ? [{ message: 'errors on Tuesdays' }] : [],
    flags: {},
  } as unknown as Scorecard;
  return { projection, scorecard };
}

const ALL = portfolioRows(Array.from({ length: 5000 }, (_, i) => entry(i)), NOW);
const idsOf = (markup: string) => [...markup.matchAll(/<tr><td><a href="\/deployments\/([^"]+)">/g)].map((m) => m[1] as string);
const view = (filter: PortfolioFilter, notes: string[] = []) => portfolioView(ALL, filter, NOW, SHARDS, notes).text;
const hrefs = (markup: string) => [...markup.matchAll(/<nav class="pager"[\s\S]*?<\/nav>/g)].flatMap((nav) => [...(nav[0] as string).matchAll(/href="([^"]+)"/g)].map((m) => (m[1] as string).replace(/&amp;/g, '&')));

describe('the portfolio, a page at a time', () => {
  it('shows 100 rows of 5,000, in the worst-first order of the whole portfolio across pages', () => {
    expect(ALL).toHaveLength(5000);
    const pages = Math.ceil(ALL.length / PORTFOLIO_PAGE_SIZE);
    expect(pages).toBe(50);
    const seen: string[] = [];
    for (let page = 1; page <= pages; page += 1) {
      const ids = idsOf(view({ page }));
      expect(ids).toHaveLength(100);
      seen.push(...ids);
    }
    expect(seen).toEqual(ALL.map((r) => r.id));
    // Page 1 is the failing ones with warnings first; the last page is what works.
    const first = portfolioPage(ALL, { page: 1 }).shown;
    expect(first.every((r) => r.verdict === 'failing')).toBe(true);
    expect(first[0]?.warnings.length).toBe(1);
    expect(portfolioPage(ALL, { page: 50 }).shown.every((r) => r.verdict === 'works')).toBe(true);
    expect(view({ page: 2 })).toContain('Showing <strong>101–200</strong> of 5,000 deployments, worst first');
  });

  it('counts every verdict over the whole portfolio, whatever the filter and page', () => {
    const whole = (v: string) => ALL.filter((r) => r.verdict === v).length.toLocaleString('en-US');
    for (const filter of [{}, { verdict: 'failing', page: 3 }, { q: 'Invoice' }, { q: 'no such thing' }, { phase: 'registered', page: 99 }] as PortfolioFilter[]) {
      const summary = /<div class="summary"[\s\S]*?<\/div><\/div>/.exec(view(filter))?.[0] ?? '';
      for (const verdict of ['failing', 'inconclusive', 'insufficient_data', 'pending', 'works']) {
        expect(summary).toContain(`<span class="badge v-${verdict}">${verdict.replace('_', ' ')}</span> ${whole(verdict)}`);
      }
    }
  });

  it('keeps the verdict, phase and search in every page link, and in the form', () => {
    const filter = { verdict: 'works', phase: 'live', q: 'assistant & co' };
    // "& co" matches nothing: search for what is there, with a character that needs escaping elsewhere.
    const markup = view({ verdict: 'works', phase: 'live', q: 'Assistant', page: 5 });
    const links = hrefs(markup);
    expect(links.length).toBeGreaterThan(6);
    for (const href of links) {
      const url = new URL(href, 'http://x');
      expect(url.pathname).toBe('/');
      expect(Object.fromEntries(url.searchParams)).toMatchObject({ verdict: 'works', phase: 'live', q: 'Assistant' });
    }
    expect(links).toContain('/?verdict=works&phase=live&q=Assistant'); // « First: page 1 has no page parameter
    expect(links).toContain('/?verdict=works&phase=live&q=Assistant&page=4');
    expect(links).toContain('/?verdict=works&phase=live&q=Assistant&page=6');
    expect(markup).toContain('aria-current="page">5<');
    expect(markup).toContain('<input id="filter-q" name="q" type="search" value="Assistant"');
    expect(markup).toContain('<option value="works" selected>');
    expect(portfolioHref(filter, 2)).toBe('/?verdict=works&phase=live&q=assistant+%26+co&page=2');
    // Each page of the filter holds only matching rows, and the caption says how many of how many.
    const works = ALL.filter((r) => r.verdict === 'works' && r.phase === 'live' && r.name.includes('Assistant'));
    expect(works.length).toBeLessThan(ALL.filter((r) => r.verdict === 'works' && r.phase === 'live').length);
    expect(markup).toContain(`of ${works.length.toLocaleString('en-US')} matching deployments (5,000 in all)`);
  });

  it('searches ids, names and owners, in any case', () => {
    const byName = portfolioPage(ALL, { q: 'invoice matcher' });
    expect(byName.matching).toBe(20);
    expect(byName.shown.every((r) => r.name.startsWith('Invoice Matcher'))).toBe(true);
    expect(portfolioPage(ALL, { q: 'DEP-0042' }).shown.map((r) => r.id)).toEqual(['dep-0042']);
    expect(portfolioPage(ALL, { q: 'zoë' }).shown.map((r) => r.id).sort()).toEqual(['dep-0007', 'dep-1007', 'dep-2007', 'dep-3007', 'dep-4007']);
    expect(portfolioPage(ALL, { q: 'zoë', verdict: 'failing' }).matching).toBe(ALL.filter((r) => r.owner === 'Zoë Quist' && r.verdict === 'failing').length);
    const none = view({ q: '<script>' });
    expect(none).toContain('No deployment matches this filter. <a href="/">Show all 5,000 deployments</a>');
    expect(none).toContain('value="&lt;script&gt;"');
    expect(none).not.toContain('<nav class="pager"');
  });

  it('shows the last page, and says so, for a page past the end', () => {
    const markup = view({ verdict: 'failing', page: 999 });
    const failing = ALL.filter((r) => r.verdict === 'failing');
    const last = Math.ceil(failing.length / 100);
    expect(markup).toContain(`There are only ${last} pages for this filter: showing page ${last}, not 999.`);
    expect(idsOf(markup)).toEqual(failing.slice((last - 1) * 100).map((r) => r.id));
    expect(view({ q: 'dep-0042', page: 3 })).toContain('There is only 1 page for this filter: showing page 1, not 3.');
    expect(portfolioView([], { page: 2 }, NOW, SHARDS).text).toContain('No deployments yet');
  });

  it('ignores what it cannot use in the query string, and says what', () => {
    expect(portfolioFilter({ verdict: 'failing', phase: 'live', q: '  invoice ', page: '3' })).toEqual({ filter: { verdict: 'failing', phase: 'live', q: 'invoice', page: 3 }, notes: [] });
    expect(portfolioFilter({})).toEqual({ filter: {}, notes: [] });
    expect(portfolioFilter(undefined)).toEqual({ filter: {}, notes: [] });
    expect(portfolioFilter({ verdict: '', phase: '', q: '', page: '' })).toEqual({ filter: {}, notes: [] });
    for (const page of ['0', '-1', 'abc', '2.5', '1e3', '99999999999']) {
      const { filter, notes } = portfolioFilter({ page });
      expect(filter.page).toBeUndefined();
      expect(notes).toEqual([`"${page}" is not a page number: showing page 1.`]);
    }
    expect(portfolioFilter({ verdict: 'great', phase: 'done' }).notes).toEqual(['"great" is not a verdict: showing any verdict.', '"done" is not a phase: showing any phase.']);
    expect(portfolioFilter({ page: ['1', '2'] }).notes).toEqual(['"page" was given more than once: ignored.']);
    const long = portfolioFilter({ q: 'x'.repeat(500) });
    expect(long.filter.q).toHaveLength(100);
    expect(long.notes).toEqual(['The search was cut to its first 100 characters.']);
    // The notes are on the page, escaped.
    const { filter, notes } = portfolioFilter({ page: '<b>', verdict: 'failing' });
    const markup = view(filter, notes);
    expect(markup).toContain('<p class="notice" role="status">&quot;&lt;b&gt;&quot; is not a page number: showing page 1.</p>');
    expect(idsOf(markup)).toEqual(ALL.filter((r) => r.verdict === 'failing').slice(0, 100).map((r) => r.id));
  });

  it('draws no page links for a portfolio of one page', () => {
    const small = ALL.slice(0, 7);
    const markup = portfolioView(small, {}, NOW, SHARDS).text;
    expect(markup).not.toContain('<nav class="pager"');
    expect(markup).toContain('Showing <strong>1–7</strong> of 7 deployments, worst first');
  });
});
