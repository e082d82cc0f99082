import type { NewEvent, RecordedEvent } from './event-store.port';

/** Turns a stored event of one schema version into the next version's shape. */
export interface Upcaster {
  type: string;
  /** The version this upcaster reads; it returns the data as version `fromVersion + 1`. */
  fromVersion: number;
  upcast(data: unknown): unknown;
}

export interface DecodedEvent {
  type: string;
  data: unknown;
  /** The version the event was stored with (before upcasting). */
  storedVersion: number;
}

/** The event was written by a newer build: this one cannot read it safely. */
export class UnknownEventVersionError extends Error {
  constructor(
    readonly type: string,
    readonly version: number,
    readonly understood: number,
  ) {
    super(`A ${type} event of schema version ${version} is in the log; this build understands up to ${understood}: upgrade Baseliner`);
    this.name = 'UnknownEventVersionError';
  }
}

/** Metadata key of the schema version. Absent = version 1, so version-1 events carry no metadata. */
export const SCHEMA_VERSION_KEY = 'v';

/**
 * The one way stored events are written and read. Each event type has a current schema version;
 * an event stored at an older version is upcast step by step when read, so a shape can change
 * without rewriting history (stored type names are never renamed). Writing stamps the current
 * version into the metadata when it is above 1.
 */
export class EventCodec {
  private readonly steps = new Map<string, Upcaster>();

  constructor(
    private readonly currentVersions: Readonly<Record<string, number>>,
    upcasters: readonly Upcaster[] = [],
  ) {
    for (const upcaster of upcasters) {
      const current = currentVersions[upcaster.type] ?? 1;
      if (upcaster.fromVersion < 1 || upcaster.fromVersion >= current) {
        throw new Error(`Upcaster for ${upcaster.type} v${upcaster.fromVersion} does not lead to its current version ${current}`);
      }
      this.steps.set(`${upcaster.type}@${upcaster.fromVersion}`, upcaster);
    }
    for (const [type, current] of Object.entries(currentVersions)) {
      for (let v = 1; v < current; v += 1) {
        if (!this.steps.has(`${type}@${v}`)) throw new Error(`${type} is at version ${current} but has no upcaster from version ${v}`);
      }
    }
  }

  versionOf(type: string): number {
    return this.currentVersions[type] ?? 1;
  }

  encode(event: NewEvent): NewEvent {
    const version = this.versionOf(event.type);
    if (version === 1) return event;
    return { ...event, metadata: { ...event.metadata, [SCHEMA_VERSION_KEY]: version } };
  }

  decode(event: Pick<RecordedEvent, 'type' | 'data' | 'metadata'>): DecodedEvent {
    const current = this.versionOf(event.type);
    // Version-1 events carry no metadata, so this is cheap on a replay's hot path.
    const stored = Number(event.metadata?.[SCHEMA_VERSION_KEY] ?? 1);
    if (stored > current) throw new UnknownEventVersionError(event.type, stored, current);
    let data = event.data;
    for (let v = stored; v < current; v += 1) data = (this.steps.get(`${event.type}@${v}`) as Upcaster).upcast(data);
    return { type: event.type, data, storedVersion: stored };
  }
}
