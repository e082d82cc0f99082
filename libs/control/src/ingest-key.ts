// An ingest key is `blk_<keyId>.<secret>`: the id finds the deployment, the secret proves it.
const KEY_FORMAT = /^blk_([0-9a-f]{12})\.([A-Za-z0-9_-]{20,})$/;

export function formatIngestKey(keyId: string, secret: string): string {
  return `blk_${keyId}.${secret}`;
}

export function parseIngestKey(key: string): { keyId: string; secret: string } | undefined {
  const match = KEY_FORMAT.exec(key);
  return match ? { keyId: match[1] as string, secret: match[2] as string } : undefined;
}
