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
  /** Bucket index of `counts[0]`. */
  offset: number;
  /**
   * Count per bucket from `offset`, dense: a day's durations span a few hundred buckets at most,
   * and a typed array holds them in a quarter of the memory an object keyed by index took (most
   * of a projection's memory is these sketches; docs/benchmarks.md).
   */
  counts: Uint32Array;
  zeros: number;
  count: number;
  sum: number;
}

const NO_COUNTS = new Uint32Array(0);

export function emptySketch(): DurationSketch {
  return { offset: 0, counts: NO_COUNTS, zeros: 0, count: 0, sum: 0 };
}

export function bucketIndex(value: number): number {
  return Math.ceil(Math.log(value) / LOG_GAMMA);
}

/** Bucket values by index + BUCKET_VALUE_BIAS, filled on first use: a power is slow, and ranks are read often. */
const BUCKET_VALUE_BIAS = 2048;
const bucketValues = new Float64Array(2 * BUCKET_VALUE_BIAS);

/** The representative value of a bucket: within α of every value in it. */
export function bucketValue(index: number): number {
  const slot = index + BUCKET_VALUE_BIAS;
  if (slot < 0 || slot >= bucketValues.length) return (2 * GAMMA ** index) / (GAMMA + 1);
  return (bucketValues[slot] ||= (2 * GAMMA ** index) / (GAMMA + 1));
}

/** Makes room for buckets `low`..`high`, with a little slack on the side that grew. */
function ensureRange(sketch: DurationSketch, low: number, high: number): void {
  const { offset, counts } = sketch;
  if (counts.length > 0 && low >= offset && high < offset + counts.length) return;
  const slack = counts.length === 0 ? 0 : Math.max(4, counts.length >> 3);
  const from = counts.length === 0 ? low : low < offset ? low - slack : offset;
  const to = counts.length === 0 ? high : high >= offset + counts.length ? high + slack : offset + counts.length - 1;
  const grown = new Uint32Array(to - from + 1);
  if (counts.length > 0) grown.set(counts, offset - from);
  sketch.offset = from;
  sketch.counts = grown;
}

export function addToSketch(sketch: DurationSketch, value: number, count = 1): void {
  sketch.count += count;
  sketch.sum += value * count;
  if (value < MIN_POSITIVE) {
    sketch.zeros += count;
    return;
  }
  const index = bucketIndex(value);
  ensureRange(sketch, index, index);
  (sketch.counts[index - sketch.offset] as number) += count;
}

/** The first and last bucket holding a value, or undefined when only zeros (or nothing) are held. */
function occupied(sketch: DurationSketch): { first: number; last: number } | undefined {
  const { counts } = sketch;
  let first = 0;
  while (first < counts.length && counts[first] === 0) first += 1;
  if (first === counts.length) return undefined;
  let last = counts.length - 1;
  while (counts[last] === 0) last -= 1;
  return { first: sketch.offset + first, last: sketch.offset + last };
}

/** Each occupied bucket, in index order: [bucket index, count]. */
export function* sketchBuckets(sketch: DurationSketch): Generator<[number, number]> {
  const { offset, counts } = sketch;
  for (let i = 0; i < counts.length; i += 1) if ((counts[i] as number) > 0) yield [offset + i, counts[i] as number];
}

export function mergeInto(target: DurationSketch, source: DurationSketch): void {
  target.count += source.count;
  target.sum += source.sum;
  target.zeros += source.zeros;
  const range = occupied(source);
  if (!range) return;
  ensureRange(target, range.first, range.last);
  const { counts } = source;
  const shift = source.offset - target.offset;
  for (let i = range.first - source.offset; i <= range.last - source.offset; i += 1) (target.counts[i + shift] as number) += counts[i] as number;
}

/** A sketch's buckets in value order, for reading ranks. */
export interface SortedSketch {
  count: number;
  values: number[];
  cumulative: number[];
}

