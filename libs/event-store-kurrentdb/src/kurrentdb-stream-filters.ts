import { kurrentDb, type Filter, type StoredEvent } from './kurrentdb-client';
import { SNAPSHOT_STREAM_PREFIX } from './kurrentdb-support';

// Which of $all's streams are the port's: the server-side filters and the same check client-side.

let domainStreams: Filter | undefined;

// Everything but system streams ($…) and the snapshot streams: a stream-name regex filter (.NET
// syntax, evaluated by the server). Used when no categories are asked for.
export function domainStreamsFilter(): Filter {
  return (domainStreams ??= kurrentDb().streamNameFilter({ regex: `^(?!\\$)(?!${SNAPSHOT_STREAM_PREFIX})` }));
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\#-]/g, '\\$&');
}

/** True for events of the port: not KurrentDB's own (system streams and types), not snapshots. */
export function isLogEvent(stored: StoredEvent): boolean {
  return !stored.streamId.startsWith('$') && !stored.type.startsWith('$') && !stored.streamId.startsWith(SNAPSHOT_STREAM_PREFIX);
}

/** The server-side filter: the categories' streams (`<category>` or `<category>-…`), else every port stream. */
export function filterFor(categories: string[] | undefined): Filter {
  if (!categories || categories.length === 0) return domainStreamsFilter();
  // A regex rather than `prefixes: [category + '-']`: a stream named just `<category>` is in it too.
  return kurrentDb().streamNameFilter({ regex: `^(?:${categories.map(escapeRegex).join('|')})(?:-|$)` });
}
