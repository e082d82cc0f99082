import { formatIngestKey, formatViewerToken, parseIngestKey, parseViewerToken } from './token-format';

const secret = 'A'.repeat(43);

describe('token format', () => {
  it('formats and parses blk_<keyId>.<secret>, and nothing else', () => {
    const key = formatIngestKey('0123456789ab', secret);
    expect(key).toBe(`blk_0123456789ab.${secret}`);
    expect(parseIngestKey(key)).toEqual({ keyId: '0123456789ab', secret });
    expect(parseIngestKey(`bvt_0123456789ab.${secret}`)).toBeUndefined();
    expect(parseIngestKey('blk_0123456789ab.short')).toBeUndefined();
    expect(parseIngestKey(`blk_0123456789AB.${secret}`)).toBeUndefined();
    expect(parseIngestKey(`${key} `)).toBeUndefined();
  });

  it('formats and parses bvt_<tokenId>.<secret>, and nothing else', () => {
    const token = formatViewerToken('0123456789ab', secret);
    expect(token).toBe(`bvt_0123456789ab.${secret}`);
    expect(parseViewerToken(token)).toEqual({ tokenId: '0123456789ab', secret });
    expect(parseViewerToken(`blk_0123456789ab.${secret}`)).toBeUndefined();
    expect(parseViewerToken('bvt_0123456789ab.short')).toBeUndefined();
  });
});
