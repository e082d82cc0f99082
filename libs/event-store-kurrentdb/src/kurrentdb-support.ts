import { EventStoreUnavailableError, WrongExpectedRevisionError } from '@baseliner/event-store';
import { kurrentDb } from './kurrentdb-client';

/**
 * Every snapshot stream starts with this, so the log's readers (readAll, subscriptions, head)
 * can leave them out: snapshots are the read side's cache, not events.
 */
export const SNAPSHOT_STREAM_PREFIX = 'baseliner_snapshot';

// Failures a later attempt can get past: the node is down, unreachable, slow or no longer leader.
// The native read path reports connection failures it does not classify as UnknownError.
let passingFailures: Set<string> | undefined;
function isPassingFailureType(type: string): boolean {
  const { ErrorType } = kurrentDb();
  passingFailures ??= new Set([ErrorType.UNAVAILABLE, ErrorType.DEADLINE_EXCEEDED, ErrorType.TIMEOUT, ErrorType.NOT_LEADER, ErrorType.CANCELLED, ErrorType.UNKNOWN]);
  return passingFailures.has(type);
}

// The same, as raw gRPC status codes: an append's first call (the server feature check) passes
// the channel's error through unconverted, e.g. "14 UNAVAILABLE: No connection established".
const PASSING_GRPC_STATUSES = new Set([
  2, // UNKNOWN
  4, // DEADLINE_EXCEEDED
  8, // RESOURCE_EXHAUSTED
  10, // ABORTED
  13, // INTERNAL
  14, // UNAVAILABLE
]);

function isPassingFailure(error: Error): boolean {
  if (kurrentDb().isCommandError(error)) return isPassingFailureType(error.type);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' && PASSING_GRPC_STATUSES.has(code);
}

/** The port's errors for a failed client call: EventStoreUnavailableError when retrying later can help. */
export function storeError(error: unknown, doing: string): Error {
  if (error instanceof EventStoreUnavailableError || error instanceof WrongExpectedRevisionError) return error;
  if (error instanceof Error && isPassingFailure(error)) {
    return new EventStoreUnavailableError(`KurrentDB could not ${doing}: ${error.message || error.name}`, error);
  }
  return error instanceof Error ? error : new Error(`KurrentDB could not ${doing}: ${String(error)}`);
}

/** Drains a read; an unknown stream reads as empty (KurrentDB reports it as an error). */
export async function readToEnd<T>(read: AsyncIterable<T>, doing: string): Promise<T[]> {
  const out: T[] = [];
  try {
    for await (const item of read) out.push(item);
  } catch (error) {
    if (error instanceof kurrentDb().StreamNotFoundError) return [];
    throw storeError(error, doing);
  }
  return out;
}

/** Runs `work` over `items`, at most `limit` at a time, keeping the order of the results. */
export async function mapWithLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
