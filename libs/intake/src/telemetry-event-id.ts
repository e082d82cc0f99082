import { hash } from 'node:crypto';

/**
 * The store's event id for a CloudEvent: a UUID-shaped digest of (source, id) — the CloudEvents
 * idempotency key — within one deployment. A resent event gets the same id, so the store keeps
 * it once; the same history sent to another deployment (a relaunch backfilling its baseline) is
 * that deployment's own and is stored there too.
 */
export function telemetryEventId(deployment: string, source: string, id: string): string {
  // Length-prefixed so that no (deployment, source, id) can spell another one.
  const hex = hash('sha256', `${deployment.length}:${deployment}${source.length}:${source}${id}`, 'hex');
  // Version 8 (custom) UUID layout, so stores that require UUIDs accept it.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const telemetryStream = (deploymentId: string) => `telemetry-${deploymentId}`;
