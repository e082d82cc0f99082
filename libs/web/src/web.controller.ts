import { Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { gzipSync } from 'node:zlib';
import { isDeploymentEvent, type DeploymentEvent } from '@baseliner/domain';
import { EVENT_STORE, type EventStore } from '@baseliner/event-store';
import { APP_CONFIG, CLOCK, storedEventCodec, type AppConfig, type Clock } from '@baseliner/platform';
import { ProjectorService } from '@baseliner/projector';
import { deploymentSeries } from './deployment-series';
import { html } from './html';
import { ViewerAccess, type Viewer } from './viewer-access';
import { holderOf, ViewerSessions } from './viewer-sessions';
import { deploymentView } from './views/deployment.view';
import { page } from './views/layout';
import { PAGES_CSS } from './views/pages.css';
import { portfolioFilter, portfolioRows, portfolioView } from './views/portfolio.view';
import { signInView } from './views/sign-in.view';

const FAVICON_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f5fbf"/><path d="M3 11h10M3 7h6" stroke="#fff" stroke-width="2"/></svg>';

/** Holds an opaque session id (ViewerSessions), never a token. */
export const SESSION_COOKIE = 'baseliner_session';

// Read-only pages: nothing but this origin's stylesheet, no scripts at all, not framable.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

function cookieValue(request: FastifyRequest, name: string): string | undefined {
  for (const part of String(request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return safeDecode(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** Whether the request carries the cookie at all, readable or not. */
function hasCookie(request: FastifyRequest, name: string): boolean {
  return String(request.headers.cookie ?? '').split(';').some((part) => part.includes('=') && part.slice(0, part.indexOf('=')).trim() === name);
}

/** A malformed percent-encoding (`%E0%A4%A`) is no cookie at all: the sign-in page, never a 500. */
function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** Only a path on this site: never another origin ("//evil", "https://…") after sign-in. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/';
}

/** A form posted from another site (login CSRF): its Origin names another host than ours. */
function crossSite(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (!origin || origin === 'null') return origin === 'null';
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true;
  }
}

function isHttps(request: FastifyRequest): boolean {
  return request.protocol === 'https' || String(request.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim() === 'https';
}

/** The session cookie: script cannot read it, other sites' requests do not carry it, HTTPS keeps it to HTTPS. */
function sessionCookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}${isHttps(request) ? '; Secure' : ''}`;
}

/** The portfolio, each deployment's page, and signing in to see them. */
@Controller()
export class WebController {
  constructor(
    private readonly projector: ProjectorService,
    private readonly access: ViewerAccess,
    private readonly sessions: ViewerSessions,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('assets/pages.css')
  stylesheet(@Res() reply: FastifyReply): void {
    void reply.headers({ 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' }).send(PAGES_CSS);
  }

  @Get('assets/favicon.svg')
  favicon(@Res() reply: FastifyReply): void {
    void reply.headers({ 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400', 'x-content-type-options': 'nosniff' }).send(FAVICON_SVG);
  }

  /**
   * The portfolio, a page of 100 rows at a time (`?page=`), filtered by verdict, phase and a
   * search of ids, names and owners (`?q=`); the verdict counts cover every deployment. A value
   * that cannot be used is ignored and the page says so (never a 4xx or 5xx for a query string).
   */
  @Get()
  async portfolio(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Query() query?: Record<string, unknown>): Promise<void> {
    const viewer = await this.viewerOf(request, reply);
    if (!viewer) return;
    const now = this.clock.now().getTime();
    const { filter, notes } = portfolioFilter(query);
    const rows = portfolioRows(this.projector.portfolio(), now);
    this.send(request, reply, 200, page('Deployments', portfolioView(rows, filter, now, this.projector.heldShards(), notes), viewer));
  }

  @Get('deployments/:id')
  async deployment(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const viewer = await this.viewerOf(request, reply);
    if (!viewer) return;
    const projection = this.projector.projectionOf(id);
    const scorecard = this.projector.scorecard(id);
    const deployment = projection?.lifecycle;
    if (!projection || !scorecard || deployment?.status !== 'registered') {
      const { held, shard } = this.projector.shardOf(id);
      const why = held ? html`No deployment "${id}". <a href="/">See all deployments</a>.` : html`Deployment "${id}" is in shard ${shard}, which another projector holds: open its pages there.`;
      this.send(request, reply, 404, page('Not found', html`<h1>Not found</h1><p>${why}</p>`, viewer));
      return;
    }
    const now = this.clock.now();
    const history = (await this.store.readStream(`deployment-${id}`))
      .map((recorded) => ({ event: storedEventCodec.decode(recorded) as { type: string }, recordedAt: recorded.recordedAt }))
      .filter((entry) => isDeploymentEvent(entry.event)) as { event: DeploymentEvent; recordedAt: Date }[];
    const body = deploymentView({
      deployment,
      projection,
      scorecard,
      ...deploymentSeries(projection, deployment, scorecard, now),
      history,
      grafanaUrl: this.config.grafanaUrl,
      now: now.getTime(),
    });
    this.send(request, reply, 200, page(deployment.name, body, viewer));
  }

  @Get('sign-in')
  signInForm(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Query('next') next?: string, @Query('ended') ended?: string): void {
    const notice = ended === '1' ? 'Your session has ended (it expired, was signed out, or its token was revoked). Sign in again.' : undefined;
    this.send(request, reply, 200, page('Sign in', signInView(safeNext(next), undefined, notice)));
  }

  @Post('sign-in')
  async signIn(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (crossSite(request)) {
      this.send(request, reply, 403, page('Sign in', signInView('/', 'This sign-in came from another site and was refused. Sign in from this page.')));
      return;
    }
    const form = (request.body ?? {}) as Record<string, unknown>;
    const next = safeNext(form.next);
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    const viewer = await this.access.check(token);
    if (!viewer) {
      const problem = token ? 'That token is not valid (wrong, or revoked). Ask your admin for a viewer token.' : 'Paste a token to sign in.';
      this.send(request, reply, 401, page('Sign in', signInView(next, problem)));
      return;
    }
    // The token is exchanged for a new session id and not kept; a session this browser had ends.
    this.sessions.end(cookieValue(request, SESSION_COOKIE));
    const session = this.sessions.start(viewer);
    void reply
      .code(303)
      .headers({ ...SECURITY_HEADERS, location: next, 'set-cookie': sessionCookie(request, session.id, session.maxAgeSeconds) })
      .send();
  }

  @Post('sign-out')
  signOut(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    if (crossSite(request)) {
      this.send(request, reply, 403, page('Sign out', html`<h1>Refused</h1><p>A sign-out from another site was refused.</p>`));
      return;
    }
    // Ended here and now: the id opens nothing any more, whoever else holds a copy of it.
    this.sessions.end(cookieValue(request, SESSION_COOKIE));
    void reply
      .code(303)
      .headers({ ...SECURITY_HEADERS, location: '/sign-in', 'set-cookie': sessionCookie(request, '', 0) })
      .send();
  }

  /** The signed-in viewer, or a redirect to the sign-in page (and undefined). */
  private async viewerOf(request: FastifyRequest, reply: FastifyReply): Promise<Viewer | undefined> {
    const presented = hasCookie(request, SESSION_COOKIE);
    const id = cookieValue(request, SESSION_COOKIE);
    const session = this.sessions.find(id);
    if (session && (await this.access.stillValid(session.viewer))) return session.viewer;
    // The viewer token behind it was revoked: every session it opened here ends.
    if (session) this.sessions.endAllOf(holderOf(session.viewer));
    const next = `/sign-in?next=${encodeURIComponent(request.url)}${presented ? '&ended=1' : ''}`;
    void reply
      .code(303)
      // A cookie that opens nothing (expired, ended, malformed, or a token from before sessions) is dropped.
      .headers({ ...SECURITY_HEADERS, location: next, ...(presented && { 'set-cookie': sessionCookie(request, '', 0) }) })
      .send();
    return undefined;
  }

  /** HTML, gzipped when the browser takes it (a 1,000-row portfolio shrinks about tenfold). */
  private send(request: FastifyRequest, reply: FastifyReply, status: number, body: string): void {
    const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? '')) && body.length > 1024;
    void reply
      .code(status)
      .headers({ ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', vary: 'accept-encoding', ...(gzip && { 'content-encoding': 'gzip' }) })
      .send(gzip ? gzipSync(body, { level: 6 }) : body);
  }
}
