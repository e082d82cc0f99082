import type { AppendResult, EventStore, NewEvent, RecordedEvent } from '@baseliner/event-store';
import { CliError } from './api';
import { CopyProgress } from './migrate-progress';
import { count, pagesOf, type Side } from './migrate-stores';
import { Replay } from './migrate-verify';

/**
 * The target may only hold what an earlier run of this command copied: for every stream it
 * holds, its events must be the source's first events of that stream, id for id.
 */
export async function checkTargetIsPrefix(source: EventStore, target: EventStore, targetSide: Side): Promise<{ events: number; streams: number }> {
  const streams = new Set<string>();
  let events = 0;
  for await (const page of pagesOf(target)) {
    const byStream = new Map<string, RecordedEvent[]>();
    for (const event of page) {
      const list = byStream.get(event.streamId);
      if (list) list.push(event);
      else byStream.set(event.streamId, [event]);
    }
    for (const [streamId, theirs] of byStream) {
      const first = (theirs[0] as RecordedEvent).revision;
      const last = (theirs[theirs.length - 1] as RecordedEvent).revision;
      const ours = new Map((await source.readStream(streamId, { fromRevision: first, maxCount: last - first + 1 })).map((e) => [e.revision, e.id]));
      for (const event of theirs) {
        const expected = ours.get(event.revision);
        if (expected === event.id) continue;
        const found = expected === undefined
          ? `the source has no event at that revision${first === 0 && ours.size === 0 ? ' (no such stream)' : ''}`
          : `the source's event there is ${expected}`;
        throw new CliError(
          `The target (${targetSide.label}) already holds events that are not a copy of the source's: stream ${streamId} has event ${event.id} at revision ${event.revision}, ` +
            `but ${found}. Nothing was copied. Migrate into an empty store (a new database, or drop the target's baseliner schema), or point --to-url/--to-data-dir elsewhere`,
        );
      }
      streams.add(streamId);
    }
    events += page.length;
  }
  return { events, streams: streams.size };
}

/** Consecutive events of one stream: one append each. */
function runsOf(events: RecordedEvent[]): RecordedEvent[][] {
  const runs: RecordedEvent[][] = [];
  let current: RecordedEvent[] | undefined;
  for (const event of events) {
    if (current && (current[0] as RecordedEvent).streamId === event.streamId) current.push(event);
    else runs.push((current = [event]));
  }
  return runs;
}

function asNewEvent(event: RecordedEvent): NewEvent {
  const metadata = event.metadata;
  return { id: event.id, type: event.type, data: event.data, ...(metadata && Object.keys(metadata).length > 0 && { metadata }) };
}

async function sequentially<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const outcomes: PromiseSettledResult<R>[] = [];
  for (const item of items) {
    try {
      outcomes.push({ status: 'fulfilled', value: await work(item) });
    } catch (reason) {
      outcomes.push({ status: 'rejected', reason });
      break;
    }
  }
  return outcomes;
}

/**
 * Appends the source's events up to `head` to the target in global order, each at the source's
 * revision (checked), folding them into a Replay as it goes. Stops at SIGINT, resumable.
 */
export async function copy(source: EventStore, target: EventStore, head: number, io: { out(line: string): void; tty: boolean }) {
  // SQLite and PostgreSQL commit appends in the order they were made (one group-commit queue), so
  // a page's appends can be in flight together; KurrentDB runs streams side by side: one at a time.
  const pipelined = target.engine === 'sqlite' || target.engine === 'postgres';
  const replay = new Replay();
  const progress = new CopyProgress(head, io);
  let interrupted = false;
  const onInterrupt = () => (interrupted = true);
  process.once('SIGINT', onInterrupt);
  let read = 0;
  let appended = 0;
  let duplicates = 0;
  let lastStored = 0;
  const started = Date.now();
  try {
    for await (const page of pagesOf(source, head)) {
      const runs = runsOf(page);
      const outcomes = pipelined
        ? await Promise.allSettled(runs.map((r) => target.append((r[0] as RecordedEvent).streamId, r.map(asNewEvent), { expectedRevision: 'any' })))
        : await sequentially(runs, (r) => target.append((r[0] as RecordedEvent).streamId, r.map(asNewEvent), { expectedRevision: 'any' }));
      const failed = outcomes.findIndex((o) => o.status === 'rejected');
      if (failed !== -1) {
        const reason = ((outcomes[failed] as PromiseRejectedResult).reason as Error)?.message;
        const storedAfter = outcomes.slice(failed + 1).some((o) => o.status === 'fulfilled' && o.value.appendedIds.length > 0);
        throw new CliError(
          `Copying stream ${(runs[failed]?.[0] as RecordedEvent).streamId} failed: ${reason}. ` +
            (storedAfter
              ? 'Later events were stored after it, so the target no longer follows the source’s order: empty the target and run migrate again'
              : `${count(appended)} events were copied this run; run the same command again to resume`),
        );
      }
      outcomes.forEach((outcome, i) => {
        const result = (outcome as PromiseFulfilledResult<AppendResult>).value;
        const last = (runs[i] as RecordedEvent[])[(runs[i] as RecordedEvent[]).length - 1] as RecordedEvent;
        appended += result.appendedIds.length;
        duplicates += result.duplicateIds.length;
        if (result.appendedIds.length === 0) return;
        // Stored: it must have landed at the source's revisions, after everything stored before.
        if (result.nextExpectedRevision !== last.revision || result.position <= lastStored) {
          throw new CliError(
            `Stream ${last.streamId} in the target is at revision ${result.nextExpectedRevision} after copying the source's revision ${last.revision}: ` +
              'something else writes to the target. Stop it, empty the target and run migrate again',
          );
        }
        lastStored = result.position;
      });
      for (const event of page) replay.add(event);
      read += page.length;
      const cursor = (page[page.length - 1] as RecordedEvent).position;
      progress.update(cursor, read, started);
      if (interrupted) {
        progress.stop();
        throw new CliError(`Interrupted after ${count(read)} events (position ${count(cursor)} of ${count(head)}); run the same command again to resume`);
      }
    }
  } finally {
    progress.stop();
    process.removeListener('SIGINT', onInterrupt);
  }
  return { read, appended, duplicates, seconds: (Date.now() - started) / 1000, replay };
}
