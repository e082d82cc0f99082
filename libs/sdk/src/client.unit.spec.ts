import { BaselinerClient, type BaselinerClientOptions } from '.';

const valid: BaselinerClientOptions = { url: 'http://localhost:3000', ingestKey: 'blk_abc.def', deployment: 'doc-review', source: 'doc-review/eu-1' };

describe('BaselinerClient options', () => {
  it('says which option is missing, and where it usually comes from', () => {
    expect(() => new BaselinerClient({ ...valid, url: process.env.BASELINER_UNSET_URL as string })).toThrow(
      "the url option is missing or empty: Baseliner's base URL, e.g. http://localhost:3000 (is BASELINER_URL set?)",
    );
    expect(() => new BaselinerClient({ ...valid, ingestKey: '' })).toThrow('the ingestKey option is missing or empty');
    expect(() => new BaselinerClient({ ...valid, deployment: '' })).toThrow('the deployment option is missing or empty');
    expect(() => new BaselinerClient({ ...valid, source: '' })).toThrow('the source option is missing or empty');
  });

  it('refuses a url that is not an http(s) URL', () => {
    expect(() => new BaselinerClient({ ...valid, url: 'localhost:3000' })).toThrow('url "localhost:3000" must start with http:// or https://');
    expect(() => new BaselinerClient({ ...valid, url: 'not a url' })).toThrow('url "not a url" is not a URL');
  });

  it('keeps the defaults for options given as undefined', async () => {
    // Nothing listens on its URL: the handler keeps the retry quiet, and close() gives up at once
    // (no delivery left running after the test).
    const client = new BaselinerClient({ ...valid, url: 'http://127.0.0.1:9', batchSize: undefined, closeTimeoutMs: undefined, maxQueue: undefined, onError: () => undefined });
    client.aiUsed({ actor: 'a' });
    expect(client.pending).toBe(1);
    const removeHooks = client.flushOnShutdown();
    removeHooks();
    await client.close({ timeoutMs: 50 });
  });
});
