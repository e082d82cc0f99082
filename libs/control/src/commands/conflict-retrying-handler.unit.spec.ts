import { decideIssueViewerToken, foldViewerTokens, type ViewerTokenEvent, type ViewerTokens } from '@baseliner/domain';
import { InMemoryEventStore, WrongExpectedRevisionError, type AppendOptions, type NewEvent } from '@baseliner/event-store';
import { CONFLICT_RETRIES, ConflictRetryingHandler, type StreamDecision } from './conflict-retrying-handler';

const now = new Date('2026-12-01T09:00:00Z');

/** Before each of the first `races` appends, another writer issues a token of its own. */
class RacingStore extends InMemoryEventStore {
  constructor(private races: number) {
    super(() => now);
  }

  override async append(streamId: string, events: NewEvent[], options?: AppendOptions) {
    if (this.races > 0) {
      this.races -= 1;
      const rival = `rival${this.races}`;
      await super.append(streamId, [{ id: rival, type: 'ViewerTokenIssued', data: { tokenId: rival, name: rival, tokenHash: 'h', issuedAt: now.toISOString() } }]);
    }
    return super.append(streamId, events, options);
  }
}

const issue = (tokenId: string): StreamDecision<ViewerTokens, ViewerTokenEvent> => ({
  streamId: 'viewer-tokens',
  fold: foldViewerTokens,
  decide: (tokens, at) => decideIssueViewerToken(tokens, { tokenId, name: 'finance team', tokenHash: 'h' }, at),
});

describe('ConflictRetryingHandler', () => {
  it('appends what the decision says, with the revision it read', async () => {
    const store = new RacingStore(0);
    const appended = await new ConflictRetryingHandler(store, { now: () => now }).handle(issue('a'));
    expect(appended).toMatchObject({ nextExpectedRevision: 0 });
    expect((await store.readStream('viewer-tokens')).map((e) => e.type)).toEqual(['ViewerTokenIssued']);
  });

  it('decides a command that lost a race again on the new history, up to CONFLICT_RETRIES times', async () => {
    const store = new RacingStore(CONFLICT_RETRIES);
    await new ConflictRetryingHandler(store, { now: () => now }).handle(issue('a'));
    expect(Object.keys(foldViewerTokens(await store.readStream('viewer-tokens'))).sort()).toEqual(['a', 'rival0', 'rival1', 'rival2']);
  });

  it('gives up with the conflict once a stream keeps changing faster than it is re-read', async () => {
    const store = new RacingStore(CONFLICT_RETRIES + 1);
    await expect(new ConflictRetryingHandler(store, { now: () => now }).handle(issue('a'))).rejects.toBeInstanceOf(WrongExpectedRevisionError);
  });

  it('appends nothing when the decision is to change nothing', async () => {
    const store = new RacingStore(1);
    const appended = await new ConflictRetryingHandler(store, { now: () => now }).handle({ ...issue('a'), decide: () => [] });
    expect(appended).toBeUndefined();
    expect(await store.readStream('viewer-tokens')).toEqual([]);
  });
});
