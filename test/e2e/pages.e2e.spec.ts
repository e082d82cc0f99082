import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { runDemo, type RunningDemo } from '../../apps/demo/src/demo';
import { CHROMIUM_PATH, chromiumMissing } from '../support/chromium';
import { eventually } from '../support/eventually';
import { describeRequiring } from '../support/requires';

// The pages in a real browser, on the demo's data: sign in, the portfolio shows the same verdicts
// as the JSON API, each deployment page draws its charts, keyboard and axe-core are happy, and a
// revoked viewer token stops working. Screenshots go to reports/screenshots/ (CI keeps them).
// Sessions themselves (expiry, a stolen cookie, sign-out): sessions.e2e.spec.ts.
const SCREENSHOTS = resolve(__dirname, '../../reports/screenshots');
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
/** A laptop and a phone. */
const WIDTHS = [1366, 390] as const;

// The browser's globals used by the functions run in the page (this project's lib has no DOM).
interface BrowserElement {
  tagName: string;
  className: string;
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { width: number; right: number };
  getBBox(): { x: number; y: number; width: number; height: number };
  querySelectorAll(selector: string): ArrayLike<BrowserElement>;
}
declare const document: { documentElement: { scrollWidth: number }; querySelectorAll(selector: string): ArrayLike<BrowserElement> };
declare const window: { innerWidth: number };

