import type { Scorecard } from '@baseliner/analytics';

// The pages say what the scorecard says: its own explanation (decidedBy) and warnings, so the
// JSON API, the CLI and the pages can never disagree about why.

export function metricLabel(metric: string): string {
  return metric.replace(/_p(\d+)$/, ' p$1').replace(/_/g, ' ');
}

/** The line that says why the verdict is what it is. */
export function decidingCriterion(card: Scorecard): { sentence: string; short: string } {
  return { sentence: card.decidedBy.sentence, short: card.decidedBy.short };
}

/** What deserves a look whatever the verdict, plus the flags that qualify the numbers. */
export function warningsOf(card: Scorecard): string[] {
  const warnings = card.warnings.map((w) => w.message);
  if (card.flags.criteriaRevisedAfterGoLive) warnings.push('criteria revised after go-live (see the lifecycle below)');
  if (card.flags.baselineThin) warnings.push('the baseline is thin: few days with tasks before go-live');
  return warnings;
}
