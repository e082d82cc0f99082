import { seededRandom as rng } from './seeded-random';
import { addToSketch, bucketIndex, countAtOrBelow, countAt, countBelow, emptySketch, mergeInto, sketchBuckets, SketchView, SlidingSketchWindow, type DurationSketch } from './duration-sketch';

const normal = (random: () => number) => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const sketchOf = (values: number[]): DurationSketch => {
  const sketch = emptySketch();
  for (const v of values) addToSketch(sketch, v);
  return sketch;
};
const close = (actual: number, expected: number, relative = 0.01) => expect(Math.abs(actual - expected) / expected).toBeLessThanOrEqual(relative);

describe('SketchView reading ranks', () => {
  it('reads continuous durations within 1% of the exact sample quantile, over days read as one', () => {
    const random = rng(7);
    const durations = Array.from({ length: 20_000 }, () => Math.exp(4 + 1.2 * normal(random)));
    const sorted = [...durations].sort((a, b) => a - b);
    // 28 day sketches, read without merging.
    const view = new SketchView(Array.from({ length: 28 }, (_, d) => sketchOf(durations.filter((_, i) => i % 28 === d))));
    for (const q of [0.01, 0.1, 0.5, 0.9, 0.99]) {
      const rank = Math.ceil(q * sorted.length);
      close(view.valueAtRank(rank), sorted[rank - 1] as number);
    }
  });

  it('reads a value held by one task as its bucket’s value, as before', () => {
    const view = new SketchView([sketchOf([10, 20, 30, 40, 50])]);
    [10, 20, 30, 40, 50].forEach((v, i) => close(view.valueAtRank(i + 1), v));
  });

  it('spreads tied whole minutes evenly over their cell at mid-ranks (worked by hand)', () => {
    // 10 tasks of 4 min, 20 of 5 min, 10 of 6 min. The 5-minute ties stand for [4.5, 5.5] min
    // (h = half the 60 s gap to the next value present): the j-th of 20 sits at
    // 300 + ((j − ½)/20 − ½)·60 s — ranks 11, 20, 21, 30 (j = 1, 10, 11, 20) at 271.5, 298.5, 301.5, 328.5 s.
    const view = new SketchView([sketchOf([...Array(10).fill(240), ...Array(20).fill(300), ...Array(10).fill(360)])]);
    close(view.valueAtRank(11), 271.5);
    close(view.valueAtRank(20), 298.5);
    close(view.valueAtRank(21), 301.5);
    close(view.valueAtRank(30), 328.5);
    // Consecutive ranks step by 3 s (60 s / 20), not by a whole minute.
    expect(view.valueAtRank(21) - view.valueAtRank(20)).toBeCloseTo(3, 0);
    const block = view.blockAtRank(20);
    expect(block.below).toBe(10);
    expect(block.count).toBe(20);
    close(block.halfWidth, 30, 0.05);
  });

  it('keeps zero durations at zero', () => {
    expect(new SketchView([sketchOf([0, 0, 0, 10])]).valueAtRank(2)).toBe(0);
  });
});

describe('dense day sketches', () => {
  it('grows both ways as values arrive in any order and counts each bucket exactly', () => {
    const random = rng(11);
    const values = Array.from({ length: 5_000 }, () => Math.exp(2 + 3 * random()));
    const sketch = sketchOf([...values, 0]);
    const expected = new Map<number, number>();
    for (const v of values) expected.set(bucketIndex(v), (expected.get(bucketIndex(v)) ?? 0) + 1);
    expect([...sketchBuckets(sketch)]).toEqual([...expected].sort((a, b) => a[0] - b[0]));
    expect(sketch.zeros).toBe(1);
    expect(sketch.count).toBe(5_001);
    // Slack is bounded: at most an eighth (or 4 buckets) beyond what is held, on each side.
    const held = [...expected.keys()];
    const span = Math.max(...held) - Math.min(...held) + 1;
    expect(sketch.counts.length).toBeLessThanOrEqual(span + 2 * Math.max(4, Math.ceil(span / 8)));
  });

  it('counts below and at a bucket as the sorted values do (zeros below everything)', () => {
    const sketch = sketchOf([0, 0, 10, 10, 20, 30, 30, 30]);
    const at20 = bucketIndex(20);
    const belowAndAt = (index: number) => [countBelow(sketch, index), countAt(sketch, index)];
    expect(belowAndAt(at20)).toEqual([4, 1]);
    expect(countAtOrBelow(sketch, at20)).toBe(5);
    expect(belowAndAt(-Infinity)).toEqual([0, 2]);
    expect(belowAndAt(bucketIndex(1000))).toEqual([8, 0]);
    expect(belowAndAt(bucketIndex(1))).toEqual([2, 0]);
    // The walk's cached running counts agree.
    const walk = new SlidingSketchWindow(() => [sketch]);
    for (const index of [-Infinity, bucketIndex(1), bucketIndex(10), at20, bucketIndex(30), bucketIndex(1000)]) expect(walk.countBelow(sketch, index)).toBe(countBelow(sketch, index));
  });

  it('merges into an empty sketch and into one of another range exactly', () => {
    const low = sketchOf([1, 2, 3]);
    const high = sketchOf([500, 900]);
    const merged = emptySketch();
    mergeInto(merged, high);
    mergeInto(merged, low);
    expect([...sketchBuckets(merged)]).toEqual([...sketchBuckets(sketchOf([1, 2, 3, 500, 900]))]);
    const view = new SketchView([low, high]);
    expect(view.count).toBe(5);
    expect(view.indexAtRank(4)).toBe(bucketIndex(500));
    expect(view.countAtOrBelow(bucketIndex(3))).toBe(3);
    expect(view.countAtOrBelow(bucketIndex(5000))).toBe(5);
  });
});
