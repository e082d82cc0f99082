import { hash } from 'node:crypto';

/**
 * The store's event id for a CloudEvent: a UUID-shaped digest of (source, id), the CloudEvents
 * idempotency key. A resent event gets the same id, so the store keeps it once.
 */
export function telemetryEventId(source: string, id: string): string {
  // Length-prefixed so that no (source, id) pair can spell another one.
  const hex = hash('sha256', `${source.length}:${source}${id}`, 'hex');
  // Version 8 (custom) UUID layout, so stores that require UUIDs accept it.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const telemetryStream = (deploymentId: string) => `telemetry-${deploymentId}`;
