/**
 * The schema version of every stored event type, and how to read older versions. A stored type
 * is never renamed and never changed in place: bump its version here and add an upcaster from
 * the previous version, and every reader sees the new shape while the log keeps the old one.
 * (Structurally an `EventCodec`'s arguments; the codec lives with the event-store port.)
 */
export interface StoredEventUpcaster {
  type: string;
  fromVersion: number;
  upcast(data: unknown): unknown;
}

/** Every type not listed here is at version 1 (all of them, so far). */
export const STORED_EVENT_VERSIONS: Readonly<Record<string, number>> = {};

export const STORED_EVENT_UPCASTERS: readonly StoredEventUpcaster[] = [];
