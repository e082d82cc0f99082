import { COMPARED_METRICS, VERDICTS, WEEKDAYS, type DeploymentProjection, type Scorecard } from '@baseliner/analytics';
import { METRIC_NAMES } from '@baseliner/contracts';
import { SeriesWriter, type GaugeFamily } from './exposition';

const PHASES = ['registered', 'live', 'rolled_back', 'retired'] as const;
const CRITERION_STATUSES = ['met', 'not_met', 'inconclusive', 'insufficient_data'] as const;
/** The scorecard's comparison designs: both exported for every deployment, so the label set stays two values. */
const COMPARISON_DESIGNS = ['difference_in_differences', 'before_after'] as const satisfies readonly Scorecard['comparison']['design'][];

const family = (name: string, help: string, labels: string[]): GaugeFamily => ({ name, help, labels: ['deployment', ...labels] });

/** The per-deployment gauges of the contract (§3), in exposition order. */
export const DEPLOYMENT_FAMILIES = {
  info: family(METRIC_NAMES.deploymentInfo, 'Deployment properties (always 1)', ['name', 'owner', 'workflow']),
  phase: family(METRIC_NAMES.deploymentPhase, 'Lifecycle phase (1 for the current one)', ['phase']),
  verdict: family(METRIC_NAMES.deploymentVerdict, 'Verdict (1 for the current one)', ['verdict']),
  verdictSince: family(METRIC_NAMES.verdictSince, 'When the current verdict was reached: UTC midnight of the local date', []),
  criterion: family(METRIC_NAMES.criterionStatus, 'Status of each success criterion (1 for the current one)', ['criterion', 'status']),
  liveSince: family(METRIC_NAMES.liveSince, 'Go-live time', []),
  lastEvent: family(METRIC_NAMES.lastEvent, 'Latest event time received', []),
  tasks: family(METRIC_NAMES.tasks, 'Tasks in the window (baseline: manual tasks only)', ['window', 'mode']),
  duration: family(METRIC_NAMES.taskDuration, 'Task duration quantiles in the window', ['window', 'quantile']),
  errorRatio: family(METRIC_NAMES.errorRatio, 'Tasks with outcome error or rework / tasks', ['window']),
  escalationRatio: family(METRIC_NAMES.escalationRatio, 'Escalations / tasks', ['window', 'to']),
  downstreamRatio: family(METRIC_NAMES.downstreamErrorRatio, 'Downstream errors / tasks', ['window']),
  costPerTask: family(METRIC_NAMES.costPerTask, 'Mean cost per task', ['window']),
  change: family(METRIC_NAMES.changeRatio, 'Relative change current vs baseline, with its 95% interval', ['metric', 'bound']),
  activeUsers: family(METRIC_NAMES.activeUsers, 'Distinct adopters in the period', ['period']),
  eligibleUsers: family(METRIC_NAMES.eligibleUsers, 'Declared eligible users, else actors seen doing tasks in 28 days', []),
  adoption: family(METRIC_NAMES.adoptionRatio, 'Active users (7d) / eligible users', []),
  adoptionDrop: family(METRIC_NAMES.adoptionDropRatio, '1 - active users (7d) / peak 7-day active users in the last 28 days', []),
  aiShare: family(METRIC_NAMES.aiTaskShareRatio, 'ai + assisted tasks / all tasks, current window', []),
  reversion: family(METRIC_NAMES.reversionRatio, 'Adopters who went back to the old way / recently active adopters', []),
  override: family(METRIC_NAMES.overrideRatio, 'Overrides / ai + assisted tasks, current window', []),
  disables: family(METRIC_NAMES.disables, 'ai.disabled events in the period', ['period']),
  weekdayError: family(METRIC_NAMES.weekdayErrorRatio, 'Error ratio per local weekday, last 8 weeks', ['weekday']),
  weekdayAnomaly: family(METRIC_NAMES.weekdayAnomaly, '1 where the weekday error ratio is significantly above the others', ['weekday']),
  eta: family(METRIC_NAMES.verdictEta, 'Estimated days until every criterion is conclusive', []),
  design: family(
    METRIC_NAMES.comparisonDesign,
    'How baseline-compared criteria are judged (1 for the current one): difference_in_differences against segments not yet live, or before_after',
    ['design'],
  ),
} as const;

export const DEPLOYMENT_FAMILY_LIST: readonly GaugeFamily[] = Object.values(DEPLOYMENT_FAMILIES);

const orNaN = (value: number | null | undefined) => (typeof value === 'number' ? value : Number.NaN);

