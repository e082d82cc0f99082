import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { CHROMIUM_PATH, chromiumMissing } from '../support/chromium';
import { eventually } from '../support/eventually';
import { describeRequiring } from '../support/requires';
import { client, startTestServer, validRegistration, type TestServer } from '../support/test-server';

// Sessions are not tokens: signing in to the pages exchanges the token for an opaque session id,
// and that id — whoever holds it — opens this server's pages only, never the API or /metrics;
// sign-out, expiry and revoking the token end it. Over the booted server with real cookies.
const METRICS_TOKEN = `mt_${'s'.repeat(40)}`;
const HOUR = 3_600_000;
let offset = 0;
/** The server's clock: real time, moved on by `offset` to age sessions. */
const clock = { now: () => new Date(Date.now() + offset) };

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ clock, config: { metricsToken: METRICS_TOKEN } });
});
afterAll(() => server?.dispose());
afterEach(() => {
  offset = 0;
});

interface SignedIn {
  id: string;
  setCookie: string;
  cookie: string;
}

/** Posts the sign-in form as a browser on this site does; returns the session cookie it set. */
async function signIn(token: string, headers: Record<string, string> = {}): Promise<SignedIn> {
  const response = await fetch(`${server.url}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, ...headers },
    body: new URLSearchParams({ token, next: '/' }).toString(),
  });
  expect(response.status).toBe(303);
  const setCookie = response.headers.get('set-cookie') ?? '';
  const id = /^baseliner_session=([^;]*)/.exec(setCookie)?.[1] ?? '';
  return { id, setCookie, cookie: `baseliner_session=${id}` };
}

/** A page request with a Cookie header, as a browser (or a thief replaying the cookie) sends it. */
const page = (path: string, cookie: string) => fetch(`${server.url}${path}`, { redirect: 'manual', headers: { cookie } });
const signedIn = async (cookie: string) => (await page('/', cookie)).status === 200;

async function viewerToken(name: string): Promise<{ tokenId: string; token: string }> {
  const issued = await client(server.url, server.adminToken).post('/v1/viewer-tokens', { name });
  expect(issued.status).toBe(201);
  return issued.body as { tokenId: string; token: string };
}

describe('sessions: signing in exchanges the token for a session id', () => {
  it('sets an opaque, random id — not the token — HttpOnly, SameSite=Strict, 12 h for the admin, 7 days for a viewer', async () => {
    const admin = await signIn(server.adminToken);
    expect(admin.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(admin.setCookie).not.toContain(server.adminToken);
    expect(admin.setCookie).not.toContain(encodeURIComponent(server.adminToken));
    expect(admin.setCookie.split('; ').slice(1).sort()).toEqual(['HttpOnly', 'Max-Age=43200', 'Path=/', 'SameSite=Strict']);
    expect((await signIn(server.adminToken)).id).not.toBe(admin.id);

    const { token } = await viewerToken('finance team');
    const viewer = await signIn(token);
    expect(viewer.setCookie).not.toContain(token);
    expect(viewer.setCookie).toContain('Max-Age=604800');
    const home = await page('/', viewer.cookie);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Signed in as finance team');
  });

  it('marks the cookie Secure when the request came over https (X-Forwarded-Proto), and only then', async () => {
    expect((await signIn(server.adminToken, { 'x-forwarded-proto': 'https' })).setCookie).toMatch(/; Secure$/);
    expect((await signIn(server.adminToken)).setCookie).not.toContain('Secure');
  });

  it('a stolen session cookie never works on the API or /metrics, as a cookie or as a bearer token', async () => {
    const admin = await signIn(server.adminToken);
    expect(await signedIn(admin.cookie)).toBe(true); // it does open the pages
    const attempts: [string, string, unknown?][] = [
      ['GET', '/v1/deployments'],
      ['POST', '/v1/deployments', validRegistration('stolen-cookie')],
      ['GET', '/v1/viewer-tokens'],
      ['POST', '/v1/viewer-tokens', { name: 'thief' }],
      ['GET', '/v1/deployments/stolen-cookie/scorecard'],
      ['POST', '/v1/events', []],
      ['GET', '/metrics'],
    ];
    const stolen: Record<string, string>[] = [{ cookie: admin.cookie }, { authorization: `Bearer ${admin.id}` }, { cookie: admin.cookie, authorization: `Bearer ${admin.id}` }];
    for (const credentials of stolen) {
      for (const [method, path, body] of attempts) {
        const response = await fetch(`${server.url}${path}`, {
          method,
          headers: { ...credentials, ...(body !== undefined && { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        expect({ method, path, credentials: Object.keys(credentials), status: response.status }).toEqual({ method, path, credentials: Object.keys(credentials), status: 401 });
      }
    }
    const listed = await client(server.url, server.adminToken).get('/v1/deployments');
    expect((listed.body as { id: string }[]).map((d) => d.id)).not.toContain('stolen-cookie');
    const tokens = await client(server.url, server.adminToken).get('/v1/viewer-tokens');
    expect((tokens.body as { name: string }[]).map((t) => t.name)).not.toContain('thief');
  });

  it('sign-out ends the session at once: a copy of the cookie taken before opens nothing within 2 s', async () => {
    const victim = await signIn(server.adminToken);
    const stolen = victim.cookie;
    expect(await signedIn(stolen)).toBe(true);
    const out = await fetch(`${server.url}/sign-out`, { method: 'POST', redirect: 'manual', headers: { cookie: victim.cookie, origin: server.url } });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/^baseliner_session=; .*Max-Age=0/);
    const signedOutAt = Date.now();
    const still = await eventually(() => signedIn(stolen), (open) => !open, 2_000, 50);
    expect({ still, withinMs: Date.now() - signedOutAt <= 2_000 }).toEqual({ still: false, withinMs: true });
    const refused = await page('/deployments/anything', stolen);
    expect(refused.status).toBe(303);
    expect(refused.headers.get('location')).toBe('/sign-in?next=%2Fdeployments%2Fanything&ended=1');
  });

  it('signing in again replaces the session this browser had', async () => {
    const first = await signIn(server.adminToken);
    const second = await signIn(server.adminToken, { cookie: first.cookie });
    expect(await signedIn(first.cookie)).toBe(false);
    expect(await signedIn(second.cookie)).toBe(true);
  });

  it('an expired session is refused: the admin’s after 12 h, a viewer’s after 7 days', async () => {
    const admin = await signIn(server.adminToken);
    const viewer = await signIn((await viewerToken('expiry')).token);
    offset = 12 * HOUR - 60_000;
    expect([await signedIn(admin.cookie), await signedIn(viewer.cookie)]).toEqual([true, true]);
    offset = 12 * HOUR + 1_000;
    expect([await signedIn(admin.cookie), await signedIn(viewer.cookie)]).toEqual([false, true]);
    offset = 7 * 24 * HOUR + 1_000;
    expect(await signedIn(viewer.cookie)).toBe(false);
    // Expired is gone, not just hidden: back to now, it still opens nothing.
    offset = 0;
    expect([await signedIn(admin.cookie), await signedIn(viewer.cookie)]).toEqual([false, false]);
  });

  it("revoking a viewer token ends its sessions (within 2 s), and only its own", async () => {
    const revoked = await viewerToken('leaver');
    const kept = await viewerToken('stayer');
    const sessions = [await signIn(revoked.token), await signIn(revoked.token)];
    const other = await signIn(kept.token);
    for (const s of [...sessions, other]) expect(await signedIn(s.cookie)).toBe(true);
    expect((await client(server.url, server.adminToken).delete(`/v1/viewer-tokens/${revoked.tokenId}`)).status).toBe(204);
    const revokedAt = Date.now();
    // Every process reads the tokens again once its last read is 1 s old.
    const open = await eventually(async () => Promise.all(sessions.map((s) => signedIn(s.cookie))), (states) => states.every((s) => !s), 3_000, 50);
    expect({ open, withinMs: Date.now() - revokedAt <= 2_000 }).toEqual({ open: [false, false], withinMs: true });
    expect(await signedIn(other.cookie)).toBe(true);
    // And it cannot sign in again.
    const again = await fetch(`${server.url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url },
      body: new URLSearchParams({ token: revoked.token }).toString(),
    });
    expect(again.status).toBe(401);
  });

  it.each([
    ['malformed percent-encoding', '%E0%A4%A'],
    ['empty', ''],
    ['garbage', 'not-a-session'],
    ['a well-formed id nobody issued', 'A'.repeat(43)],
    ['quotes and semicolons', '"x\\";a=b'],
    ['4 KB', 'x'.repeat(4096)],
  ])('a bad cookie (%s) is the sign-in page, never a 5xx, and is dropped', async (_what, value) => {
    for (const path of ['/', '/deployments/doc-review', '/?verdict=failing']) {
      const response = await page(path, `baseliner_session=${value}`);
      expect({ path, status: response.status }).toEqual({ path, status: 303 });
      expect(response.headers.get('location')).toMatch(/^\/sign-in\?next=.*&ended=1$/);
      expect(response.headers.get('set-cookie')).toMatch(/^baseliner_session=; .*Max-Age=0/);
    }
    const signInPage = await page('/sign-in?next=%2F&ended=1', `baseliner_session=${value}`);
    expect(signInPage.status).toBe(200);
    const html = await signInPage.text();
    expect(html).toContain('Your session has ended');
    expect(html).toContain('<form method="post" action="/sign-in">');
  });

  it('a cookie holding a token (as before sessions) opens nothing: tokens are exchanged, never accepted as sessions', async () => {
    const { token } = await viewerToken('old-cookie');
    for (const value of [server.adminToken, encodeURIComponent(server.adminToken), token]) {
      const response = await page('/', `baseliner_session=${value}`);
      expect(response.status).toBe(303);
      expect(response.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    }
  });
});

