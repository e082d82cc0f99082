import { activeUsersByDay } from './adoption';
import { seededRandom } from './seeded-random';

describe('active users by day', () => {
  // The definition, one end day at a time: an AI day within the `span` days ending on it.
  const bruteForce = (actors: { aiDays: number[] }[], endDay: number, span: number) =>
    actors.filter((a) => a.aiDays.some((d) => d <= endDay && d > endDay - span)).length;

  it('counts, on every end day, the actors with an AI day in the span ending on it', () => {
    const random = seededRandom(5);
    const actors = Array.from({ length: 60 }, () => {
      const days = new Set<number>();
      const count = Math.floor(random() * 25);
      for (let i = 0; i < count; i += 1) days.add(100 + Math.floor(random() * 70));
      return { aiDays: [...days].sort((a, b) => a - b) };
    });
    for (const span of [1, 7, 28]) {
      const counts = activeUsersByDay(actors, 120, 175, span);
      expect(Array.from(counts)).toEqual(Array.from({ length: 56 }, (_, i) => bruteForce(actors, 120 + i, span)));
    }
  });

  it('counts an actor once however many AI days fall in the span: days 10–13 make days 10–19 active', () => {
    expect(Array.from(activeUsersByDay([{ aiDays: [10, 11, 12, 13] }], 8, 20, 7))).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
  });
});
