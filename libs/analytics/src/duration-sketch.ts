/**
 * A mergeable quantile sketch with logarithmic buckets (the DDSketch idea: Masson, Rim & Lee,
 * VLDB 2019). Every value in bucket i lies in (γ^(i-1), γ^i] with γ = (1+α)/(1-α), so any
 * quantile read from it is within relative error α of a true sample value. Merging adds counts,
 * so day sketches combine into window sketches exactly. Memory grows with the spread of values
 * (log), not with their number.
 */
export const SKETCH_RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + SKETCH_RELATIVE_ACCURACY) / (1 - SKETCH_RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
/** Durations below this count as zero (one millisecond). */
const MIN_POSITIVE = 1e-3;

export interface DurationSketch {
  /** Count per bucket index; stored as a plain object so it serialises as JSON. */
  buckets: Record<number, number>;
  zeros: number;
  count: number;
  sum: number;
}

export function emptySketch(): DurationSketch {
  return { buckets: {}, zeros: 0, count: 0, sum: 0 };
}

export function bucketIndex(value: number): number {
  return Math.ceil(Math.log(value) / LOG_GAMMA);
}

/** The representative value of a bucket: within α of every value in it. */
export function bucketValue(index: number): number {
  return (2 * GAMMA ** index) / (GAMMA + 1);
}

export function addToSketch(sketch: DurationSketch, value: number, count = 1): void {
  sketch.count += count;
  sketch.sum += value * count;
  if (value < MIN_POSITIVE) {
    sketch.zeros += count;
    return;
  }
  const index = bucketIndex(value);
  sketch.buckets[index] = (sketch.buckets[index] ?? 0) + count;
}

export function mergeInto(target: DurationSketch, source: DurationSketch): void {
  target.count += source.count;
  target.sum += source.sum;
  target.zeros += source.zeros;
  for (const key of Object.keys(source.buckets)) {
    const index = Number(key);
    target.buckets[index] = (target.buckets[index] ?? 0) + (source.buckets[index] as number);
  }
}

/** A sketch's buckets in value order, for reading ranks. */
export interface SortedSketch {
  count: number;
  values: number[];
  cumulative: number[];
}

export function sortSketch(sketch: DurationSketch): SortedSketch {
  const indices = Object.keys(sketch.buckets)
    .map(Number)
    .sort((a, b) => a - b);
  const values: number[] = [];
  const cumulative: number[] = [];
  let running = 0;
  if (sketch.zeros > 0) {
    running += sketch.zeros;
    values.push(0);
    cumulative.push(running);
  }
  for (const index of indices) {
    running += sketch.buckets[index] as number;
    values.push(bucketValue(index));
    cumulative.push(running);
  }
  return { count: running, values, cumulative };
}

/** The k-th smallest value (1-based rank), clamped to the sample. */
export function valueAtRank(sorted: SortedSketch, rank: number): number {
  if (sorted.count === 0) return Number.NaN;
  const k = Math.min(Math.max(1, Math.ceil(rank)), sorted.count);
  let lo = 0;
  let hi = sorted.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted.cumulative[mid] as number) >= k) hi = mid;
    else lo = mid + 1;
  }
  return sorted.values[lo] as number;
}

/** The q-quantile by the nearest-rank definition: the value at rank ⌈q·n⌉. */
export function quantile(sorted: SortedSketch, q: number): number {
  return valueAtRank(sorted, Math.max(1, Math.ceil(q * sorted.count)));
}

/** A sketch's bucket indices in order with running counts (zeros first), kept until the sketch grows. */
const cumulativeCache = new WeakMap<DurationSketch, { count: number; indices: Int32Array; running: Float64Array }>();

function cumulativeOf(sketch: DurationSketch) {
  let cached = cumulativeCache.get(sketch);
  if (!cached || cached.count !== sketch.count) {
    const indices = Int32Array.from(Object.keys(sketch.buckets), Number).sort();
    const running = new Float64Array(indices.length);
    let total = sketch.zeros;
    indices.forEach((index, i) => (running[i] = total += sketch.buckets[index] as number));
    cumulativeCache.set(sketch, (cached = { count: sketch.count, indices, running }));
  }
  return cached;
}