describeRequiring('sessions in Chromium: a cookie copied out of a signed-in browser', chromiumMissing, 'Chromium (Debian package chromium)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
  }, 60_000);
  afterAll(() => browser?.close());

  async function signInBrowser(context: BrowserContext, token: string) {
    const tab = await context.newPage();
    await tab.goto(`${server.url}/`);
    expect(new URL(tab.url()).pathname).toBe('/sign-in');
    await tab.getByLabel('Token').fill(token);
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await tab.waitForURL((url) => url.pathname === '/');
    return tab;
  }

  it('works in another browser for the pages only, never the API, and stops within 2 s of the owner signing out', async () => {
    const owner = await browser.newContext();
    const ownerTab = await signInBrowser(owner, server.adminToken);
    const [cookie] = await owner.cookies();
    expect(cookie).toMatchObject({ name: 'baseliner_session', httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie?.value).not.toBe(server.adminToken);
    // No script on the page can read it.
    expect(await ownerTab.evaluate('document.cookie')).toBe('');

    const thief = await browser.newContext();
    await thief.addCookies([cookie as Parameters<BrowserContext['addCookies']>[0][number]]);
    const thiefTab = await thief.newPage();
    await thiefTab.goto(`${server.url}/`);
    expect(new URL(thiefTab.url()).pathname).toBe('/');
    // The browser sends the cookie to the API too: refused.
    for (const path of ['/v1/deployments', '/v1/viewer-tokens', '/metrics']) {
      expect({ path, status: (await thief.request.get(`${server.url}${path}`)).status() }).toEqual({ path, status: 401 });
    }
    expect((await thief.request.post(`${server.url}/v1/viewer-tokens`, { data: { name: 'thief' } })).status()).toBe(401);

    await ownerTab.getByRole('button', { name: 'Sign out' }).click();
    await ownerTab.waitForURL((url) => url.pathname === '/sign-in');
    const signedOutAt = Date.now();
    expect(await owner.cookies()).toEqual([]);
    const landed = await eventually(
      async () => {
        await thiefTab.goto(`${server.url}/`);
        return new URL(thiefTab.url()).pathname;
      },
      (path) => path === '/sign-in',
      2_000,
      100,
    );
    expect({ landed, withinMs: Date.now() - signedOutAt <= 2_000 }).toEqual({ landed: '/sign-in', withinMs: true });
    await thiefTab.getByText('Your session has ended').waitFor();
    // The dead cookie was dropped from the thief's browser too.
    expect(await thief.cookies()).toEqual([]);
    await owner.close();
    await thief.close();
  }, 60_000);
});
