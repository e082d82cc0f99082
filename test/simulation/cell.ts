// What every cell of the simulation study shares: the Cell and Row shapes, the per-deployment
// Outcome, and the summaries that turn outcomes into rows. study.ts holds the original cells and
// the registry, situations.ts the cells for shifts, trends, ties, adoption rules and comparisons.
import { hashSeed } from './generate';
import type { Scorecard } from '@baseliner/analytics';

/** Daily looks after ramp-up: look k is the k-th day of the current window (generate.ts). */
export const LOOKS = 60;
/** The single planned look: the first day with a full 28-day current window. */
export const SINGLE_LOOK = 28;

export type Outcome = Record<string, number>;

export type Target = { atMost: number } | { atLeast: number } | { between: [number, number] };

export interface Row {
  /** The cell (or, for measures computed in another cell's loop, the cell they report for). */
  cell: string;
  measure: string;
  value: number;
  /** Deployments behind the value (those where the measure applies). */
  n: number;
  /** How to print the value: a percentage of deployments, or a plain number. */
  unit: 'share' | 'number';
  target?: Target;
  note?: string;
}

export interface Cell {
  name: string;
  /** Names that select this cell on the command line (besides its own name). */
  tags: string[];
  description: string;
  /** Deployments to simulate when `requested` are asked for (the largest sizes may use fewer). */
  deploymentsFor(requested: number): number;
  simulate(seed: number, index: number): Outcome;
  summarise(outcomes: Outcome[]): Row[];
}

// ---------------------------------------------------------------------------------------------
// Summaries

/** Mean of a key over the deployments where it is a number (NaN = not applicable). */
export function shareOf(outcomes: Outcome[], key: string): { value: number; n: number } {
  let sum = 0;
  let n = 0;
  for (const o of outcomes) {
    const v = o[key];
    if (v === undefined || Number.isNaN(v)) continue;
    sum += v;
    n += 1;
  }
  return { value: n > 0 ? sum / n : Number.NaN, n };
}

/** Median of a key (NaN excluded; Infinity counts as "never", so the median may be Infinity). */
export function medianOf(outcomes: Outcome[], key: string): { value: number; n: number } {
  const values = outcomes.map((o) => o[key]).filter((v): v is number => v !== undefined && !Number.isNaN(v));
  values.sort((a, b) => a - b);
  if (values.length === 0) return { value: Number.NaN, n: 0 };
  const mid = values.length >> 1;
  const value = values.length % 2 === 1 ? (values[mid] as number) : ((values[mid - 1] as number) + (values[mid] as number)) / 2;
  return { value, n: values.length };
}

export function maxOf(outcomes: Outcome[], key: string): { value: number; n: number } {
  const values = outcomes.map((o) => o[key]).filter((v): v is number => v !== undefined && !Number.isNaN(v));
  return { value: values.length > 0 ? Math.max(...values) : Number.NaN, n: values.length };
}

export function passes(row: Row): boolean | undefined {
  const t = row.target;
  if (!t || Number.isNaN(row.value)) return undefined;
  if ('atMost' in t) return row.value <= t.atMost;
  if ('atLeast' in t) return row.value >= t.atLeast;
  return row.value >= t.between[0] && row.value <= t.between[1];
}

export const share = (cell: string, measure: string, s: { value: number; n: number }, target?: Target, note?: string): Row => ({
  cell,
  measure,
  ...s,
  unit: 'share',
  ...(target && { target }),
  ...(note && { note }),
});
export const number = (cell: string, measure: string, s: { value: number; n: number }, target?: Target, note?: string): Row => ({
  cell,
  measure,
  ...s,
  unit: 'number',
  ...(target && { target }),
  ...(note && { note }),
});

// ---------------------------------------------------------------------------------------------
// Shared pieces

export const FALSE_CALL: Target = { atMost: 0.025 };
export const conclusive = (card: Scorecard) => card.verdict === 'works' || card.verdict === 'failing';
/**
 * A verdict that is a judgement of the evidence. Leaving insufficient_data (or pending) as data
 * accrues is progress, not a change of mind, so E counts only changes away from these.
 */
export const judged = (verdict: Scorecard['verdict']) => verdict === 'inconclusive' || verdict === 'works' || verdict === 'failing';
export const contains = (lower: number | undefined, upper: number | undefined, truth: number) =>
  lower === undefined || upper === undefined ? Number.NaN : lower <= truth && truth <= upper ? 1 : 0;
export const flag = (b: boolean) => (b ? 1 : 0);
export const firstLook = (current: number, look: number, hit: boolean) => (hit && current === Infinity ? look : current);
export const deploymentSeed = (seed: number, cell: string, index: number) => hashSeed(seed, cell, index);
