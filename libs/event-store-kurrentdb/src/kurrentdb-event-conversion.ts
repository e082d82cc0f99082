import { randomUUID } from 'node:crypto';
import type { NewEvent, RecordedEvent } from '@baseliner/event-store';
import { kurrentDb, type EventData, type JSONType, type ReadPosition, type StoredEvent } from './kurrentdb-client';

// The port's events to KurrentDB's and back: ids, clock and positions.

/**
 * Reserved metadata keys. KurrentDB event ids must be UUIDs while the port's ids are any string,
 * so the port's id travels in the metadata and comes back from it; `$`-keys are KurrentDB's
 * convention for metadata that belongs to the system rather than to the event.
 */
export const ID_KEY = '$id';
export const RECORDED_AT_KEY = '$recordedAt';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

export function positionOf(stored: StoredEvent): number {
  if (!stored.position) throw new Error(`KurrentDB returned event ${stored.streamId}@${stored.revision} without a log position (server older than 22.6?)`);
  return Number(stored.position.commit);
}

/** A position in $all from the port's number: our events are self-committed, so commit = prepare. */
export function logPosition(position: number): ReadPosition {
  return position <= 0 ? 'start' : { commit: BigInt(position), prepare: BigInt(position) };
}

/** The port's view of a stored event; the id and clock come back from the reserved metadata keys. */
export function toRecorded(stored: StoredEvent): RecordedEvent {
  const { [ID_KEY]: id, [RECORDED_AT_KEY]: recordedAtMs, ...metadata } = isPlainObject(stored.metadata) ? stored.metadata : {};
  return {
    position: positionOf(stored),
    streamId: stored.streamId,
    revision: Number(stored.revision),
    // An event written by another tool has no port id: its KurrentDB id stands in.
    id: typeof id === 'string' ? id : stored.id,
    type: stored.type,
    data: stored.data,
    metadata,
    recordedAt: typeof recordedAtMs === 'number' ? new Date(recordedAtMs) : stored.created,
  };
}

export function portIdOf(stored: StoredEvent): string {
  const id = isPlainObject(stored.metadata) ? stored.metadata[ID_KEY] : undefined;
  return typeof id === 'string' ? id : stored.id;
}

/** The metadata an event is stored with: the caller's, plus the port's id under its reserved key. */
export function storedMetadata(event: NewEvent): Record<string, unknown> {
  if (event.type.startsWith('$')) throw new TypeError(`Event type ${event.type}: types starting with $ are KurrentDB's own`);
  const metadata = event.metadata ?? {};
  if (ID_KEY in metadata || RECORDED_AT_KEY in metadata) {
    throw new TypeError(`Event ${event.id}: metadata keys ${ID_KEY} and ${RECORDED_AT_KEY} are reserved by the KurrentDB store`);
  }
  return { ...metadata, [ID_KEY]: event.id };
}

export function toEventData(event: NewEvent, metadata: Record<string, unknown>): EventData {
  return kurrentDb().jsonEvent({ id: randomUUID(), type: event.type, data: jsonData(event), metadata: jsonMetadata(event, metadata) });
}

// The client serialises inside a promise that never settles if JSON.stringify throws (a BigInt, a
// cycle), so the data is checked here first, where the error reaches the caller.
function jsonData(event: NewEvent): JSONType {
  const data = event.data ?? null;
  assertSerialisable(event, 'data', data);
  return data as JSONType;
}

function jsonMetadata(event: NewEvent, metadata: Record<string, unknown>): JSONType {
  assertSerialisable(event, 'metadata', metadata);
  return metadata;
}

function assertSerialisable(event: NewEvent, part: string, value: unknown): void {
  try {
    JSON.stringify(value);
  } catch (error) {
    throw new TypeError(`Event ${event.id} (${event.type}): its ${part} is not JSON: ${(error as Error).message}`);
  }
}
