import { MAX_SESSIONS, MAX_SESSIONS_PER_TOKEN, SESSION_LIFETIME_MS, ViewerSessions } from './viewer-sessions';

const admin = { kind: 'admin' } as const;
const viewer = (tokenId: string) => ({ kind: 'viewer', tokenId, name: `holder of ${tokenId}` }) as const;

function sessionsAt(start = Date.parse('2026-12-01T09:00:00Z')) {
  let now = start;
  const sessions = new ViewerSessions({ now: () => new Date(now) });
  return { sessions, advance: (ms: number) => (now += ms) };
}

describe('ViewerSessions', () => {
  it('issues random 43-character ids, finds them, and keeps only their hash', () => {
    const { sessions } = sessionsAt();
    const a = sessions.start(admin);
    const b = sessions.start(admin);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.id).not.toBe(b.id);
    expect(sessions.find(a.id)?.viewer).toEqual(admin);
    expect(JSON.stringify([...(sessions as unknown as { sessions: Map<string, unknown> }).sessions.keys()])).not.toContain(a.id);
  });

  it('expires the admin after 12 h and a viewer after 7 days, and an expired id stays gone', () => {
    const { sessions, advance } = sessionsAt();
    const a = sessions.start(admin);
    const v = sessions.start(viewer('0123456789ab'));
    expect([a.maxAgeSeconds, v.maxAgeSeconds]).toEqual([12 * 3600, 7 * 86400]);
    advance(SESSION_LIFETIME_MS.admin - 1);
    expect(sessions.find(a.id)).toBeDefined();
    advance(1);
    expect(sessions.find(a.id)).toBeUndefined();
    expect(sessions.find(v.id)).toBeDefined();
    advance(SESSION_LIFETIME_MS.viewer);
    expect(sessions.find(v.id)).toBeUndefined();
    expect(sessions.size).toBe(0);
  });

  it('ends one session on sign-out and every session of a token on its revocation', () => {
    const { sessions } = sessionsAt();
    const [x1, x2, y] = [sessions.start(viewer('aaaaaaaaaaaa')), sessions.start(viewer('aaaaaaaaaaaa')), sessions.start(viewer('bbbbbbbbbbbb'))];
    sessions.end(x1.id);
    expect([sessions.find(x1.id), sessions.find(x2.id)?.holder]).toEqual([undefined, 'aaaaaaaaaaaa']);
    sessions.endAllOf('aaaaaaaaaaaa');
    expect([sessions.find(x2.id), sessions.find(y.id)?.holder]).toEqual([undefined, 'bbbbbbbbbbbb']);
  });

  it.each([
    ['none', undefined],
    ['empty', ''],
    ['malformed percent-encoding', '%E0%A4%A'],
    ['4 KB', 'x'.repeat(4096)],
    ['well-formed, never issued', 'A'.repeat(43)],
    ['an admin token', 'bla_' + 'x'.repeat(40)],
  ])('finds no session for an id that is %s, and ending it is harmless', (_what, id) => {
    const { sessions } = sessionsAt();
    sessions.start(admin);
    expect(sessions.find(id)).toBeUndefined();
    sessions.end(id);
    expect(sessions.size).toBe(1);
  });

  it(`keeps at most ${MAX_SESSIONS_PER_TOKEN} sessions per token (its oldest end) without touching others'`, () => {
    const { sessions } = sessionsAt();
    const other = sessions.start(viewer('bbbbbbbbbbbb'));
    const flood = Array.from({ length: MAX_SESSIONS_PER_TOKEN + 5 }, () => sessions.start(viewer('aaaaaaaaaaaa')));
    expect(flood.filter((s) => sessions.find(s.id)).length).toBe(MAX_SESSIONS_PER_TOKEN);
    expect(sessions.find(flood[0]?.id)).toBeUndefined();
    expect(sessions.find(flood[flood.length - 1]?.id)).toBeDefined();
    expect(sessions.find(other.id)).toBeDefined();
  });

  it(`keeps at most ${MAX_SESSIONS} sessions in all, ending the oldest`, () => {
    const { sessions } = sessionsAt();
    const first = sessions.start(viewer('000000000000'));
    for (let i = 1; i <= MAX_SESSIONS; i += 1) sessions.start(viewer(i.toString(16).padStart(12, '0')));
    expect(sessions.size).toBe(MAX_SESSIONS);
    expect(sessions.find(first.id)).toBeUndefined();
  }, 30_000);

  it('drops expired sessions nobody presents again', () => {
    const { sessions, advance } = sessionsAt();
    sessions.start(admin);
    sessions.start(viewer('aaaaaaaaaaaa'));
    advance(SESSION_LIFETIME_MS.admin + 60_000);
    sessions.start(viewer('bbbbbbbbbbbb'));
    expect(sessions.size).toBe(2);
    advance(SESSION_LIFETIME_MS.viewer);
    sessions.start(admin);
    expect(sessions.size).toBe(1);
  });
});
