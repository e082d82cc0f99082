// Grafana dashboards for Baseliner, built with @grafana/grafana-foundation-sdk (pinned: pre-1.0).
// One factory per panel kind; every panel has a description and a unit. `npm run dashboards`.
import * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';

const datasource = { type: 'prometheus', uid: '${datasource}' };

interface Query {
  expr: string;
  legend?: string;
  instant?: boolean;
  table?: boolean;
}

function target({ expr, legend, instant, table: asTable }: Query, i: number) {
  let q = new DataqueryBuilder().datasource(datasource).expr(expr).refId(String.fromCharCode(65 + i));
  if (legend) q = q.legendFormat(legend);
  if (instant) q = q.instant();
  if (asTable) q = q.format(PromQueryFormat.Table);
  return q;
}

const VERDICT_COLOURS: Record<string, string> = {
  works: 'green',
  failing: 'red',
  inconclusive: 'yellow',
  insufficient_data: 'orange',
  pending: 'blue',
  rolled_back: 'purple',
  retired: 'text',
};
const verdictMappings = [
  {
    type: dash.MappingType.ValueToText,
    options: Object.fromEntries(Object.entries(VERDICT_COLOURS).map(([verdict, color], index) => [verdict, { color, index }])),
  },
] as dash.ValueMapping[];

function timeseriesPanel(title: string, description: string, unit: string, queries: Query[], w = 12) {
  let panel = new timeseries.PanelBuilder().title(title).description(description).unit(unit).datasource(datasource).span(w).height(8);
  queries.forEach((q, i) => (panel = panel.withTarget(target(q, i))));
  return panel;
}

function statPanel(title: string, description: string, unit: string, queries: Query[], w = 6) {
  let panel = new stat.PanelBuilder().title(title).description(description).unit(unit).datasource(datasource).span(w).height(5);
  queries.forEach((q, i) => (panel = panel.withTarget(target({ ...q, instant: true }, i))));
  return panel;
}

function tablePanel(title: string, description: string, unit: string, queries: Query[], transformations: dash.DataTransformerConfig[], w = 24) {
  let panel = new table.PanelBuilder().title(title).description(description).unit(unit).datasource(datasource).span(w).height(10);
  queries.forEach((q, i) => (panel = panel.withTarget(target({ ...q, instant: true, table: true }, i))));
  for (const t of transformations) panel = panel.withTransformation(t);
  return panel;
}

function datasourceVariable() {
  return new dash.DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus');
}

const d = 'deployment="$deployment"';
/** Failing deployments whose (held) verdict was reached over 14 days ago. */
const failingForTwoWeeks =
  'baseliner_deployment_verdict{verdict="failing"} == 1 and on (deployment) (time() - baseliner_verdict_since_timestamp_seconds > 14 * 86400)';

