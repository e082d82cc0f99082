import type { CriterionResult, Scorecard } from '@baseliner/analytics';

// The verdict in words for the pages. Until the scorecard carries its own explanation this
// derives it from the criteria the scorecard already judged (their reasons are the analytics').

const STATUS_ORDER: Record<CriterionResult['status'], number> = { not_met: 0, inconclusive: 1, insufficient_data: 2, met: 3 };

export function metricLabel(metric: string): string {
  return metric.replace(/_p(\d+)$/, ' p$1').replace(/_/g, ' ');
}

/** The criterion that decided the verdict, and a line saying why. */
export function decidingCriterion(card: Scorecard): { criterion?: CriterionResult; sentence: string } {
  if (card.verdict === 'retired' || card.verdict === 'rolled_back') return { sentence: card.verdict === 'retired' ? 'retired' : 'rolled back' };
  if (card.verdict === 'pending') {
    return { sentence: card.windows.inRampUp ? 'in ramp-up: criteria are judged after it' : card.criteria.length === 0 ? 'no criteria defined' : 'not live yet' };
  }
  const sorted = [...card.criteria].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
  const criterion = sorted[0];
  if (!criterion) return { sentence: 'no criteria defined' };
  return { criterion, sentence: `${metricLabel(criterion.metric)}: ${criterion.reason}` };
}

/** What deserves a look whatever the verdict. */
export function warningsOf(card: Scorecard): string[] {
  const warnings: string[] = [];
  const flagged = Object.entries(card.weekday.anomaly).filter(([, on]) => on).map(([day]) => day);
  if (flagged.length) warnings.push(`errors stand out on ${flagged.join(', ')}`);
  const drop = card.adoption.adoptionDropRatio;
  if (drop !== null && drop >= 0.3) warnings.push(`adoption down ${Math.round(drop * 100)}% from its peak`);
  const downstream = card.metrics.downstream_error_ratio?.change;
  if (downstream && downstream.lower > 0) warnings.push(`downstream errors up ${Math.round(downstream.estimate * 100)}%`);
  if (card.flags.silentFor24h) warnings.push('no events for 24 h');
  if (card.flags.criteriaRevisedAfterGoLive) warnings.push('criteria revised after go-live');
  if (card.flags.baselineThin) warnings.push('thin baseline');
  return warnings;
}
