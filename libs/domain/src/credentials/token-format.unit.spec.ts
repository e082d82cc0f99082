import { formatIngestKey, formatViewerToken, parseIngestKey, parseViewerToken } from './token-format';

const secret = 'A'.repeat(43);
const kinds = [
  { kind: 'ingest key', prefix: 'blk_', other: 'bvt_', format: formatIngestKey, parse: parseIngestKey, parsed: { keyId: '0123456789ab', secret } },
  { kind: 'viewer token', prefix: 'bvt_', other: 'blk_', format: formatViewerToken, parse: parseViewerToken, parsed: { tokenId: '0123456789ab', secret } },
];

describe('token format', () => {
  it.each(kinds)('formats and parses a $kind, $prefix<id>.<secret>, and nothing else', ({ prefix, other, format, parse, parsed }) => {
    const token = format('0123456789ab', secret);
    expect(token).toBe(`${prefix}0123456789ab.${secret}`);
    expect(parse(token)).toEqual(parsed);
    for (const wrong of [`${other}0123456789ab.${secret}`, `${prefix}0123456789ab.short`, `${prefix}0123456789AB.${secret}`, `${token} `, `${prefix}0123456789a.${secret}`]) {
      expect(parse(wrong)).toBeUndefined();
    }
  });
});