export function portfolioDashboard(): dash.Dashboard {
  const organize = {
    id: 'organize',
    options: {
      excludeByName: { Time: true, 'Value #A': true, 'Value #B': true, 'Value #C': true, __name__: true, job: true, instance: true, workflow: true },
      renameByName: {
        'Value #D': 'days live',
        'Value #E': 'time change',
        'Value #F': 'error change',
        'Value #G': 'adoption',
        'Value #H': 'reversion',
        'Value #I': 'last event (s ago)',
      },
    },
  };
  return new dash.DashboardBuilder('Baseliner — Portfolio: does it work?')
    .uid('baseliner-portfolio')
    .description('Every AI deployment with its verdict against its pre-registered criteria and baseline.')
    .tags(['baseliner', 'generated'])
    .refresh('1m')
    .time({ from: 'now-30d', to: 'now' })
    .withVariable(datasourceVariable())
    .withPanel(
      statPanel('Deployments by verdict', 'How many deployments have each verdict now. Killing what fails is progress too.', 'none', [
        { expr: 'count by (verdict) (baseliner_deployment_verdict == 1)', legend: '{{verdict}}' },
      ], 12).mappings(verdictMappings),
    )
    .withPanel(
      statPanel('Failing for over two weeks (kill list)', 'Deployments whose verdict has been failing for over 14 days (since the day it was reached, from the scorecard — not from Prometheus history): decide to fix or retire them.', 'none', [
        { expr: `count(${failingForTwoWeeks}) or vector(0)` },
      ], 12),
    )
    .withPanel(
      tablePanel(
        'Portfolio',
        'One row per deployment: owner, phase, days live, verdict (coloured), relative change of median task time and of error ratio vs baseline, adoption, reversion, and seconds since its latest event.',
        'none',
        [
          { expr: 'baseliner_deployment_info' },
          { expr: 'baseliner_deployment_phase == 1' },
          { expr: 'baseliner_deployment_verdict == 1' },
          { expr: '(time() - baseliner_live_since_timestamp_seconds) / 86400' },
          { expr: 'baseliner_change_ratio{metric="task_duration_p50",bound="estimate"}' },
          { expr: 'baseliner_change_ratio{metric="error_ratio",bound="estimate"}' },
          { expr: 'baseliner_adoption_ratio' },
          { expr: 'baseliner_reversion_ratio' },
          { expr: 'time() - baseliner_last_event_timestamp_seconds' },
        ],
        [{ id: 'merge', options: {} }, organize],
      ).mappings(verdictMappings),
    )
    .withPanel(
      tablePanel(
        'Kill list',
        'Deployments failing for over two weeks, with their owner: the candidates to retire.',
        'none',
        [{ expr: `baseliner_deployment_info and on (deployment) (${failingForTwoWeeks})` }],
        [{ id: 'organize', options: { excludeByName: { Time: true, Value: true, __name__: true } } }],
      ),
    )
    .build();
}

