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
