// Grafana dashboards for Baseliner, built with @grafana/grafana-foundation-sdk (pinned: pre-1.0).
// One factory per panel kind; every panel has a description and a unit. `npm run dashboards`.
import * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import { ALERT_THRESHOLDS, METRIC_NAMES as M, PROCESS_METRIC_NAMES as P, SCRAPE_METRIC_NAMES } from '@baseliner/contracts';
import { RECORDED } from './rules';

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
  `${M.deploymentVerdict}{verdict="failing"} == 1 and on (deployment) (time() - ${M.verdictSince} > ${ALERT_THRESHOLDS.killListFailingDays} * 86400)`;

export function portfolioDashboard(): dash.Dashboard {
  const organize = {
    id: 'organize',
    options: {
      excludeByName: { Time: true, 'Value #A': true, 'Value #B': true, 'Value #C': true, 'Value #J': true, __name__: true, job: true, instance: true, workflow: true },
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
        { expr: `count by (verdict) (${M.deploymentVerdict} == 1)`, legend: '{{verdict}}' },
      ], 12).mappings(verdictMappings),
    )
    .withPanel(
      statPanel('Failing for over two weeks (kill list)', `Deployments whose verdict has been failing for over ${ALERT_THRESHOLDS.killListFailingDays} days (since the day it was reached, from the scorecard — not from Prometheus history): decide to fix or retire them.`, 'none', [
        { expr: `count(${failingForTwoWeeks}) or vector(0)` },
      ], 12),
    )
    .withPanel(
      tablePanel(
        'Portfolio',
        'One row per deployment: owner, phase, days live, verdict (coloured), relative change of median task time and of error ratio vs baseline, adoption, reversion, seconds since its latest event, and the comparison design (difference_in_differences against segments not yet live, or before_after).',
        'none',
        [
          { expr: M.deploymentInfo },
          { expr: `${M.deploymentPhase} == 1` },
          { expr: `${M.deploymentVerdict} == 1` },
          { expr: `(time() - ${M.liveSince}) / 86400` },
          { expr: `${M.changeRatio}{metric="task_duration_p50",bound="estimate"}` },
          { expr: `${M.changeRatio}{metric="error_ratio",bound="estimate"}` },
          { expr: M.adoptionRatio },
          { expr: M.reversionRatio },
          { expr: `time() - ${M.lastEvent}` },
          { expr: `${M.comparisonDesign} == 1` },
        ],
        [{ id: 'merge', options: {} }, organize],
      ).mappings(verdictMappings),
    )
    .withPanel(
      tablePanel(
        'Kill list',
        'Deployments failing for over two weeks, with their owner: the candidates to retire.',
        'none',
        [{ expr: `${M.deploymentInfo} and on (deployment) (${failingForTwoWeeks})` }],
        [{ id: 'organize', options: { excludeByName: { Time: true, Value: true, __name__: true } } }],
      ),
    )
    .build();
}

