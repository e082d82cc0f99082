import { Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendHtml } from './gzip-html';
import { html } from './html';
import { redirect } from './redirect';
import { isCrossSite, pathOnThisSite } from './same-origin';
import { clearSessionCookie, sessionIdOf, setSessionCookie } from './session-cookie';
import { ViewerAccess } from './viewer-access';
import { ViewerSessions } from './viewer-sessions';
import { page } from './views/layout';
import { signInView } from './views/sign-in.view';

/** Signing in with a token (exchanged for a session) and signing out. */
@Controller()
export class SignInController {
  constructor(
    private readonly access: ViewerAccess,
    private readonly sessions: ViewerSessions,
  ) {}

  @Get('sign-in')
  signInForm(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Query('next') next?: string, @Query('ended') ended?: string): void {
    const notice = ended === '1' ? 'Your session has ended (it expired, was signed out, or its token was revoked). Sign in again.' : undefined;
    sendHtml(request, reply, 200, page('Sign in', signInView(pathOnThisSite(next), undefined, notice)));
  }

  @Post('sign-in')
  async signIn(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (isCrossSite(request)) {
      sendHtml(request, reply, 403, page('Sign in', signInView('/', 'This sign-in came from another site and was refused. Sign in from this page.')));
      return;
    }
    const form = (request.body ?? {}) as Record<string, unknown>;
    const next = pathOnThisSite(form.next);
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    const viewer = await this.access.check(token);
    if (!viewer) {
      const problem = token ? 'That token is not valid (wrong, or revoked). Ask your admin for a viewer token.' : 'Paste a token to sign in.';
      sendHtml(request, reply, 401, page('Sign in', signInView(next, problem)));
      return;
    }
    // The token is exchanged for a new session id and not kept; a session this browser had ends.
    this.sessions.end(sessionIdOf(request));
    const session = this.sessions.start(viewer);
    redirect(reply, next, setSessionCookie(request, session.id, session.maxAgeSeconds));
  }

  @Post('sign-out')
  signOut(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    if (isCrossSite(request)) {
      sendHtml(request, reply, 403, page('Sign out', html`<h1>Refused</h1><p>A sign-out from another site was refused.</p>`));
      return;
    }
    // Ended here and now: the id opens nothing any more, whoever else holds a copy of it.
    this.sessions.end(sessionIdOf(request));
    redirect(reply, '/sign-in', clearSessionCookie(request));
  }
}
