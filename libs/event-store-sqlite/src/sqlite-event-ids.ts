const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// UUID ids are kept as 16 bytes: the id tables are the costliest part of an insert (ids are
// random), and half the size keeps twice as much of them in cache. Other ids are kept as text.
export function encodeEventId(id: string): Buffer | string {
  if (id.length !== 36 || !UUID.test(id)) return id;
  return Buffer.from(id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18) + id.slice(19, 23) + id.slice(24), 'hex');
}

export function decodeEventId(stored: Buffer | Uint8Array | string): string {
  if (typeof stored === 'string') return stored;
  const hex = Buffer.from(stored).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