export function deploymentDashboard(): dash.Dashboard {
  const windows = (metric: string, unit: string, title: string, description: string) =>
    timeseriesPanel(title, description, unit, [
      { expr: `baseliner_${metric}{${d},window="baseline"}`, legend: 'baseline' },
      { expr: `baseliner_${metric}{${d},window="current"}`, legend: 'current' },
    ], 8);
  const change = (metric: string, title: string) =>
    timeseriesPanel(`${title}: change vs baseline`, `Relative change of ${title.toLowerCase()} in the current window vs the baseline, with its always-valid 95% interval (lower, upper; it holds however often it is looked at). Below 0 = lower than before.`, 'percentunit', [
      { expr: `baseliner_change_ratio{${d},metric="${metric}",bound="estimate"}`, legend: 'estimate' },
      { expr: `baseliner_change_ratio{${d},metric="${metric}",bound="lower"}`, legend: 'lower 95%' },
      { expr: `baseliner_change_ratio{${d},metric="${metric}",bound="upper"}`, legend: 'upper 95%' },
    ], 8);
  return new dash.DashboardBuilder('Baseliner — Deployment')
    .uid('baseliner-deployment')
    .description('Before and after for one deployment: time, errors, escalations, cost, criteria, adoption, reversion and the weekday pattern.')
    .tags(['baseliner', 'generated'])
    .refresh('1m')
    .time({ from: 'now-60d', to: 'now' })
    .withVariable(datasourceVariable())
    .withVariable(
      new dash.QueryVariableBuilder('deployment')
        .label('Deployment')
        .datasource(datasource)
        .query('label_values(baseliner_deployment_info, deployment)')
        .refresh(dash.VariableRefresh.OnTimeRangeChanged),
    )
    .annotation(
      new dash.AnnotationQueryBuilder()
        .name('Go-live')
        .datasource(datasource)
        .enable(true)
        .iconColor('green')
        .target(new DataqueryBuilder().expr(`changes(baseliner_live_since_timestamp_seconds{${d}}[5m]) > 0 or (baseliner_deployment_phase{${d},phase="live"} == 1 unless baseliner_deployment_phase{${d},phase="live"} offset 5m == 1)`)),
    )
    .annotation(
      new dash.AnnotationQueryBuilder()
        .name('Rollback')
        .datasource(datasource)
        .enable(true)
        .iconColor('red')
        .target(new DataqueryBuilder().expr(`baseliner_deployment_phase{${d},phase="rolled_back"} == 1 unless baseliner_deployment_phase{${d},phase="rolled_back"} offset 5m == 1`)),
    )
    .withPanel(statPanel('Verdict', 'The deployment’s verdict now.', 'none', [{ expr: `baseliner_deployment_verdict{${d}} == 1`, legend: '{{verdict}}' }]).mappings(verdictMappings))
    .withPanel(statPanel('Days to verdict', 'Estimated days until every criterion is conclusive at the current effect and volume (absent when not estimable).', 'd', [{ expr: `baseliner_verdict_eta_days{${d}}` }]))
    .withPanel(statPanel('Adoption', 'Active users in the last 7 days / eligible users.', 'percentunit', [{ expr: `baseliner_adoption_ratio{${d}}` }]))
    .withPanel(statPanel('AI task share', 'ai + assisted tasks / all tasks in the current window: the rest is done around the AI.', 'percentunit', [{ expr: `baseliner_ai_task_share_ratio{${d}}` }]))
    .withPanel(
      tablePanel('Criteria', 'Each success criterion and its status now (1 marks the current status).', 'none', [{ expr: `baseliner_criterion_status{${d}} == 1` }], [
        { id: 'organize', options: { excludeByName: { Time: true, Value: true, __name__: true, deployment: true } } },
      ]),
    )
    .withPanel(
      timeseriesPanel('Task time (p50, p90)', 'Median and 90th percentile task duration, baseline (manual work before go-live) vs current window (all work after ramp-up).', 's', [
        { expr: `baseliner_task_duration_seconds{${d},window="baseline"}`, legend: 'baseline p{{quantile}}' },
        { expr: `baseliner_task_duration_seconds{${d},window="current"}`, legend: 'current p{{quantile}}' },
      ], 16),
    )
    .withPanel(change('task_duration_p50', 'Median task time'))
    .withPanel(windows('error_ratio', 'percentunit', 'Error ratio', 'Tasks with outcome error or rework / tasks, baseline vs current.'))
    .withPanel(change('error_ratio', 'Error ratio'))
    .withPanel(windows('downstream_error_ratio', 'percentunit', 'Downstream errors', 'Errors found after the AI’s step / tasks: does the AI move errors elsewhere?'))
    .withPanel(
      timeseriesPanel('Escalations', 'Escalations per task by who had to step in: operators, or the builders of the system (should trend to zero).', 'percentunit', [
        { expr: `baseliner_escalation_ratio{${d}}`, legend: '{{window}} → {{to}}' },
      ], 8),
    )
    .withPanel(windows('cost_per_task_usd', 'currencyUSD', 'Cost per task', 'Mean cost per task, baseline vs current.'))
    .withPanel(change('cost_per_task', 'Cost per task'))
    .withPanel(
      timeseriesPanel('Active users', 'Distinct adopters in the last 7 and 28 days, and the eligible population.', 'short', [
        { expr: `baseliner_active_users{${d}}`, legend: 'active {{period}}' },
        { expr: `baseliner_eligible_users{${d}}`, legend: 'eligible' },
      ], 8),
    )
    .withPanel(
      timeseriesPanel('Adoption and drop-off', 'Adoption ratio, and the drop from the peak of 7-day active users in the last 28 days (high = people went back).', 'percentunit', [
        { expr: `baseliner_adoption_ratio{${d}}`, legend: 'adoption' },
        { expr: `baseliner_adoption_drop_ratio{${d}}`, legend: 'drop from peak' },
      ], 8),
    )
    .withPanel(
      timeseriesPanel('AI task share', 'Share of tasks done with the AI (ai + assisted) in the current window.', 'percentunit', [{ expr: `baseliner_ai_task_share_ratio{${d}}`, legend: 'AI share' }], 8),
    )
    .withPanel(
      timeseriesPanel('Reversion and overrides', 'Adopters who went back to the old way, and overrides per AI task.', 'percentunit', [
        { expr: `baseliner_reversion_ratio{${d}}`, legend: 'reversion' },
        { expr: `baseliner_override_ratio{${d}}`, legend: 'overrides' },
      ], 8),
    )
    .withPanel(
      timeseriesPanel('Disables', 'ai.disabled events in the last 7 days: people switching it off.', 'short', [{ expr: `baseliner_disables{${d}}`, legend: '{{period}}' }], 8),
    )
    .withPanel(
      new bargauge.PanelBuilder()
        .title('Error ratio by weekday')
        .description('Error ratio per local weekday over the last 8 weeks; a weekday flagged anomalous is significantly above the others over the whole weeks since ramp-up, in at least two of them.')
        .unit('percentunit')
        .datasource(datasource)
        .span(8)
        .height(8)
        .withTarget(target({ expr: `baseliner_weekday_error_ratio{${d}}`, legend: '{{weekday}}', instant: true }, 0))
        .withTarget(target({ expr: `baseliner_weekday_anomaly{${d}} == 1`, legend: '{{weekday}} anomalous', instant: true }, 1)),
    )
    .build();
}