/** Values in `sketch` in buckets up to `index` (zeros included; −Infinity = zeros only). */
export function countAtOrBelow(sketch: DurationSketch, index: number): number {
  if (index === -Infinity) return sketch.zeros;
  const { indices, running } = cumulativeOf(sketch);
  let lo = 0;
  let hi = indices.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((indices[mid] as number) <= index) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? sketch.zeros : (running[lo - 1] as number);
}

/**
 * Several sketches (the days of a window) read as one without merging them: a rank is found by
 * bisection over bucket indices, counting each day through its cached running counts. Past
 * days never change, so re-reading a window as it slides allocates almost nothing.
 */
export class SketchView {
  readonly count: number;
  private readonly zeros: number;
  private readonly minIndex: number;
  private readonly maxIndex: number;

  constructor(private readonly sketches: readonly DurationSketch[]) {
    let count = 0;
    let zeros = 0;
    let minIndex = Infinity;
    let maxIndex = -Infinity;
    for (const sketch of sketches) {
      count += sketch.count;
      zeros += sketch.zeros;
      const { indices } = cumulativeOf(sketch);
      if (indices.length > 0) {
        minIndex = Math.min(minIndex, indices[0] as number);
        maxIndex = Math.max(maxIndex, indices[indices.length - 1] as number);
      }
    }
    this.count = count;
    this.zeros = zeros;
    this.minIndex = minIndex;
    this.maxIndex = maxIndex;
  }

  countAtOrBelow(index: number): number {
    let total = 0;
    for (const sketch of this.sketches) total += countAtOrBelow(sketch, index);
    return total;
  }

  /** Bucket index of the k-th smallest value (1-based, clamped to the sample); −Infinity for a zero. */
  indexAtRank(rank: number): number {
    const k = Math.min(Math.max(1, Math.ceil(rank)), this.count);
    if (this.zeros >= k || this.minIndex === Infinity) return -Infinity;
    let lo = this.minIndex;
    let hi = this.maxIndex;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.countAtOrBelow(mid) >= k) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /**
   * The tie block holding the k-th smallest value (1-based, clamped): its bucket, the tasks
   * below it and in it, and the half-width of the cell it stands for. Ties (whole minutes,
   * durations logged at a coarse resolution) are read as values rounded to the cell
   * [v − h, v + h], h half the gap to the nearest other value present (at least the bucket's own
   * relative accuracy): the data cannot tell where in that cell they really lie.
   */
  blockAtRank(rank: number): { index: number; value: number; below: number; count: number; halfWidth: number; rank: number } {
    const k = Math.min(Math.max(1, Math.ceil(rank)), this.count);
    const index = this.indexAtRank(k);
    if (index === -Infinity) return { index, value: 0, below: 0, count: this.zeros, halfWidth: 0, rank: k };
    const value = bucketValue(index);
    const below = this.countAtOrBelow(index - 1);
    const count = this.countAtOrBelow(index) - below;
    let gap = Infinity;
    if (below > 0) gap = value - this.valueOfBucket(this.indexAtRank(below));
    if (below + count < this.count) gap = Math.min(gap, this.valueOfBucket(this.indexAtRank(below + count + 1)) - value);
    const halfWidth = Math.max(Number.isFinite(gap) ? gap / 2 : 0, value * SKETCH_RELATIVE_ACCURACY);
    return { index, value, below, count, halfWidth, rank: k };
  }

  private valueOfBucket(index: number): number {
    return index === -Infinity ? 0 : bucketValue(index);
  }

  /**
   * The k-th smallest value (1-based, nearest rank, clamped). A value held by one task is its
   * bucket's value, as before; c tied tasks are spread evenly over their cell at mid-ranks,
   * v + ((j − ½)/c − ½)·2h for the j-th of them (Parzen's mid-distribution, read on grouped
   * data: Parzen, "Quantile probability and statistical data modeling", Stat Sci 2004), so a
   * quantile read from tied data moves continuously with the share of tasks below it instead of
   * sticking to the tie value.
   */
  valueAtRank(rank: number): number {
    if (this.count === 0) return Number.NaN;
    const block = this.blockAtRank(rank);
    if (block.index === -Infinity || block.count <= 1) return block.value;
    const j = block.rank - block.below;
    return block.value + ((j - 0.5) / block.count - 0.5) * 2 * block.halfWidth;
  }
}
