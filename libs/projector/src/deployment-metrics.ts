import { Gauge, Registry } from 'prom-client';
import { COMPARED_METRICS, VERDICTS, WEEKDAYS, type DeploymentProjection, type Scorecard } from '@baseliner/analytics';

const PHASES = ['registered', 'live', 'rolled_back', 'retired'] as const;
const CRITERION_STATUSES = ['met', 'not_met', 'inconclusive', 'insufficient_data'] as const;

/** prom-client accepts ±Inf; NaN means "no data" and is left out. */
const finite = (value: number | null | undefined): value is number => typeof value === 'number' && !Number.isNaN(value);

/**
 * The per-deployment gauges of the contract (§3), in a registry of their own. They are set from
 * scorecards when the projector re-evaluates, and rendered once into text then: a scrape sends
 * the cached text and computes nothing.
 */
export class DeploymentMetrics {
  readonly registry = new Registry();
  private cachedText = '';
  private readonly g;

  constructor() {
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      new Gauge<L>({ name, help, labelNames: [...labelNames], registers: [this.registry] });
    this.g = {
      info: gauge('baseliner_deployment_info', 'Deployment properties (always 1)', ['deployment', 'name', 'owner', 'workflow']),
      phase: gauge('baseliner_deployment_phase', 'Lifecycle phase (1 for the current one)', ['deployment', 'phase']),
      verdict: gauge('baseliner_deployment_verdict', 'Verdict (1 for the current one)', ['deployment', 'verdict']),
      criterion: gauge('baseliner_criterion_status', 'Status of each success criterion (1 for the current one)', ['deployment', 'criterion', 'status']),
      liveSince: gauge('baseliner_live_since_timestamp_seconds', 'Go-live time', ['deployment']),
      lastEvent: gauge('baseliner_last_event_timestamp_seconds', 'Latest event time received', ['deployment']),
      tasks: gauge('baseliner_tasks', 'Tasks in the window (baseline: manual tasks only)', ['deployment', 'window', 'mode']),
      duration: gauge('baseliner_task_duration_seconds', 'Task duration quantiles in the window', ['deployment', 'window', 'quantile']),
      errorRatio: gauge('baseliner_error_ratio', 'Tasks with outcome error or rework / tasks', ['deployment', 'window']),
      escalationRatio: gauge('baseliner_escalation_ratio', 'Escalations / tasks', ['deployment', 'window', 'to']),
      downstreamRatio: gauge('baseliner_downstream_error_ratio', 'Downstream errors / tasks', ['deployment', 'window']),
      costPerTask: gauge('baseliner_cost_per_task_usd', 'Mean cost per task', ['deployment', 'window']),
      change: gauge('baseliner_change_ratio', 'Relative change current vs baseline, with its 95% interval', ['deployment', 'metric', 'bound']),
      activeUsers: gauge('baseliner_active_users', 'Distinct adopters in the period', ['deployment', 'period']),
      eligibleUsers: gauge('baseliner_eligible_users', 'Declared eligible users, else actors seen doing tasks in 28 days', ['deployment']),
      adoption: gauge('baseliner_adoption_ratio', 'Active users (7d) / eligible users', ['deployment']),
      adoptionDrop: gauge('baseliner_adoption_drop_ratio', '1 − active users (7d) / peak 7-day active users in the last 28 days', ['deployment']),
      aiShare: gauge('baseliner_ai_task_share_ratio', 'ai + assisted tasks / all tasks, current window', ['deployment']),
      reversion: gauge('baseliner_reversion_ratio', 'Adopters who went back to the old way / recently active adopters', ['deployment']),
      override: gauge('baseliner_override_ratio', 'Overrides / ai + assisted tasks, current window', ['deployment']),
      disables: gauge('baseliner_disables', 'ai.disabled events in the period', ['deployment', 'period']),
      weekdayError: gauge('baseliner_weekday_error_ratio', 'Error ratio per local weekday, last 8 weeks', ['deployment', 'weekday']),
      weekdayAnomaly: gauge('baseliner_weekday_anomaly', '1 where the weekday error ratio is significantly above the others', ['deployment', 'weekday']),
      eta: gauge('baseliner_verdict_eta_days', 'Estimated days until every criterion is conclusive', ['deployment']),
    };
  }

  /** Replaces every series with the given scorecards, then renders the text once. */
  async update(cards: { projection: DeploymentProjection; card: Scorecard }[]): Promise<void> {
    for (const gauge of Object.values(this.g)) gauge.reset();
    for (const { projection, card } of cards) this.set(projection, card);
    this.cachedText = await this.registry.metrics();
  }