export function operationsDashboard(): dash.Dashboard {
  return new dash.DashboardBuilder('Baseliner — Operations')
    .uid('baseliner-operations')
    .description('Baseliner itself: intake, rejections, projection lag, scrapes, process.')
    .tags(['baseliner', 'generated'])
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .withVariable(datasourceVariable())
    .withPanel(timeseriesPanel('Intake rate by result', 'Events per second received, by result (accepted, duplicate, rejected).', 'reqps', [{ expr: 'baseliner:events_received:rate5m', legend: '{{result}}' }]))
    .withPanel(timeseriesPanel('Rejections by reason', 'Rejected events per second by reason: a sender with a bug shows up here.', 'reqps', [{ expr: 'baseliner:events_rejected:rate5m', legend: '{{reason}}' }]))
    .withPanel(timeseriesPanel('Kafka consumer lag', 'Records on the topic not yet stored by the Kafka intake, per partition (empty without Kafka).', 'short', [{ expr: 'max by (topic, partition) (baseliner_kafka_consumer_lag)', legend: '{{topic}} / {{partition}}' }], 8))
    .withPanel(timeseriesPanel('Projection lag', 'Age of the oldest stored event not yet projected: how stale verdicts and metrics are.', 's', [{ expr: 'baseliner_projection_lag_seconds', legend: 'lag' }], 8))
    .withPanel(timeseriesPanel('Scrape duration', 'How long Prometheus takes to scrape Baseliner.', 's', [{ expr: 'scrape_duration_seconds{job="baseliner"}', legend: '{{instance}}' }], 8))
    .withPanel(timeseriesPanel('Event loop lag', 'Node.js event-loop delay (p99): request latency suffers when it grows.', 's', [{ expr: 'nodejs_eventloop_lag_p99_seconds', legend: '{{instance}}' }], 8))
    .withPanel(timeseriesPanel('Memory', 'Resident memory of each Baseliner process.', 'bytes', [{ expr: 'process_resident_memory_bytes{job="baseliner"}', legend: '{{instance}}' }]))
    .withPanel(timeseriesPanel('CPU', 'CPU seconds per second used by each Baseliner process.', 'percentunit', [{ expr: 'rate(process_cpu_seconds_total{job="baseliner"}[$__rate_interval])', legend: '{{instance}}' }]))
    .build();
}

export const DASHBOARDS = {
  'baseliner-portfolio.json': portfolioDashboard,
  'baseliner-deployment.json': deploymentDashboard,
  'baseliner-operations.json': operationsDashboard,
};
