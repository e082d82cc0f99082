/**
 * The next group commit from the appends waiting, oldest first: as many as fit in `maxEvents`,
 * at least one, and never part of an append. Removes them from `pending`.
 */
export function takeGroup<T>(pending: T[], maxEvents: number, eventsOf: (append: T) => number): { group: T[]; events: number } {
  let events = 0;
  let take = 0;
  while (take < pending.length && (take === 0 || events + eventsOf(pending[take] as T) <= maxEvents)) {
    events += eventsOf(pending[take] as T);
    take += 1;
  }
  return { group: pending.splice(0, take), events };
}
