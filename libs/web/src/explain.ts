import type { Scorecard } from '@baseliner/analytics';

// The pages say what the scorecard says: its own explanation (decidedBy) and warnings, so the
// JSON API, the CLI and the pages can never disagree about why.

/** What deserves a look whatever the verdict, plus the flags that qualify the numbers. */
export function warningsOf(card: Scorecard): string[] {
  const warnings = card.warnings.map((w) => w.message);
  if (card.flags.criteriaRevisedAfterGoLive) warnings.push('criteria revised after go-live (see the lifecycle below)');
  if (card.flags.baselineThin) warnings.push('the baseline is thin: few days with tasks before go-live');
  return warnings;
}

/** A few words for the comparison design: "DiD vs 2 segments" or "before/after". */
export function designTag(comparison: Scorecard['comparison'] | undefined): string {
  if (!comparison || comparison.design !== 'difference_in_differences') return 'before/after';
  const n = comparison.comparisonSegments.length;
  return `DiD vs ${n} ${n === 1 ? 'segment' : 'segments'}`;
}