describeRequiring('web pages in Chromium', chromiumMissing, 'Chromium (Debian package chromium)', () => {
  let dir: string;
  let demo: RunningDemo;
  let browser: Browser;
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${demo.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${demo.adminToken}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: response.status === 204 ? undefined : await response.json() };
  };

  /** A fresh browser context, with every console error and every URL it visited recorded. */
  async function openContext(options: { bypassCSP?: boolean; viewport?: { width: number; height: number } } = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
    const consoleErrors: string[] = [];
    const urls: string[] = [];
    context.on('page', (p) => watch(p));
    const watch = (p: Page) => {
      p.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
      p.on('pageerror', (error) => consoleErrors.push(error.message));
      p.on('request', (request) => urls.push(request.url()));
    };
    const page = await context.newPage();
    return { context, page, consoleErrors, urls };
  }

  async function signIn(page: Page, token: string, path = '/') {
    await page.goto(`${demo.url}${path}`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await page.getByLabel('Token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === path);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'baseliner-pages-'));
    mkdirSync(SCREENSHOTS, { recursive: true });
    demo = await runDemo({ port: 0, dataDir: join(dir, 'data'), live: false });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('asks for a token, refuses a wrong one, and keeps the right one in an httpOnly SameSite cookie, never in a URL', async () => {
    const { context, page, urls, consoleErrors } = await openContext();
    await page.goto(`${demo.url}/deployments/dispatch`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await page.getByLabel('Token').fill('bvt_000000000000.not-a-real-token-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await containsText(page.getByRole('alert'), 'not valid');
    expect(await context.cookies()).toEqual([]);

    await page.getByLabel('Token').fill(demo.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/deployments/dispatch');
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'baseliner_session', httpOnly: true, sameSite: 'Strict', path: '/' });
    // The cookie holds a session id the token was exchanged for, never the token (test/e2e/sessions.e2e.spec.ts).
    expect(cookie?.value).not.toContain(demo.adminToken);
    expect(urls.filter((url) => url.includes(demo.adminToken) || url.includes(encodeURIComponent(demo.adminToken)))).toEqual([]);

    // A form posted from another site cannot sign anyone in (login CSRF) or out.
    for (const path of ['/sign-in', '/sign-out']) {
      const crossSite = await fetch(`${demo.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
        body: new URLSearchParams({ token: demo.adminToken, next: '/' }).toString(),
      });
      expect(crossSite.status).toBe(403);
      expect(crossSite.headers.get('set-cookie')).toBeNull();
    }

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.pathname === '/sign-in');
    expect(await context.cookies()).toEqual([]);
    await page.goto(`${demo.url}/`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect(consoleErrors.filter((e) => !e.includes('401'))).toEqual([]);
    await context.close();
  }, 60_000);

  it("shows every deployment with the API's verdict and why, worst first, and filters by verdict", async () => {
    const { context, page, consoleErrors } = await openContext();
    await signIn(page, demo.adminToken);
    const listed = (await api('GET', '/v1/deployments')).body as { id: string }[];
    const rows = page.locator('tbody tr');
    await hasCount(rows, listed.length);
    const shown: { id: string; verdict: string; why: string }[] = [];
    for (const row of await rows.all()) {
      const cells = row.locator('td');
      shown.push({
        id: (await cells.nth(0).locator('a').innerText()).trim(),
        verdict: (await cells.nth(4).innerText()).trim(),
        why: (await cells.nth(5).innerText()).trim(),
      });
    }
    for (const { id, verdict, why } of shown) {
      const card = (await api('GET', `/v1/deployments/${id}/scorecard`)).body as { verdict: string; decidedBy: { sentence: string }; warnings: { message: string }[] };
      expect(verdict).toBe(card.verdict.replace(/_/g, ' '));
      expect(why).toContain(card.decidedBy.sentence);
      for (const warning of card.warnings) expect(why).toContain(warning.message);
    }
    const rank = ['failing', 'inconclusive', 'insufficient data', 'pending', 'works', 'rolled back', 'retired'];
    const ranks = shown.map((s) => rank.indexOf(s.verdict));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));

    const failing = shown.filter((s) => s.verdict === 'failing').map((s) => s.id);
    expect(failing.length).toBeGreaterThan(0);
    await page.getByLabel('Verdict', { exact: true }).selectOption('failing');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL((url) => url.searchParams.get('verdict') === 'failing');
    await hasCount(page.locator('tbody tr'), failing.length);
    expect(consoleErrors).toEqual([]);
    await context.close();
  }, 60_000);

  it('draws each deployment page at 1366 and 390 px: a chart for every criterion and warning, honest axes, nothing outside its box or the screen', async () => {
    const ids = ((await api('GET', '/v1/deployments')).body as { id: string }[]).map((d) => d.id);
    for (const width of WIDTHS) {
      const { context, page, consoleErrors } = await openContext({ viewport: { width, height: 900 } });
      await signIn(page, demo.adminToken);
      await page.screenshot({ path: join(SCREENSHOTS, `portfolio-${width}.png`), fullPage: true });
      expect(await overflow(page)).toEqual([]);
      for (const id of ids) {
        await page.goto(`${demo.url}/deployments/${id}`);
        await containsText(page.getByRole('heading', { level: 1 }), id);
        const card = (await api('GET', `/v1/deployments/${id}/scorecard`)).body as {
          criteria: { metric: string; status: string }[];
          warnings: { kind: string }[];
          metrics: { cost_per_task: { current?: unknown; baseline?: unknown } };
          comparison: { design: string; assumes: string };
        };
        await hasCount(page.locator('table.criteria tbody tr'), card.criteria.length);
        // How the change is measured: the scorecard's design, in words, with what it assumes.
        const design = page.locator('section.design');
        await containsText(design, 'How the change is measured');
        await containsText(design, card.comparison.design === 'difference_in_differences' ? 'Difference-in-differences' : 'Before/after');
        await containsText(design, `Assumes: ${card.comparison.assumes}`);

        // Every criterion — failing, warned or met — has its chart, with a line drawn, and its row links to it.
        for (const { metric } of card.criteria) {
          const block = page.locator(`.chart-block[data-criteria~="${metric}"]`);
          expect(`${id}: ${metric} ${await block.count()}`).toBe(`${id}: ${metric} 1`);
          expect(await drawnLines(block)).toBeGreaterThan(0);
          const anchor = await block.getAttribute('id');
          expect(await page.locator(`table.criteria a[href="#${anchor}"]`).count()).toBe(1);
        }
        // So has every warning: a chart with a line, or the weekday × hour grid.
        for (const { kind } of card.warnings) {
          const shown = page.locator(`[data-warnings~="${kind}"]`);
          expect(`${id}: ${kind} ${await shown.count()}`).toBe(`${id}: ${kind} 1`);
          if (kind !== 'weekday_pattern') expect(await drawnLines(shown)).toBeGreaterThan(0);
        }
        // Cost only where tasks reported one; otherwise the page says what to send.
        const hasCost = Boolean(card.metrics.cost_per_task.current ?? card.metrics.cost_per_task.baseline);
        if (!hasCost) await containsText(page.locator('main'), 'Send costUsd with each task.completed event');
        else expect(await drawnLines(page.locator('.chart-block[data-chart="cost"]'))).toBeGreaterThan(0);

        // What a person checks on every chart on screen: no tick twice on an axis, counts in whole
        // numbers, shares to at most 100%, every line, label and box inside the chart.
        const problems = await page.evaluate(() => {
          const found: string[] = [];
          for (const svg of Array.from(document.querySelectorAll('figure.chart svg'))) {
            if (svg.getBoundingClientRect().width === 0) continue; // the other width's drawing
            const name = svg.getAttribute('aria-label');
            for (const axis of ['x', 'y']) {
              const labels = Array.from(svg.querySelectorAll(`text.tick.${axis}`)).map((t) => t.textContent ?? '');
              if (new Set(labels).size !== labels.length) found.push(`${name}: ${axis} ticks repeat: ${labels.join(', ')}`);
            }
            const ys = Array.from(svg.querySelectorAll('text.tick.y')).map((t) => t.textContent ?? '');
            const kind = svg.dataset.y;
            if (kind === 'count' && ys.some((l) => !/^\d+$/.test(l))) found.push(`${name}: counts not whole: ${ys.join(', ')}`);
            if (kind === 'share' && ys.some((l) => !/^\d+(\.\d+)?%$/.test(l) || parseFloat(l) > 100)) found.push(`${name}: shares past 100%: ${ys.join(', ')}`);
            const [, , w, h] = (svg.getAttribute('viewBox') ?? '').split(' ').map(Number) as [number, number, number, number];
            for (const el of Array.from(svg.querySelectorAll('path, text, line, rect'))) {
              const b = el.getBBox();
              if (b.x < -0.5 || b.y < -0.5 || b.x + b.width > w + 0.5 || b.y + b.height > h + 0.5) found.push(`${name}: ${el.tagName} "${el.textContent}" outside ${w}×${h}`);
            }
          }
          return found;
        });
        expect(problems).toEqual([]);
        expect(await overflow(page)).toEqual([]);

        // The weekday × hour grid: 7 × 24 cells, a legend of its shades, "1 task" not "1 tasks".
        const grid = page.locator('figure.heatmap svg:visible');
        expect(await grid.locator('rect.heat').count()).toBe(7 * 24);
        await containsText(page.locator('figure.heatmap figcaption'), 'no tasks');
        expect(await grid.locator('title').evaluateAll((titles) => titles.map((t) => t.textContent ?? '').filter((t) => /\b1 (tasks|errors)\b/.test(t)))).toEqual([]);

        // The lifecycle in the order of the dates it describes; a backdated go-live says when it was recorded.
        const times = await page.locator('ol.timeline time').evaluateAll((els) => els.map((e) => Date.parse(e.getAttribute('datetime') ?? '')));
        expect(times).toEqual([...times].sort((a, b) => a - b));
        await containsText(page.locator('ol.timeline'), 'Registered');
        await containsText(page.locator('ol.timeline li', { hasText: 'Went live' }).first(), 'recorded');
        await page.screenshot({ path: join(SCREENSHOTS, `deployment-${id}-${width}.png`), fullPage: true });
      }
      await page.goto(`${demo.url}/deployments/no-such-thing`);
      await hasText(page.getByRole('heading', { level: 1 }), 'Not found');
      expect(consoleErrors.filter((e) => !e.includes('404'))).toEqual([]);
      await context.close();
    }
  }, 240_000);

  it('shows claims-triage failing on downstream errors with the chart of them rising while the errors at the step fall', async () => {
    const { context, page } = await openContext();
    await signIn(page, demo.adminToken, '/deployments/claims-triage');
    const first = page.locator('.chart-block').first();
    expect(await first.getAttribute('data-criteria')).toBe('downstream_error_ratio');
    await containsText(first.locator('h3'), 'Downstream errors per task');
    await containsText(first, 'not met');
    expect(await first.getAttribute('data-warnings')).toBe('downstream_shift');
    await containsText(first.locator('figcaption'), 'errors at this step');
    await containsText(first.locator('figcaption'), 'target');
    await context.close();
  }, 60_000);

  it('says how a staggered rollout is compared: live and comparison segments, paired days, what it assumes, each wave', async () => {
    const { context, page, consoleErrors } = await openContext();
    await signIn(page, demo.adminToken, '/deployments/support-replies');
    const card = (await api('GET', '/v1/deployments/support-replies/scorecard')).body as {
      comparison: { design: string; liveSegments: string[]; comparisonSegments: string[]; pairedDays: number; assumes: string };
    };
    expect(card.comparison).toMatchObject({ design: 'difference_in_differences', liveSegments: ['berlin'], comparisonSegments: ['lisbon'] });
    const design = page.locator('section.design');
    await containsText(design.getByRole('heading', { level: 2 }), 'DiD vs 1 segment');
    await containsText(design, 'Live: berlin. Comparison: lisbon.');
    await containsText(design, `Over ${card.comparison.pairedDays} paired days`);
    await containsText(design, 'the comparison segments themselves changed by');
    await containsText(design, 'parallel trends');
    const segments = design.locator('table.segments tbody tr');
    await hasCount(segments, 2);
    await containsText(segments.nth(0), 'live: judged');
    await containsText(segments.nth(1), 'comparison until it went live');
    await containsText(page.locator('.summary'), 'first of 2 waves');
    const timeline = page.locator('ol.timeline');
    await containsText(timeline, 'Went live: segment berlin (wave 1)');
    await containsText(timeline, 'Went live: segment lisbon (wave 2)');
    expect(await page.locator('svg .marker-label', { hasText: 'wave 2' }).count()).toBeGreaterThan(0);
    await page.locator('section.design').screenshot({ path: join(SCREENSHOTS, 'design-support-replies.png') });

    // A deployment that went live at once says before/after and what that assumes; the portfolio tags DiD only.
    await page.goto(`${demo.url}/deployments/doc-review`);
    await containsText(page.locator('section.design'), 'The whole deployment went live at once');
    await page.goto(`${demo.url}/`);
    await hasCount(page.locator('tbody tr .tag'), 1);
    await containsText(page.locator('tbody tr', { hasText: 'support-replies' }).locator('.tag'), 'DiD vs 1 segment');
    expect(consoleErrors).toEqual([]);
    await context.close();
  }, 60_000);

  it('works from the keyboard alone: skip link, then the filters, then each deployment link', async () => {
    const { context, page } = await openContext();
    await signIn(page, demo.adminToken);
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').innerText()).toBe('Skip to content');
    // Tab on until a deployment link has focus, then open it with Enter.
    let focused = '';
    for (let i = 0; i < 15 && !focused.startsWith('/deployments/'); i += 1) {
      await page.keyboard.press('Tab');
      focused = (await page.locator(':focus').getAttribute('href')) ?? '';
    }
    expect(focused).toMatch(/^\/deployments\//);
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === focused);
    await context.close();
  }, 60_000);

  it('has no serious or critical accessibility violations (axe-core) at 1366 and 390 px', async () => {
    const ids = ((await api('GET', '/v1/deployments')).body as { id: string }[]).map((d) => d.id);
    const violations: string[] = [];
    for (const width of WIDTHS) {
      // The pages allow no scripts at all (CSP); this context bypasses that to run axe in them.
      const { context, page } = await openContext({ bypassCSP: true, viewport: { width, height: 900 } });
      await signIn(page, demo.adminToken);
      for (const path of ['/', ...ids.map((id) => `/deployments/${id}`), '/sign-in?next=%2F&ended=1']) {
        await page.goto(`${demo.url}${path}`);
        await page.evaluate(AXE_SOURCE);
        const result = (await page.evaluate('axe.run()')) as {
          violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
          passes: unknown[];
        };
        expect(result.passes.length).toBeGreaterThan(10); // axe really looked at the page
        for (const v of result.violations) {
          if (v.impact === 'serious' || v.impact === 'critical') violations.push(`${width} px ${path}: ${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        }
      }
      await context.close();
    }
    expect(violations).toEqual([]);
  }, 120_000);

  it('lets a viewer token in until it is revoked', async () => {
    const issued = await api('POST', '/v1/viewer-tokens', { name: 'finance team' });
    expect(issued.status).toBe(201);
    const { tokenId, token } = issued.body as { tokenId: string; token: string };
    expect(token).toMatch(/^bvt_/);
    expect(((await api('GET', '/v1/viewer-tokens')).body as { tokenId: string; name: string }[]).find((t) => t.tokenId === tokenId)).toMatchObject({ name: 'finance team' });
    // A viewer token opens the pages, not the API.
    expect((await fetch(`${demo.url}/v1/deployments`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);

    const { context, page } = await openContext();
    await signIn(page, token);
    await containsText(page.locator('header.top'), 'Signed in as finance team');
    expect((await api('DELETE', `/v1/viewer-tokens/${tokenId}`)).status).toBe(204);
    const landed = await eventually(
      async () => {
        await page.goto(`${demo.url}/`);
        return new URL(page.url()).pathname;
      },
      (path) => path === '/sign-in',
      10_000,
    );
    expect(landed).toBe('/sign-in');
    await context.close();
  }, 60_000);

  it('refuses a viewer token without a name, and an unknown one on revoke, saying what to do', async () => {
    const nameless = await api('POST', '/v1/viewer-tokens', {});
    expect(nameless.status).toBe(422);
    expect(JSON.stringify(nameless.body)).toContain('who holds the token');
    const unknown = await api('DELETE', '/v1/viewer-tokens/0123456789ab');
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(unknown.body)).toContain('GET /v1/viewer-tokens');
  });

  // Last: it adds 110 deployments to the demo's seven, which the tests above count on not being there.
  it('pages a portfolio of 117 by 100, worst first across pages, with links that keep the filters, counts of all, a search and a page past the end', async () => {
    for (let i = 0; i < 110; i += 1) {
      const id = `fleet-${String(i).padStart(3, '0')}`;
      const created = await api('POST', '/v1/deployments', { id, name: `Fleet assistant ${i}`, owner: { name: 'Pat Lindqvist', email: 'pat@example.com' }, timezone: 'Europe/Berlin' });
      expect(created.status).toBe(201);
    }
    const listed = (await api('GET', '/v1/deployments')).body as { id: string }[];
    expect(listed).toHaveLength(117);
    const verdicts = new Map<string, number>();
    for (const { id } of listed.filter((d) => !d.id.startsWith('fleet-'))) {
      const verdict = ((await api('GET', `/v1/deployments/${id}/scorecard`)).body as { verdict: string }).verdict;
      verdicts.set(verdict, (verdicts.get(verdict) ?? 0) + 1);
    }
    verdicts.set('pending', (verdicts.get('pending') ?? 0) + 110);

    const { context, page, consoleErrors } = await openContext({ viewport: { width: 390, height: 900 } });
    await signIn(page, demo.adminToken);
    const caption = page.locator('table.portfolio caption');
    await eventually(
      async () => {
        await page.reload();
        return caption.innerText();
      },
      (text) => text.includes('of 117 deployments'),
      10_000,
    );
    await containsText(caption, 'Showing 1–100 of 117 deployments, worst first');
    await hasCount(page.locator('tbody tr'), 100);
    // The counts are the whole portfolio's, on every page and under every filter.
    const summary = async () => Object.fromEntries((await page.locator('.summary div').allInnerTexts()).map((t) => [t.replace(/\s+\d[\d,]*$/, '').trim().replace(/ /g, '_'), Number(t.replace(/^\D+/, ''))]));
    const counts = Object.fromEntries(verdicts);
    expect(await summary()).toEqual(counts);
    const rank = ['failing', 'inconclusive', 'insufficient data', 'pending', 'works', 'rolled back', 'retired'];
    const verdictsShown = () => page.locator('tbody tr td:nth-child(5)').allInnerTexts();
    const firstPage = await verdictsShown();
    await page.getByRole('navigation', { name: 'Pages', exact: true }).getByRole('link', { name: 'Next ›' }).click();
    await page.waitForURL((url) => url.searchParams.get('page') === '2');
    await containsText(caption, 'Showing 101–117 of 117 deployments');
    const ranks = [...firstPage, ...(await verdictsShown())].map((v) => rank.indexOf(v.trim()));
    expect(ranks).toHaveLength(117);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(await overflow(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'portfolio-page-2-390.png'), fullPage: true });

    // A filter from the form starts at page 1; the page links keep it.
    await page.getByLabel('Verdict', { exact: true }).selectOption('pending');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL((url) => url.searchParams.get('verdict') === 'pending' && !url.searchParams.has('page'));
    await containsText(caption, `of ${counts.pending} matching deployments (117 in all)`);
    for (const href of await page.locator('nav.pager a').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''))) {
      expect(new URL(href, demo.url).searchParams.get('verdict')).toBe('pending');
    }
    await page.getByRole('navigation', { name: 'Pages, below the list' }).getByRole('link', { name: 'Last »' }).click();
    await page.waitForURL((url) => url.searchParams.get('verdict') === 'pending' && url.searchParams.get('page') === '2');
    expect(new Set(await verdictsShown())).toEqual(new Set(['pending']));
    expect(await summary()).toEqual(counts);

    // Search: ids, names and owners, with the other filters.
    await page.getByLabel('Search').fill('FLEET-01');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL((url) => url.searchParams.get('q') === 'FLEET-01');
    await hasCount(page.locator('tbody tr'), 10);
    expect(await page.locator('nav.pager').count()).toBe(0);
    await page.goto(`${demo.url}/?q=lindqvist&verdict=failing`);
    await containsText(page.locator('main'), 'No deployment matches this filter.');
    expect(await summary()).toEqual(counts);

    // A page past the end is the last page, and says so; a page that is no number is page 1. Never a 5xx.
    const past = await page.goto(`${demo.url}/?page=99`);
    expect(past?.status()).toBe(200);
    await containsText(page.getByRole('status'), 'There are only 2 pages: showing page 2, not 99.');
    await hasCount(page.locator('tbody tr'), 17);
    const junk = await page.goto(`${demo.url}/?page=abc&verdict=nope`);
    expect(junk?.status()).toBe(200);
    await containsText(page.locator('main'), '"abc" is not a page number: showing page 1.');
    await containsText(page.locator('main'), '"nope" is not a verdict: showing any verdict.');
    await hasCount(page.locator('tbody tr'), 100);
    expect(consoleErrors).toEqual([]);
    await context.close();

    // axe on the pager, the notes and the search at both widths.
    for (const width of WIDTHS) {
      const { context: axeContext, page: axePage } = await openContext({ bypassCSP: true, viewport: { width, height: 900 } });
      await signIn(axePage, demo.adminToken);
      await axePage.goto(`${demo.url}/?q=fleet&page=99`);
      await axePage.evaluate(AXE_SOURCE);
      const result = (await axePage.evaluate('axe.run()')) as { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] };
      expect(result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${width} px: ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
      expect(await overflow(axePage)).toEqual([]);
      await axeContext.close();
    }
  }, 120_000);
});

/** Waits (up to 5 s) for a locator's text to satisfy `ok`, then asserts it, so a failure shows the text. */
async function textOf(locator: Locator, ok: (text: string) => boolean): Promise<string> {
  return eventually(() => locator.innerText().catch(() => ''), ok, 5_000, 100);
}
async function containsText(locator: Locator, text: string): Promise<void> {
  expect(await textOf(locator, (t) => t.includes(text))).toContain(text);
}
async function hasText(locator: Locator, text: string): Promise<void> {
  expect((await textOf(locator, (t) => t.trim() === text)).trim()).toBe(text);
}
/** Lines (or bars) drawn in the visible charts under `locator`: paths with real segments. */
async function drawnLines(locator: Locator): Promise<number> {
  return locator.locator('svg:visible').locator('path.line, path.bar').evaluateAll((paths) => paths.filter((p) => (p.getAttribute('d') ?? '').length > 10).length);
}
/** Elements that reach past the right edge of the screen (none when the page fits its width). */
async function overflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    if (document.documentElement.scrollWidth <= window.innerWidth) return [];
    const wide = Array.from(document.querySelectorAll('body *')).filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1);
    return [`scrollWidth ${document.documentElement.scrollWidth} > ${window.innerWidth}`, ...wide.slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${e.className}`)];
  });
}
async function hasCount(locator: Locator, count: number): Promise<void> {
  expect(await eventually(() => locator.count(), (n) => n === count, 5_000, 100)).toBe(count);
}