export function sortSketch(sketch: DurationSketch): SortedSketch {
  const values: number[] = [];
  const cumulative: number[] = [];
  let running = 0;
  if (sketch.zeros > 0) {
    running += sketch.zeros;
    values.push(0);
    cumulative.push(running);
  }
  for (const [index, count] of sketchBuckets(sketch)) {
    running += count;
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

/** Values in `sketch` in buckets up to `index` (zeros included; −Infinity = zeros only). */
export function countAtOrBelow(sketch: DurationSketch, index: number): number {
  if (index === -Infinity) return sketch.zeros;
  const { offset, counts } = sketch;
  const last = Math.min(index - offset, counts.length - 1);
  let total = sketch.zeros;
  for (let i = 0; i <= last; i += 1) total += counts[i] as number;
  return total;
}

/** Values in `sketch` below bucket `index`, zeros included (none below the zeros: −Infinity). */
export function countBelow(sketch: DurationSketch, index: number): number {
  if (index === -Infinity) return 0;
  const { offset, counts } = sketch;
  const last = Math.min(index - offset - 1, counts.length - 1);
  let below = sketch.zeros;
  for (let i = 0; i <= last; i += 1) below += counts[i] as number;
  return below;
}

/** Values in bucket `index` of `sketch` (−Infinity: the zeros). */
export function countAt(sketch: DurationSketch, index: number): number {
  if (index === -Infinity) return sketch.zeros;
  const at = index - sketch.offset;
  return at >= 0 && at < sketch.counts.length ? (sketch.counts[at] as number) : 0;
}

/** Bucket counts summed over several sketches, dense from `offset`. */
export interface SummedCounts {
  offset: number;
  counts: Float64Array;
  zeros: number;
  count: number;
}

function sumCounts(sketches: readonly DurationSketch[]): SummedCounts {
  let count = 0;
  let zeros = 0;
  let minIndex = Infinity;
  let maxIndex = -Infinity;
  for (const sketch of sketches) {
    count += sketch.count;
    zeros += sketch.zeros;
    if (sketch.counts.length > 0) {
      minIndex = Math.min(minIndex, sketch.offset);
      maxIndex = Math.max(maxIndex, sketch.offset + sketch.counts.length - 1);
    }
  }
  const offset = Number.isFinite(minIndex) ? minIndex : 0;
  const summed = new Float64Array(Number.isFinite(minIndex) ? maxIndex - minIndex + 1 : 0);
  for (const sketch of sketches) {
    const shift = sketch.offset - offset;
    const counts = sketch.counts;
    for (let i = 0; i < counts.length; i += 1) (summed[i + shift] as number) += counts[i] as number;
  }
  return { offset, counts: summed, zeros, count };
}

/**
 * The days of a window summed as it slides forward a day at a time (the verdict track reads a
 * window ending on each past day): the day that enters is added and the day that leaves is
 * subtracted, so reading the next window costs two days of buckets, not a whole window of them.
 * Counts are whole numbers, so subtraction is exact. Also keeps each day's running counts for
 * the walk, for the day-by-day counts below a quantile.
 */
export class SlidingSketchWindow {
  private offset = 0;
  private counts = new Float64Array(0);
  private zeros = 0;
  private count = 0;
  private fromDay = 0;
  private toDay = -1;
  private readonly prefixes = new Map<DurationSketch, Float64Array>();

  /** `sketchesOf(day)`: the sketches of one local day (each mode's), empty when none. */
  constructor(private readonly sketchesOf: (day: number) => readonly DurationSketch[]) {}

  /** The window of local days `from`..`to`, read as one. */
  view(from: number, to: number): SketchView {
    if (from < this.fromDay || to < this.toDay || from > this.toDay + 1) {
      this.counts.fill(0);
      this.zeros = 0;
      this.count = 0;
      this.fromDay = from;
      this.toDay = from - 1;
    }
    while (this.toDay < to) this.addDay((this.toDay += 1), 1);
    while (this.fromDay < from) this.addDay(this.fromDay++, -1);
    return new SketchView({ offset: this.offset, counts: this.counts, zeros: this.zeros, count: this.count });
  }

  private addDay(day: number, sign: 1 | -1): void {
    for (const sketch of this.sketchesOf(day)) {
      this.count += sign * sketch.count;
      this.zeros += sign * sketch.zeros;
      if (sketch.counts.length === 0) continue;
      this.cover(sketch.offset, sketch.offset + sketch.counts.length - 1);
      const shift = sketch.offset - this.offset;
      const counts = sketch.counts;
      for (let i = 0; i < counts.length; i += 1) (this.counts[i + shift] as number) += sign * (counts[i] as number);
    }
  }

  private cover(low: number, high: number): void {
    const end = this.offset + this.counts.length - 1;
    if (this.counts.length > 0 && low >= this.offset && high <= end) return;
    const from = this.counts.length === 0 ? low : Math.min(low, this.offset);
    const grown = new Float64Array((this.counts.length === 0 ? high : Math.max(high, end)) - from + 1);
    if (this.counts.length > 0) grown.set(this.counts, this.offset - from);
    this.offset = from;
    this.counts = grown;
  }

  /** `countBelow`, from the sketch's running counts worked out once for the walk. */
  readonly countBelow = (sketch: DurationSketch, index: number): number => {
    if (index === -Infinity) return 0;
    let prefix = this.prefixes.get(sketch);
    if (!prefix) {
      prefix = new Float64Array(sketch.counts.length);
      let total = 0;
      for (let i = 0; i < prefix.length; i += 1) prefix[i] = total += sketch.counts[i] as number;
      this.prefixes.set(sketch, prefix);
    }
    const below = index - sketch.offset;
    return sketch.zeros + (below <= 0 ? 0 : (prefix[Math.min(below, prefix.length) - 1] as number));
  };
}

/**
 * Several sketches (the days of a window) read as one: their buckets are added once into a
 * dense running count over the range they cover, so every rank read after that is a bisection
 * over one array (a window's quantile, its interval's two ends and its tie block read ranks
 * several times).
 */
export class SketchView {
  readonly count: number;
  private readonly zeros: number;
  /** Bucket index of `running[0]`. */
  private readonly offset: number;
  /** Values at or below each bucket from `offset`, zeros included. */
  private readonly running: Float64Array;

  /** The sketches read as one, or counts already summed over them (`SlidingSketchWindow`). */
  constructor(sketches: readonly DurationSketch[] | SummedCounts) {
    const fresh = Array.isArray(sketches);
    const summed = fresh ? sumCounts(sketches as readonly DurationSketch[]) : (sketches as SummedCounts);
    this.count = summed.count;
    this.zeros = summed.zeros;
    this.offset = summed.offset;
    // Counts summed for this view alone are turned into running counts in place.
    const running = fresh ? summed.counts : Float64Array.from(summed.counts);
    let total = summed.zeros;
    for (let i = 0; i < running.length; i += 1) running[i] = total += running[i] as number;
    this.running = running;
  }

  countAtOrBelow(index: number): number {
    if (index === -Infinity || index < this.offset) return this.zeros;
    const i = index - this.offset;
    return i < this.running.length ? (this.running[i] as number) : this.count;
  }

  /** Bucket index of the k-th smallest value (1-based, clamped to the sample); −Infinity for a zero. */
  indexAtRank(rank: number): number {
    const k = Math.min(Math.max(1, Math.ceil(rank)), this.count);
    if (this.zeros >= k || this.running.length === 0) return -Infinity;
    const running = this.running;
    let lo = 0;
    let hi = running.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((running[mid] as number) >= k) hi = mid;
      else lo = mid + 1;
    }
    return this.offset + lo;
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
