import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { CLOCK, sha256Hex, type Clock } from '@baseliner/platform';
import type { Viewer } from './viewer-access';

/**
 * How long a signed-in browser stays signed in. The admin's session opens every page and is worth
 * more to a thief: half a working day. A viewer's, read-only and revocable with its token: a week.
 */
export const SESSION_LIFETIME_MS: Readonly<Record<Viewer['kind'], number>> = { admin: 12 * 3_600_000, viewer: 7 * 86_400_000 };

/** A flood of sign-ins with one token ends that token's oldest sessions, not everyone else's. */
export const MAX_SESSIONS_PER_TOKEN = 100;
/** All sessions of this process: beyond it the oldest ends (each is ~200 bytes). */
export const MAX_SESSIONS = 50_000;
const SWEEP_EVERY_MS = 60_000;

/** 32 random bytes, base64url: what the cookie holds. Anything else is no session. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export interface Session {
  viewer: Viewer;
  /** Whose token opened it: "admin", or the viewer token's id. */
  holder: string;
  expiresAt: number;
}

/**
 * Signed-in browsers. Signing in exchanges the token for an opaque, random session id; the cookie
 * holds that id and never the token, so a stolen cookie opens the pages of this one process until
 * it expires or its holder signs out — never the API, which takes bearer tokens only.
 *
 * Kept in this process's memory, by SHA-256 of the id (a heap dump yields no usable cookie): a
 * restart signs everyone out, and a session is known only to the process that signed it in. Why
 * not the event store: docs/design-notes.md ("Sessions are not tokens").
 */
@Injectable()
export class ViewerSessions {
  /** By SHA-256 of the id, oldest first (a Map keeps insertion order). */
  private readonly sessions = new Map<string, Session>();
  /** Each holder's session keys, oldest first: caps and revocation without a scan of all sessions. */
  private readonly byHolder = new Map<string, Set<string>>();
  private sweptAt = 0;

  constructor(@Inject(CLOCK) private readonly clock: Clock) {}

  /** A new session for a viewer whose token was just checked: its id (for the cookie) and lifetime. */
  start(viewer: Viewer): { id: string; maxAgeSeconds: number } {
    const now = this.clock.now().getTime();
    this.sweep(now);
    const holder = holderOf(viewer);
    const own = this.byHolder.get(holder) ?? new Set<string>();
    this.byHolder.set(holder, own);
    if (own.size >= MAX_SESSIONS_PER_TOKEN) this.delete(own.values().next().value as string);
    if (this.sessions.size >= MAX_SESSIONS) this.delete(this.sessions.keys().next().value as string);
    const id = randomBytes(32).toString('base64url');
    const key = sha256Hex(id);
    const lifetime = SESSION_LIFETIME_MS[viewer.kind];
    this.sessions.set(key, { viewer, holder, expiresAt: now + lifetime });
    own.add(key);
    return { id, maxAgeSeconds: Math.floor(lifetime / 1000) };
  }

  /** The live session a cookie names, if any: malformed, unknown, ended and expired ids are none. */
  find(id: string | undefined): Session | undefined {
    if (!id || !SESSION_ID.test(id)) return undefined;
    const key = sha256Hex(id);
    const session = this.sessions.get(key);
    if (!session) return undefined;
    if (session.expiresAt <= this.clock.now().getTime()) {
      this.delete(key);
      return undefined;
    }
    return session;
  }

  /** Sign-out (or a revoked token found): the id opens nothing from now on. */
  end(id: string | undefined): void {
    if (id && SESSION_ID.test(id)) this.delete(sha256Hex(id));
  }

  /** Ends every session a token opened (its revocation, seen by this process). */
  endAllOf(holder: string): void {
    for (const key of this.byHolder.get(holder) ?? []) this.sessions.delete(key);
    this.byHolder.delete(holder);
  }

  get size(): number {
    return this.sessions.size;
  }

  private delete(key: string): void {
    const session = this.sessions.get(key);
    if (!session) return;
    this.sessions.delete(key);
    const own = this.byHolder.get(session.holder);
    own?.delete(key);
    if (own?.size === 0) this.byHolder.delete(session.holder);
  }

  /** Expired sessions nobody presents again are dropped once a minute. */
  private sweep(now: number): void {
    if (now - this.sweptAt < SWEEP_EVERY_MS) return;
    this.sweptAt = now;
    for (const [key, session] of this.sessions) if (session.expiresAt <= now) this.delete(key);
  }
}

export function holderOf(viewer: Viewer): string {
  return viewer.kind === 'admin' ? 'admin' : viewer.tokenId;
}