/** One deployment's series, per metric family. Pure: the same scorecard gives the same text. */
export function deploymentSeries(projection: DeploymentProjection, card: Scorecard): SeriesWriter {
  const out = new SeriesWriter();
  const lifecycle = projection.lifecycle;
  if (lifecycle.status !== 'registered') return out;
  const d = lifecycle.id;
  const f = DEPLOYMENT_FAMILIES;
  out.gauge(f.info, [d, lifecycle.name, lifecycle.owner.name, lifecycle.workflow ?? ''], 1);
  for (const phase of PHASES) out.gauge(f.phase, [d, phase], phase === lifecycle.phase ? 1 : 0);
  for (const verdict of VERDICTS) out.gauge(f.verdict, [d, verdict], verdict === card.verdict ? 1 : 0);
  // A held verdict knows its own age, so "failing for two weeks" needs no two weeks of Prometheus history.
  if (card.verdictSince) out.gauge(f.verdictSince, [d], Date.parse(`${card.verdictSince}T00:00:00Z`) / 1000);
  for (const criterion of lifecycle.criteria) {
    const status = card.criteria.find((c) => c.metric === criterion.metric)?.status;
    for (const s of CRITERION_STATUSES) out.gauge(f.criterion, [d, criterion.metric, s], s === status ? 1 : 0);
  }
  if (lifecycle.wentLiveAt) out.gauge(f.liveSince, [d], Date.parse(lifecycle.wentLiveAt) / 1000);
  if (projection.lastEventTime !== undefined) out.gauge(f.lastEvent, [d], projection.lastEventTime / 1000);

  for (const window of ['baseline', 'current'] as const) {
    const summary = card.windows[window];
    if (!summary) continue;
    const modes = window === 'baseline' ? (['manual'] as const) : (['ai', 'assisted', 'manual'] as const);
    for (const mode of modes) out.gauge(f.tasks, [d, window, mode], summary.tasks[mode]);
    const value = (metric: (typeof COMPARED_METRICS)[number]) => orNaN(card.metrics[metric][window]?.estimate);
    out.gauge(f.duration, [d, window, '0.5'], value('task_duration_p50'));
    out.gauge(f.duration, [d, window, '0.9'], value('task_duration_p90'));
    out.gauge(f.errorRatio, [d, window], value('error_ratio'));
    const builder = value('builder_escalation_ratio');
    out.gauge(f.escalationRatio, [d, window, 'operator'], Math.max(0, value('escalation_ratio') - builder));
    out.gauge(f.escalationRatio, [d, window, 'builder'], builder);
    out.gauge(f.downstreamRatio, [d, window], value('downstream_error_ratio'));
    out.gauge(f.costPerTask, [d, window], value('cost_per_task'));
  }
  for (const metric of COMPARED_METRICS) {
    const change = card.metrics[metric].change;
    if (!change || Number.isNaN(change.estimate)) continue;
    out.gauge(f.change, [d, metric, 'estimate'], change.estimate);
    out.gauge(f.change, [d, metric, 'lower'], change.lower);
    out.gauge(f.change, [d, metric, 'upper'], change.upper);
  }
  const a = card.adoption;
  out.gauge(f.activeUsers, [d, '7d'], a.activeUsers7d);
  out.gauge(f.activeUsers, [d, '28d'], a.activeUsers28d);
  out.gauge(f.eligibleUsers, [d], orNaN(a.eligibleUsers));
  out.gauge(f.adoption, [d], orNaN(a.adoptionRatio));
  out.gauge(f.adoptionDrop, [d], orNaN(a.adoptionDropRatio));
  out.gauge(f.aiShare, [d], orNaN(a.aiTaskShare?.estimate));
  out.gauge(f.reversion, [d], orNaN(a.reversionRatio));
  out.gauge(f.override, [d], orNaN(a.overrideRatio?.estimate));
  out.gauge(f.disables, [d, '7d'], a.disables7d);
  for (const weekday of WEEKDAYS) {
    out.gauge(f.weekdayError, [d, weekday], orNaN(card.weekday.errorRatio[weekday]));
    out.gauge(f.weekdayAnomaly, [d, weekday], card.weekday.anomaly[weekday] ? 1 : 0);
  }
  out.gauge(f.eta, [d], orNaN(card.daysToVerdict));
  for (const design of COMPARISON_DESIGNS) out.gauge(f.design, [d, design], design === card.comparison.design ? 1 : 0);
  return out;
}