export function deploymentDashboard(): dash.Dashboard {
  const windows = (metric: string, unit: string, title: string, description: string) =>
    timeseriesPanel(title, description, unit, [
      { expr: `${metric}{${d},window="baseline"}`, legend: 'baseline' },
      { expr: `${metric}{${d},window="current"}`, legend: 'current' },
    ], 8);
  const change = (metric: string, title: string) =>
    timeseriesPanel(`${title}: change vs baseline`, `Relative change of ${title.toLowerCase()} in the current window vs the baseline, with its always-valid 95% interval (lower, upper; it holds however often it is looked at). Below 0 = lower than before.`, 'percentunit', [
      { expr: `${M.changeRatio}{${d},metric="${metric}",bound="estimate"}`, legend: 'estimate' },
      { expr: `${M.changeRatio}{${d},metric="${metric}",bound="lower"}`, legend: 'lower 95%' },
      { expr: `${M.changeRatio}{${d},metric="${metric}",bound="upper"}`, legend: 'upper 95%' },
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
        .query(`label_values(${M.deploymentInfo}, deployment)`)
        .refresh(dash.VariableRefresh.OnTimeRangeChanged),
    )
    .annotation(
      new dash.AnnotationQueryBuilder()
        .name('Go-live')
        .datasource(datasource)
        .enable(true)
        .iconColor('green')
        .target(new DataqueryBuilder().expr(`changes(${M.liveSince}{${d}}[5m]) > 0 or (${M.deploymentPhase}{${d},phase="live"} == 1 unless ${M.deploymentPhase}{${d},phase="live"} offset 5m == 1)`)),
    )
    .annotation(
      new dash.AnnotationQueryBuilder()
        .name('Rollback')
        .datasource(datasource)
        .enable(true)
        .iconColor('red')
        .target(new DataqueryBuilder().expr(`${M.deploymentPhase}{${d},phase="rolled_back"} == 1 unless ${M.deploymentPhase}{${d},phase="rolled_back"} offset 5m == 1`)),
    )
    .withPanel(statPanel('Verdict', 'The deployment’s verdict now.', 'none', [{ expr: `${M.deploymentVerdict}{${d}} == 1`, legend: '{{verdict}}' }], 5).mappings(verdictMappings))
    .withPanel(
      statPanel(
        'Compared by',
        'How the baseline-compared criteria are judged: difference_in_differences (the live segments’ change net of segments not yet live on the same days) or before_after (everything that changed at go-live credited to the AI). The deployment page says which segments and what the design assumes.',
        'none',
        [{ expr: `${M.comparisonDesign}{${d}} == 1`, legend: '{{design}}' }],
        5,
      ),
    )
    .withPanel(statPanel('Days to verdict', 'Estimated days until every criterion is conclusive at the current effect and volume (absent when not estimable).', 'd', [{ expr: `${M.verdictEta}{${d}}` }], 5))
    .withPanel(statPanel('Adoption', 'Active users in the last 7 days / eligible users.', 'percentunit', [{ expr: `${M.adoptionRatio}{${d}}` }], 5))
    .withPanel(statPanel('AI task share', 'ai + assisted tasks / all tasks in the current window: the rest is done around the AI.', 'percentunit', [{ expr: `${M.aiTaskShareRatio}{${d}}` }], 4))
    .withPanel(
      tablePanel('Criteria', 'Each success criterion and its status now (1 marks the current status).', 'none', [{ expr: `${M.criterionStatus}{${d}} == 1` }], [
        { id: 'organize', options: { excludeByName: { Time: true, Value: true, __name__: true, deployment: true } } },
      ]),
    )
    .withPanel(
      timeseriesPanel('Task time (p50, p90)', 'Median and 90th percentile task duration, baseline (manual work before go-live) vs current window (all work after ramp-up).', 's', [
        { expr: `${M.taskDuration}{${d},window="baseline"}`, legend: 'baseline p{{quantile}}' },
        { expr: `${M.taskDuration}{${d},window="current"}`, legend: 'current p{{quantile}}' },
      ], 16),
    )
    .withPanel(change('task_duration_p50', 'Median task time'))
    .withPanel(windows(M.errorRatio, 'percentunit', 'Error ratio', 'Tasks with outcome error or rework / tasks, baseline vs current.'))
    .withPanel(change('error_ratio', 'Error ratio'))
    .withPanel(windows(M.downstreamErrorRatio, 'percentunit', 'Downstream errors', 'Errors found after the AI’s step / tasks: does the AI move errors elsewhere?'))
    .withPanel(
      timeseriesPanel('Escalations', 'Escalations per task by who had to step in: operators, or the builders of the system (should trend to zero).', 'percentunit', [
        { expr: `${M.escalationRatio}{${d}}`, legend: '{{window}} → {{to}}' },
      ], 8),
    )
    .withPanel(windows(M.costPerTask, 'currencyUSD', 'Cost per task', 'Mean cost per task, baseline vs current.'))
    .withPanel(change('cost_per_task', 'Cost per task'))
    .withPanel(
      timeseriesPanel('Active users', 'Distinct adopters in the last 7 and 28 days, and the eligible population.', 'short', [
        { expr: `${M.activeUsers}{${d}}`, legend: 'active {{period}}' },
        { expr: `${M.eligibleUsers}{${d}}`, legend: 'eligible' },
      ], 8),
    )
    .withPanel(
      timeseriesPanel('Adoption and drop-off', 'Adoption ratio, and the drop from the peak of 7-day active users in the last 28 days (high = people went back).', 'percentunit', [
        { expr: `${M.adoptionRatio}{${d}}`, legend: 'adoption' },
        { expr: `${M.adoptionDropRatio}{${d}}`, legend: 'drop from peak' },
      ], 8),
    )
    .withPanel(
      timeseriesPanel('AI task share', 'Share of tasks done with the AI (ai + assisted) in the current window.', 'percentunit', [{ expr: `${M.aiTaskShareRatio}{${d}}`, legend: 'AI share' }], 8),
    )
    .withPanel(
      timeseriesPanel('Reversion and overrides', 'Adopters who went back to the old way, and overrides per AI task.', 'percentunit', [
        { expr: `${M.reversionRatio}{${d}}`, legend: 'reversion' },
        { expr: `${M.overrideRatio}{${d}}`, legend: 'overrides' },
      ], 8),
    )
    .withPanel(
      timeseriesPanel('Disables', 'ai.disabled events in the last 7 days: people switching it off.', 'short', [{ expr: `${M.disables}{${d}}`, legend: '{{period}}' }], 8),
    )
    .withPanel(
      new bargauge.PanelBuilder()
        .title('Error ratio by weekday')
        .description('Error ratio per local weekday over the last 8 weeks; a weekday flagged anomalous is significantly above the others over the whole weeks since ramp-up, in at least two of them.')
        .unit('percentunit')
        .datasource(datasource)
        .span(8)
        .height(8)
        .withTarget(target({ expr: `${M.weekdayErrorRatio}{${d}}`, legend: '{{weekday}}', instant: true }, 0))
        .withTarget(target({ expr: `${M.weekdayAnomaly}{${d}} == 1`, legend: '{{weekday}} anomalous', instant: true }, 1)),
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
    .withPanel(timeseriesPanel('Intake rate by result', 'Events per second received, by result (accepted, duplicate, rejected).', 'reqps', [{ expr: RECORDED.eventsReceivedRate, legend: '{{result}}' }]))
    .withPanel(timeseriesPanel('Rejections by reason', 'Rejected events per second by reason: a sender with a bug shows up here.', 'reqps', [{ expr: RECORDED.eventsRejectedRate, legend: '{{reason}}' }]))
    .withPanel(timeseriesPanel('Kafka consumer lag', 'Records on the topic not yet stored by the Kafka intake, per partition (empty without Kafka).', 'short', [{ expr: `max by (topic, partition) (${M.kafkaConsumerLag})`, legend: '{{topic}} / {{partition}}' }], 8))
    .withPanel(timeseriesPanel('Projection lag', 'Age of the oldest stored event not yet projected: how stale verdicts and metrics are.', 's', [{ expr: M.projectionLag, legend: 'lag' }], 8))
    .withPanel(timeseriesPanel('Scrape duration', 'How long Prometheus takes to scrape Baseliner.', 's', [{ expr: `${SCRAPE_METRIC_NAMES.duration}{job="baseliner"}`, legend: '{{instance}}' }], 8))
    .withPanel(timeseriesPanel('Event loop lag', 'Node.js event-loop delay (p99): request latency suffers when it grows.', 's', [{ expr: P.eventLoopLagP99, legend: '{{instance}}' }], 8))
    .withPanel(timeseriesPanel('Memory', 'Resident memory of each Baseliner process.', 'bytes', [{ expr: `${P.residentMemory}{job="baseliner"}`, legend: '{{instance}}' }]))
    .withPanel(timeseriesPanel('CPU', 'CPU seconds per second used by each Baseliner process.', 'percentunit', [{ expr: `rate(${P.cpuSeconds}{job="baseliner"}[$__rate_interval])`, legend: '{{instance}}' }]))
    .build();
}

export const DASHBOARDS = {
  'baseliner-portfolio.json': portfolioDashboard,
  'baseliner-deployment.json': deploymentDashboard,
  'baseliner-operations.json': operationsDashboard,
};
