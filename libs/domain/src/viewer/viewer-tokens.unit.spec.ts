import { DomainError } from '../deployment/domain-error';
import { decideIssueViewerToken, decideRevokeViewerToken, foldViewerTokens } from './viewer-tokens';

const now = new Date('2026-11-30T12:00:00Z');

describe('viewer tokens', () => {
  it('issues a named token, revokes it once, and folds the history back', () => {
    const issued = decideIssueViewerToken({}, { tokenId: '0123456789ab', name: '  finance team ', tokenHash: 'h' }, now);
    expect(issued).toEqual([{ type: 'ViewerTokenIssued', data: { tokenId: '0123456789ab', name: 'finance team', tokenHash: 'h', issuedAt: now.toISOString() } }]);
    const state = foldViewerTokens(issued);
    const revoked = decideRevokeViewerToken(state, '0123456789ab', now);
    expect(revoked).toEqual([{ type: 'ViewerTokenRevoked', data: { tokenId: '0123456789ab', revokedAt: now.toISOString() } }]);
    const after = foldViewerTokens([...issued, ...revoked, { type: 'SomethingElse', data: {} }]);
    expect(after['0123456789ab']?.revokedAt).toBe(now.toISOString());
    expect(decideRevokeViewerToken(after, '0123456789ab', now)).toEqual([]);
  });

  it('refuses a token without a name and an unknown token id, saying what to do', () => {
    expect(() => decideIssueViewerToken({}, { tokenId: 'a', name: ' ', tokenHash: 'h' }, now)).toThrow(/who holds the token/);
    expect(() => decideIssueViewerToken({}, { tokenId: 'a', name: 'x'.repeat(101), tokenHash: 'h' }, now)).toThrow(DomainError);
    expect(() => decideRevokeViewerToken({}, 'nope', now)).toThrow(/GET \/v1\/viewer-tokens/);
  });
});