  text(): string {
    return this.cachedText;
  }

  private set(projection: DeploymentProjection, card: Scorecard): void {
    const lifecycle = projection.lifecycle;
    if (lifecycle.status !== 'registered') return;
    const deployment = lifecycle.id;
    const g = this.g;
    g.info.set({ deployment, name: lifecycle.name, owner: lifecycle.owner.name, workflow: lifecycle.workflow ?? '' }, 1);
    for (const phase of PHASES) g.phase.set({ deployment, phase }, phase === lifecycle.phase ? 1 : 0);
    for (const verdict of VERDICTS) g.verdict.set({ deployment, verdict }, verdict === card.verdict ? 1 : 0);
    for (const criterion of lifecycle.criteria) {
      const status = card.criteria.find((c) => c.metric === criterion.metric)?.status;
      for (const s of CRITERION_STATUSES) g.criterion.set({ deployment, criterion: criterion.metric, status: s }, s === status ? 1 : 0);
    }
    if (lifecycle.wentLiveAt) g.liveSince.set({ deployment }, Date.parse(lifecycle.wentLiveAt) / 1000);
    if (projection.lastEventTime !== undefined) g.lastEvent.set({ deployment }, projection.lastEventTime / 1000);

    for (const window of ['baseline', 'current'] as const) {
      const summary = card.windows[window];
      if (!summary) continue;
      const modes = window === 'baseline' ? (['manual'] as const) : (['ai', 'assisted', 'manual'] as const);
      for (const mode of modes) g.tasks.set({ deployment, window, mode }, summary.tasks[mode]);
      const m = card.metrics;
      const value = (metric: (typeof COMPARED_METRICS)[number]) => m[metric][window]?.estimate;
      const p50 = value('task_duration_p50');
      const p90 = value('task_duration_p90');
      if (finite(p50)) g.duration.set({ deployment, window, quantile: '0.5' }, p50);
      if (finite(p90)) g.duration.set({ deployment, window, quantile: '0.9' }, p90);
      const errors = value('error_ratio');
      if (finite(errors)) g.errorRatio.set({ deployment, window }, errors);
      const builder = value('builder_escalation_ratio');
      const all = value('escalation_ratio');
      if (finite(builder) && finite(all)) {
        g.escalationRatio.set({ deployment, window, to: 'builder' }, builder);
        g.escalationRatio.set({ deployment, window, to: 'operator' }, Math.max(0, all - builder));
      }
      const downstream = value('downstream_error_ratio');
      if (finite(downstream)) g.downstreamRatio.set({ deployment, window }, downstream);
      const cost = value('cost_per_task');
      if (finite(cost)) g.costPerTask.set({ deployment, window }, cost);
    }
    for (const metric of COMPARED_METRICS) {
      const change = card.metrics[metric].change;
      if (!change || !finite(change.estimate)) continue;
      g.change.set({ deployment, metric, bound: 'estimate' }, change.estimate);
      g.change.set({ deployment, metric, bound: 'lower' }, change.lower);
      g.change.set({ deployment, metric, bound: 'upper' }, change.upper);
    }
    const a = card.adoption;
    g.activeUsers.set({ deployment, period: '7d' }, a.activeUsers7d);
    g.activeUsers.set({ deployment, period: '28d' }, a.activeUsers28d);
    if (finite(a.eligibleUsers)) g.eligibleUsers.set({ deployment }, a.eligibleUsers);
    if (finite(a.adoptionRatio)) g.adoption.set({ deployment }, a.adoptionRatio);
    if (finite(a.adoptionDropRatio)) g.adoptionDrop.set({ deployment }, a.adoptionDropRatio);
    if (a.aiTaskShare && finite(a.aiTaskShare.estimate)) g.aiShare.set({ deployment }, a.aiTaskShare.estimate);
    if (finite(a.reversionRatio)) g.reversion.set({ deployment }, a.reversionRatio);
    if (a.overrideRatio && finite(a.overrideRatio.estimate)) g.override.set({ deployment }, a.overrideRatio.estimate);
    g.disables.set({ deployment, period: '7d' }, a.disables7d);
    for (const weekday of WEEKDAYS) {
      const ratio = card.weekday.errorRatio[weekday];
      if (finite(ratio)) g.weekdayError.set({ deployment, weekday }, ratio);
      g.weekdayAnomaly.set({ deployment, weekday }, card.weekday.anomaly[weekday] ? 1 : 0);
    }
    if (card.daysToVerdict !== undefined) g.eta.set({ deployment }, card.daysToVerdict);
  }
}
