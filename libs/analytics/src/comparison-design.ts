import type { ComparedMetric } from './window-metrics';

/** How a deployment's baseline-compared criteria are judged. */
export type ComparisonDesign = 'difference_in_differences' | 'before_after';

/** The scorecard's `comparison`: which design produced the changes, over which segments, assuming what. */
export interface ComparisonSummary {
  design: ComparisonDesign;
  /** Segments judged: live (past ramp-up) on some day of the current window. Empty for before/after. */
  liveSegments: string[];
  /** Segments not live on those days, whose change over the same calendar days is netted out. */
  comparisonSegments: string[];
  /** Days of the current window with tasks in both the live and the comparison segments. */
  pairedDays: number;
  /** Metrics judged net of the comparison; the others stay before/after (escalations and downstream errors carry no segment). */
  netMetrics: ComparedMetric[];
  /** What the design assumes, in one line. */
  assumes: string;
}

/** The design when no segment is a comparison: everything that changed at go-live is credited to the AI. */
export const BEFORE_AFTER: ComparisonSummary = {
  design: 'before_after',
  liveSegments: [],
  comparisonSegments: [],
  pairedDays: 0,
  netMetrics: [],
  assumes: 'nothing but the AI changed at go-live (no season, trend or re-routed work): go live per segment to get a comparison',
};
