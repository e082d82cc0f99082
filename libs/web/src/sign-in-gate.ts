import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { redirect } from './redirect';
import { clearSessionCookie, hasSessionCookie, sessionIdOf } from './session-cookie';
import { ViewerAccess, type Viewer } from './viewer-access';
import { holderOf, ViewerSessions } from './viewer-sessions';

/** Every page but the sign-in form opens only to a live session whose token still stands. */
@Injectable()
export class SignInGate {
  constructor(
    private readonly access: ViewerAccess,
    private readonly sessions: ViewerSessions,
  ) {}

  /** The signed-in viewer, or a redirect to the sign-in page (and undefined). */
  async viewerOf(request: FastifyRequest, reply: FastifyReply): Promise<Viewer | undefined> {
    const presented = hasSessionCookie(request);
    const session = this.sessions.find(sessionIdOf(request));
    if (session && (await this.access.stillValid(session.viewer))) return session.viewer;
    // The viewer token behind it was revoked: every session it opened here ends.
    if (session) this.sessions.endAllOf(holderOf(session.viewer));
    const next = `/sign-in?next=${encodeURIComponent(request.url)}${presented ? '&ended=1' : ''}`;
    // A cookie that opens nothing (expired, ended, malformed, or a token from before sessions) is dropped.
    redirect(reply, next, presented ? clearSessionCookie(request) : undefined);
    return undefined;
  }
}
