import { createHash, type Hash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { scorecardOf } from '@baseliner/analytics';
import type { EventStore, RecordedEvent } from '@baseliner/event-store';
import { applyRecordedEvent, emptyProjectionState, type ProjectionState } from '@baseliner/projector';
import { CliError } from './api';
import { count, pagesOf } from './migrate-stores';

/** One store's history folded: projections, and per stream the count and a digest of its ids in order. */
export class Replay {
  readonly state: ProjectionState = emptyProjectionState();
  readonly streams = new Map<string, { events: number; ids: Hash }>();
  events = 0;

  add(event: RecordedEvent): void {
    applyRecordedEvent(this.state, event);
    let stream = this.streams.get(event.streamId);
    if (!stream) this.streams.set(event.streamId, (stream = { events: 0, ids: createHash('sha256') }));
    stream.events += 1;
    stream.ids.update(`${event.id}\n`);
    this.events += 1;
  }
}

/** A whole store folded into a Replay. */
export async function replayOf(store: EventStore): Promise<Replay> {
  const replay = new Replay();
  for await (const page of pagesOf(store)) for (const event of page) replay.add(event);
  return replay;
}

/** Per stream the same events, per deployment the same scorecard; returns how many deployments. */
export function compare(source: Replay, target: Replay, now: Date): number {
  const digests = (replay: Replay) => new Map([...replay.streams].map(([id, s]) => [id, { events: s.events, ids: s.ids.digest('hex') }]));
  const [ours, theirs] = [digests(source), digests(target)];
  for (const streamId of [...new Set([...ours.keys(), ...theirs.keys()])].sort()) {
    const [a, b] = [ours.get(streamId), theirs.get(streamId)];
    if (a?.events !== b?.events) {
      throw new CliError(`Verification failed: stream ${streamId} has ${count(a?.events ?? 0)} events in the source but ${count(b?.events ?? 0)} in the target`);
    }
    if (a?.ids !== b?.ids) throw new CliError(`Verification failed: stream ${streamId} holds other event ids, or in another order, in the target`);
  }
  const ids = [...new Set([...Object.keys(source.state.deployments), ...Object.keys(target.state.deployments)])].sort();
  for (const id of ids) {
    const card = (state: ProjectionState) => {
      const projection = state.deployments[id];
      return projection ? (JSON.parse(JSON.stringify(scorecardOf(projection, now) ?? null)) as unknown) : undefined;
    };
    const [a, b] = [card(source.state), card(target.state)];
    if (!isDeepStrictEqual(a, b)) {
      const where = firstDifference(a, b, '');
      throw new CliError(`Verification failed: deployment ${id} has a different scorecard in the target${where ? ` (first at ${where})` : ''}`);
    }
  }
  return ids.length;
}

function firstDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const key of keys) {
      const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
      if (found) return found;
    }
  }
  const shown = (value: unknown) => {
    const text = JSON.stringify(value) ?? 'nothing';
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  };
  return `${path || '.'}: ${shown(a)} in the source, ${shown(b)} in the target`;
}
