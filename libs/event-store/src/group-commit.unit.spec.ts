import { takeGroup } from './group-commit';

const sizes = (n: number[]) => n.map((events) => ({ events }));
const eventsOf = (append: { events: number }) => append.events;

describe('takeGroup', () => {
  it('takes the oldest appends that fit in the cap and leaves the rest waiting', () => {
    const pending = sizes([2, 2, 2, 1]);
    expect(takeGroup(pending, 5, eventsOf)).toEqual({ group: sizes([2, 2]), events: 4 });
    expect(pending).toEqual(sizes([2, 1]));
  });

  it('takes an append larger than the cap alone, whole', () => {
    const pending = sizes([9, 1]);
    expect(takeGroup(pending, 5, eventsOf)).toEqual({ group: sizes([9]), events: 9 });
    expect(pending).toEqual(sizes([1]));
  });

  it('stops at the first append that does not fit, so appends keep their order', () => {
    const pending = sizes([3, 4, 1]);
    expect(takeGroup(pending, 5, eventsOf).group).toEqual(sizes([3]));
    expect(pending).toEqual(sizes([4, 1]));
  });

  it('takes nothing from an empty queue', () => {
    expect(takeGroup([], 5, eventsOf)).toEqual({ group: [], events: 0 });
  });
});
