import type { FastifyRequest } from 'fastify';
import { isCrossSite, pathOnThisSite } from './same-origin';
import { clearSessionCookie, hasSessionCookie, sessionIdOf, setSessionCookie } from './session-cookie';

const request = (headers: Record<string, string>, protocol = 'http') => ({ headers, protocol }) as unknown as FastifyRequest;

describe('session cookie', () => {
  it('reads the session id among other cookies, and an unreadable one as none', () => {
    expect(sessionIdOf(request({ cookie: 'a=b; baseliner_session=abc%2D1; c=d' }))).toBe('abc-1');
    expect(sessionIdOf(request({ cookie: 'baseliner_session=%E0%A4%A' }))).toBeUndefined();
    expect(hasSessionCookie(request({ cookie: 'baseliner_session=%E0%A4%A' }))).toBe(true);
    expect(hasSessionCookie(request({ cookie: 'BASELINER_SESSION=x; baseliner_session' }))).toBe(false);
    expect(sessionIdOf(request({}))).toBeUndefined();
  });

  it('sets it HttpOnly and SameSite=Strict, Secure behind HTTPS, and drops it with Max-Age=0', () => {
    expect(setSessionCookie(request({}), 'id', 60)).toBe('baseliner_session=id; HttpOnly; SameSite=Strict; Path=/; Max-Age=60');
    expect(setSessionCookie(request({ 'x-forwarded-proto': 'https, http' }), 'id', 60)).toMatch(/; Secure$/);
    expect(clearSessionCookie(request({}, 'https'))).toBe('baseliner_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Secure');
  });
});

describe('same origin', () => {
  it('refuses forms from another origin or a null one, and takes same-host and origin-less ones', () => {
    expect(isCrossSite(request({ host: 'pages.example', origin: 'https://pages.example' }))).toBe(false);
    expect(isCrossSite(request({ host: 'pages.example' }))).toBe(false);
    expect(isCrossSite(request({ host: 'pages.example', origin: 'https://evil.example' }))).toBe(true);
    expect(isCrossSite(request({ host: 'pages.example', origin: 'null' }))).toBe(true);
    expect(isCrossSite(request({ host: 'pages.example', origin: 'not a url' }))).toBe(true);
  });

  it('sends a browser after sign-in only to a path on this site', () => {
    expect(pathOnThisSite('/deployments/a?x=1')).toBe('/deployments/a?x=1');
    for (const elsewhere of ['//evil.example', '/\\evil.example', 'https://evil.example', '/a b', undefined, 3]) expect(pathOnThisSite(elsewhere)).toBe('/');
  });
});
