import { metricInWords, targetInWords, type CriterionResult, type DeploymentProjection, type Scorecard, type ScorecardWarning } from '@baseliner/analytics';
import { CRITERION_METRICS, isRatioMetric, type CriterionMetric } from '@baseliner/contracts';
import type { DeploymentEvent, RecordedDeploymentEvent, RegisteredDeployment } from '@baseliner/domain';
import { html, type SafeHtml } from '../html';
import { designTag, warningsOf } from '../explain';
import type { DailyPoint, DeploymentSeries, DurationDistribution, WeekdayHourGrid } from '../deployment-series';
import { gaugeChart, heatmap, histogramChart, lineChart, type AxisKind } from './charts';
import { ago, localTime, percent, seconds, usd, verdictLabel } from './format';

export interface DeploymentPageData {
  deployment: RegisteredDeployment;
  projection: DeploymentProjection;
  scorecard: Scorecard;
  daily: DailyPoint[];
  durations: DurationDistribution;
  grid: WeekdayHourGrid;
  history: RecordedDeploymentEvent[];
  /** Day numbers of go-live, the end of ramp-up and the rollback, where they happened. */
  marks: { goLive?: number; rampUpEnd?: number; rolledBack?: number; laterWaves?: { day: number; label: string }[] };
  groups?: DeploymentSeries['groups'];
  segmentShare?: DeploymentSeries['segmentShare'];
  grafanaUrl?: string;
  now: number;
}

const isDurationMetric = (metric: string) => metric.startsWith('task_duration');

function valueOf(metric: CriterionMetric, value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  if (isDurationMetric(metric)) return seconds(value);
  if (metric === 'cost_per_task') return usd(value);
  if (isRatioMetric(metric)) return percent(value);
  return String(value);
}

function criteriaTable(card: Scorecard): SafeHtml {
  if (card.criteria.length === 0) return html`<p class="empty">No criteria judged yet${card.windows.inRampUp ? ' (in ramp-up)' : ''}.</p>`;
  return html`<table class="criteria stack">
<caption class="muted">Each interval is always-valid at 95%: it holds however often this page is read. It bounds the change for a relative target, the current value for an absolute one.${netCaption(card)} Each criterion links to its chart.</caption>
<thead><tr><th scope="col">Criterion</th><th scope="col">Target</th><th scope="col" class="num">Baseline</th><th scope="col" class="num">Current</th><th scope="col" class="num">Change</th><th scope="col" class="num">Interval</th><th scope="col">Status</th><th scope="col">Why</th></tr></thead>
<tbody>
${card.criteria.map((c) => {
  // A relative target judges the change against the baseline; an absolute one judges the current value.
  const relative = c.target.kind === 'relativeChange';
  const metrics = card.metrics as Record<string, { baseline?: { estimate: number }; current?: { estimate: number }; change?: { estimate: number } } | undefined>;
  const compared = CRITERION_METRICS[c.metric].comparesToBaseline ? metrics[c.metric] : undefined;
  const baseline = valueOf(c.metric, compared?.baseline?.estimate);
  const current = relative ? valueOf(c.metric, compared?.current?.estimate) : valueOf(c.metric, c.estimate);
  const change = relative ? percent(c.estimate, true) : percent(compared?.change?.estimate, true);
  const interval =
    c.lower === undefined || c.upper === undefined || c.lower === null || c.upper === null
      ? '–'
      : relative
        ? `${percent(c.lower, true)} to ${percent(c.upper, true)}`
        : `${valueOf(c.metric, c.lower)} to ${valueOf(c.metric, c.upper)}`;
  return html`<tr><th scope="row"><a href="#${chartId(CHART_OF_METRIC[c.metric])}">${metricInWords(c.metric)}</a></th><td data-label="Target">${targetInWords(c.metric, c.target)}</td><td class="num" data-label="Baseline">${baseline}</td><td class="num" data-label="Current">${current}</td><td class="num" data-label="Change">${change}</td><td class="num" data-label="Interval">${interval}</td><td data-label="Status"><span class="badge s-${c.status}">${verdictLabel(c.status)}</span></td><td data-label="Why">${c.reason}</td></tr>
`;
})}</tbody>
</table>
${card.daysToVerdict !== undefined && card.daysToVerdict > 0 && card.verdict !== 'works' && card.verdict !== 'failing' ? html`<p>About <strong>${card.daysToVerdict}</strong> more days of data to a verdict at the current pace.</p>` : ''}`;
}

/** Where the design is difference-in-differences: which changes in the table are net of the comparison. */
function netCaption(card: Scorecard): string {
  const { comparison } = card;
  if (comparison?.design !== 'difference_in_differences' || comparison.netMetrics.length === 0) return '';
  return ` Baseline and current of ${comparison.netMetrics.map((m) => metricInWords(m)).join(', ')} are the live segments’; their change is net of the comparison segments’ change over the same days.`;
}

/** Each segment seen in tasks or named by a wave: when it went live and its part in the comparison. */
function segmentRows(data: DeploymentPageData): { name: string; wentLive?: string; role: string }[] {
  const { deployment, projection, scorecard: card } = data;
  const comparison = card.comparison;
  const wentLive = new Map<string, string>();
  for (const wave of deployment.waves ?? []) for (const segment of wave.segments) if (!wentLive.has(segment)) wentLive.set(segment, wave.at);
  const names = new Set([...wentLive.keys(), ...Object.keys(projection.segmentDays ?? {})]);
  return [...names]
    .sort((a, b) => a.localeCompare(b))
    .map((name) => {
      const at = wentLive.get(name);
      const role = comparison?.liveSegments.includes(name)
        ? 'live: judged'
        : comparison?.comparisonSegments.includes(name)
          ? at
            ? 'comparison until it went live'
            : 'comparison (not live)'
          : at
            ? 'live, not in the comparison yet'
            : deployment.waves
              ? 'not live'
              : '–';
      return { name, ...(at && { wentLive: at }), role };
    });
}

/** The comparison design in words: which segments are live, which are the comparison, what it assumes. */
function designPanel(data: DeploymentPageData): SafeHtml {
  const { deployment, scorecard: card } = data;
  const comparison = card.comparison;
  const zone = deployment.timezone;
  const rows = segmentRows(data);
  const list = (names: string[]) => html`${names.map((name, i) => html`${i > 0 ? ', ' : ''}<strong>${name}</strong>`)}`;
  let lead: SafeHtml;
  if (comparison?.design === 'difference_in_differences') {
    const removed = Object.entries(comparison.comparisonChanges ?? {}).filter(([, change]) => change !== undefined && Number.isFinite(change));
    lead = html`<p><strong>Difference-in-differences</strong>: the live segments’ change, net of the change of segments not live on the same calendar days. Live: ${list(comparison.liveSegments)}. Comparison: ${list(comparison.comparisonSegments)}. Over ${comparison.pairedDays} paired ${comparison.pairedDays === 1 ? 'day' : 'days'} (days with work in both).</p>
<p>Judged net of the comparison: ${comparison.netMetrics.length > 0 ? comparison.netMetrics.map((m) => metricInWords(m)).join(', ') : 'none yet'}; the other metrics are before/after (escalations and downstream errors carry no segment).${
      removed.length > 0
        ? html` Over the same days the comparison segments themselves changed by ${removed.map(([metric, change], i) => html`${i > 0 ? ', ' : ''}${percent(change, true)} (${metricInWords(metric as CriterionMetric)})`)}: that much is not credited to the AI.`
        : ''
    }</p>`;
  } else if (deployment.waves) {
    lead = html`<p><strong>Before/after</strong>: the current window against the baseline window. The deployment went live per segment, but no segment that was not yet live had enough work on the same days to compare with (it takes 30 tasks on 7 days, before and after go-live): until one has, everything that changed at go-live is credited to the AI.</p>`;
  } else {
    lead = html`<p><strong>Before/after</strong>: the current window against the baseline window (manual work before go-live). The whole deployment went live at once, so there is no concurrent comparison.</p>`;
  }
  return html`<section aria-labelledby="design-heading" class="design">
<h2 id="design-heading">How the change is measured <span class="badge tag">${designTag(comparison)}</span></h2>
${lead}
<p>Assumes: ${comparison?.assumes ?? 'nothing but the AI changed at go-live'}.</p>
${
  rows.length > 0
    ? html`<table class="segments">
<caption class="muted">Segments (task.completed data.segment)${deployment.waves ? '' : ': the deployment went live as a whole'}</caption>
<thead><tr><th scope="col">Segment</th><th scope="col">Went live</th><th scope="col">In the comparison</th></tr></thead>
<tbody>
${rows.slice(0, 64).map((r) => html`<tr><th scope="row">${r.name}</th><td>${r.wentLive ? localTime(r.wentLive, zone) : deployment.waves ? 'not yet' : '–'}</td><td>${r.role}</td></tr>
`)}</tbody>
</table>`
    : ''
}
</section>`;
}

/** What one chart shows. Each criterion has one; so has each warning that a chart can show. */
type ChartKey =
  | 'duration_p50'
  | 'duration_p90'
  | 'errors'
  | 'escalations'
  | 'builder_escalations'
  | 'downstream'
  | 'cost'
  | 'adoption'
  | 'ai_share'
  | 'reversion'
  | 'overrides'
  | 'tasks'
  | 'segment_mix'
  | 'distribution';

const CHART_OF_METRIC: Record<CriterionMetric, ChartKey> = {
  task_duration_p50: 'duration_p50',
  task_duration_p90: 'duration_p90',
  error_ratio: 'errors',
  escalation_ratio: 'escalations',
  builder_escalation_ratio: 'builder_escalations',
  downstream_error_ratio: 'downstream',
  cost_per_task: 'cost',
  adoption_ratio: 'adoption',
  ai_task_share: 'ai_share',
  reversion_ratio: 'reversion',
  override_ratio: 'overrides',
};

/** The chart that shows a warning ('weekday': the weekday × hour grid). */
function chartOfWarning(warning: ScorecardWarning): ChartKey | 'weekday' {
  switch (warning.kind) {
    case 'weekday_pattern':
      return 'weekday';
    case 'adoption_drop':
      return 'adoption';
    case 'downstream_shift':
      return 'downstream';
    case 'silent':
    case 'volume_shift':
      return 'tasks';
    case 'baseline_drift':
      return warning.metric === 'error_ratio' ? 'errors' : 'duration_p50';
    case 'mix_shift':
      return 'segment_mix';
  }
}

/** The anchor of a chart on the page. */
const chartId = (key: ChartKey | 'weekday') => `chart-${key.replace(/_/g, '-')}`;

const STATUS_ORDER: Record<string, number> = { not_met: 0, inconclusive: 1, insufficient_data: 2, met: 3 };

/** The horizontal line a criterion's chart draws: where the metric must stay below or reach. */
function targetLine(criterion: CriterionResult, card: Scorecard, net: boolean): { y: number; label: string } | undefined {
  const { metric, target } = criterion;
  const sign = CRITERION_METRICS[metric].better === 'lower' ? '≤' : '≥';
  if (target.kind === 'relativeChange') {
    // Judged net of the comparison segments: no level on this chart is the target.
    if (net) return undefined;
    const baseline = (card.metrics as Record<string, { baseline?: { estimate: number | null } } | undefined>)[metric]?.baseline?.estimate;
    if (baseline === undefined || baseline === null || !Number.isFinite(baseline)) return undefined;
    const y = baseline * (1 + target.value);
    const change = target.value === 0 ? 'no rise on the baseline' : `baseline ${percent(target.value, true)}`;
    return { y, label: `target: ${sign} ${valueOf(metric, y)} (${change})` };
  }
  if (metric === 'adoption_ratio') {
    const eligible = card.adoption.eligibleUsers;
    if (eligible === null) return undefined;
    const users = Math.ceil(target.value * eligible - 1e-9);
    return { y: target.value * eligible, label: `target: ${sign} ${users} of ${eligible} users (${percent(target.value)})` };
  }
  return { y: target.value, label: `target: ${sign} ${valueOf(metric, target.value)}` };
}

interface ChartContext {
  data: DeploymentPageData;
  markers: { x: number; label: string }[];
  spans: { from: number; to: number; label: string }[];
  criteria: Map<ChartKey, CriterionResult[]>;
}

/** The baseline's 95% interval of a compared metric, as a band. */
function baselineBand(card: Scorecard, metric: keyof Scorecard['metrics']): { lower: number; upper: number; label: string } | undefined {
  const estimate = card.metrics[metric]?.baseline;
  if (!estimate || estimate.lower === null || estimate.upper === null || !Number.isFinite(estimate.lower) || !Number.isFinite(estimate.upper)) return undefined;
  return { lower: Math.max(0, estimate.lower), upper: estimate.upper, label: 'baseline, 95% interval' };
}

/** A chart of a daily metric: one line, or the live and the comparison segments where the criterion is judged net of them. */
function dailyMetricChart(
  ctx: ChartContext,
  metric: 'task_duration_p50' | 'task_duration_p90' | 'error_ratio' | 'cost_per_task',
  label: string,
  y: AxisKind,
  pick: (p: { p50: number | null; p90: number | null; errorRatio: number | null; costPerTask: number | null }) => number | null,
): SafeHtml {
  const { data, markers, spans } = ctx;
  const card = data.scorecard;
  const net = card.comparison?.design === 'difference_in_differences' && card.comparison.netMetrics.includes(metric) && data.groups !== undefined;
  const series =
    net && data.groups
      ? [
          { name: `live: ${data.groups.live.segments.join(', ')}`, tone: 't-now', points: data.groups.live.points.map((p) => ({ x: p.day, y: pick(p) })) },
          { name: `comparison: ${data.groups.comparison.segments.join(', ')}`, tone: 't-alt', dashed: true, points: data.groups.comparison.points.map((p) => ({ x: p.day, y: pick(p) })) },
        ]
      : [{ name: label, tone: metric === 'cost_per_task' ? 't-alt' : 't-now', points: data.daily.map((p) => ({ x: p.day, y: pick(p) })) }];
  const targets = (ctx.criteria.get(CHART_OF_METRIC[metric]) ?? []).flatMap((c) => targetLine(c, card, net) ?? []);
  const chart = lineChart({ label, series, y, band: baselineBand(card, metric), targets, markers, spans });
  return net && data.groups
    ? html`<p class="chart-note muted">Judged net of the comparison: the live segments’ change minus the comparison segments’ over the same days, so the target is a change, not a level on this chart.</p>${chart}`
    : chart;
}

function chartContent(key: ChartKey, ctx: ChartContext): { title: string; body: SafeHtml } {
  const { data, markers, spans } = ctx;
  const { daily, scorecard: card } = data;
  const targetsOf = (k: ChartKey) => (ctx.criteria.get(k) ?? []).flatMap((c) => targetLine(c, card, false) ?? []);
  switch (key) {
    case 'duration_p50':
      return { title: 'Median task time by day', body: dailyMetricChart(ctx, 'task_duration_p50', 'median task time', 'duration', (p) => p.p50) };
    case 'duration_p90':
      return { title: '90th-percentile task time by day', body: dailyMetricChart(ctx, 'task_duration_p90', '90th-percentile task time', 'duration', (p) => p.p90) };
    case 'errors':
      return { title: 'Error ratio by day', body: dailyMetricChart(ctx, 'error_ratio', 'error ratio (errors and rework, all modes)', 'ratio', (p) => p.errorRatio) };
    case 'cost': {
      const reported = daily.some((p) => p.costPerTask !== null) || (data.groups?.live.points.some((p) => p.costPerTask !== null) ?? false);
      if (!reported) return { title: 'Cost per task by day', body: html`<p class="empty">No cost: ${noCostText(data)}</p>` };
      return { title: 'Cost per task by day', body: dailyMetricChart(ctx, 'cost_per_task', 'mean cost of the tasks that reported one', 'usd', (p) => p.costPerTask) };
    }
    case 'downstream':
      return {
        title: 'Downstream errors per task, last 7 days',
        body: lineChart({
          label: 'Downstream errors per task over the 7 days ending each day, with the errors found at this step',
          series: [
            { name: 'downstream errors per task', tone: 't-bad', points: rolling7(daily, (p) => p.downstreamErrors, tasksOf) },
            { name: 'errors at this step', tone: 't-base', thin: true, points: rolling7(daily, (p) => (p.errorRatio ?? 0) * tasksOf(p), tasksOf) },
          ],
          y: 'ratio',
          band: baselineBand(card, 'downstream_error_ratio'),
          targets: targetsOf('downstream'),
          markers,
          spans,
        }),
      };
    case 'escalations':
      return {
        title: 'Escalations per task, last 7 days',
        body: lineChart({
          label: 'Escalations (to operators and builders) per task over the 7 days ending each day',
          series: [{ name: 'escalations per task', tone: 't-alt', points: rolling7(daily, (p) => p.escalations, tasksOf) }],
          y: 'ratio',
          band: baselineBand(card, 'escalation_ratio'),
          targets: targetsOf('escalations'),
          markers,
          spans,
        }),
      };
    case 'builder_escalations':
      return {
        title: 'Escalations to the builder per task, last 7 days',
        body: lineChart({
          label: 'Escalations to the builder per task over the 7 days ending each day',
          series: [{ name: 'builder escalations per task', tone: 't-alt', points: rolling7(daily, (p) => p.builderEscalations, tasksOf) }],
          y: 'ratio',
          band: baselineBand(card, 'builder_escalation_ratio'),
          targets: targetsOf('builder_escalations'),
          markers,
          spans,
        }),
      };
    case 'adoption': {
      const eligible = card.adoption.eligibleUsers;
      return {
        title: 'Active users (7 days)',
        body: lineChart({
          label: 'Users with AI use in the last 7 days, against the eligible users',
          series: [
            { name: 'active users, 7 days', tone: 't-good', points: daily.map((p) => ({ x: p.day, y: p.activeUsers7d })) },
            ...(eligible !== null ? [{ name: `eligible users (${eligible})`, tone: 't-base', dashed: true, points: daily.map((p) => ({ x: p.day, y: eligible })) }] : []),
          ],
          y: 'count',
          targets: targetsOf('adoption'),
          markers,
          spans,
        }),
      };
    }
    case 'ai_share':
      return {
        title: 'AI task share by day',
        body: lineChart({
          label: 'Share of tasks done with AI by day',
          series: [{ name: 'AI and assisted tasks over all tasks', tone: 't-now', points: daily.map((p) => ({ x: p.day, y: p.aiShare })) }],
          y: 'share',
          targets: targetsOf('ai_share'),
          markers,
          spans,
        }),
      };
    case 'overrides':
      return {
        title: 'Overrides per AI task, last 7 days',
        body: lineChart({
          label: 'AI suggestions overridden per AI task over the 7 days ending each day',
          series: [{ name: 'overrides per AI task', tone: 't-alt', points: rolling7(daily, (p) => p.overrides, (p) => p.aiTasks) }],
          y: 'ratio',
          targets: targetsOf('overrides'),
          markers,
          spans,
        }),
      };
    case 'reversion': {
      const { reversionRatio, reversionInterval, revertedUsers, recentAdopters } = card.adoption;
      const [target] = targetsOf('reversion');
      return {
        title: 'Adopters who went back to manual work',
        body:
          reversionRatio === null
            ? html`<p class="empty">No one has used the AI in the last 28 days, so no one can have gone back to manual work yet.</p>`
            : gaugeChart({
                label: `Reversion: ${revertedUsers} of ${recentAdopters} recent adopters went back to manual work`,
                value: reversionRatio,
                lower: reversionInterval?.lower,
                upper: reversionInterval?.upper,
                valueLabel: `${plural(revertedUsers, 'adopter')} of ${recentAdopters} with no AI use for 14 days, working manually (${percent(reversionRatio)})`,
                ...(target && { target: { value: target.y, label: target.label } }),
              }),
      };
    }
    case 'tasks':
      return {
        title: 'Tasks per day (until yesterday)',
        body: lineChart({
          label: 'Tasks per day, manual and with AI',
          series: [
            // Today is not over: its count would read as a drop.
            { name: 'manual tasks', tone: 't-base', dashed: true, points: daily.slice(0, -1).map((p) => ({ x: p.day, y: p.manualTasks })) },
            { name: 'AI and assisted tasks', tone: 't-now', points: daily.slice(0, -1).map((p) => ({ x: p.day, y: p.aiTasks })) },
          ],
          y: 'count',
          markers,
          spans,
        }),
      };
    case 'segment_mix': {
      const share = data.segmentShare;
      return {
        title: share ? `Share of tasks from segment ${share.segment}` : 'Share of tasks by segment',
        body: share
          ? lineChart({
              label: `Share of the tasks naming a segment that came from ${share.segment}, by day`,
              series: [{ name: `${share.segment}'s share of the tasks`, tone: 't-alt', points: share.points.map((p) => ({ x: p.day, y: p.share })) }],
              y: 'share',
              markers,
              spans,
            })
          : html`<p class="empty">No task names a segment.</p>`,
      };
    }
    case 'distribution': {
      const { durations } = data;
      return {
        title: 'Task durations, before and after',
        body: histogramChart({
          label: 'Distribution of task durations: baseline manual work and current window',
          edges: durations.edges,
          series: [
            { name: `baseline, manual (${plural(durations.baselineTasks, 'task')})`, tone: 't-base', dashed: true, shares: durations.baseline },
            { name: `current window (${plural(durations.currentTasks, 'task')})`, tone: 't-now', shares: durations.current },
          ],
        }),
      };
    }
  }
}

/** Why the cost chart is empty: no task sent `costUsd`. */
function noCostText(data: DeploymentPageData): SafeHtml {
  const tasks = data.daily.reduce((sum, p) => sum + p.manualTasks + p.aiTasks, 0);
  return html`none of the ${plural(tasks, 'task')} on these days reported a cost, so there is nothing to draw. Send <code>costUsd</code> with each <code>task.completed</code> event (the SDK: <code>taskCompleted({ costUsd })</code>) to see cost per task.`;
}

const tasksOf = (p: DailyPoint) => p.manualTasks + p.aiTasks;

/** A count over the 7 days ending each day, per unit of another (events that come a few a week read as a level, not a saw). */
function rolling7(daily: DailyPoint[], count: (p: DailyPoint) => number, per: (p: DailyPoint) => number): { x: number; y: number | null }[] {
  return daily.map((p, i) => {
    const week = daily.slice(Math.max(0, i - 6), i + 1);
    const denominator = week.reduce((sum, d) => sum + per(d), 0);
    return { x: p.day, y: denominator > 0 ? week.reduce((sum, d) => sum + count(d), 0) / denominator : null };
  });
}

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** The line under a criterion's chart title: its status, target and numbers. */
function criterionNote(c: CriterionResult, card: Scorecard): SafeHtml {
  const compared = CRITERION_METRICS[c.metric].comparesToBaseline ? (card.metrics as Record<string, { baseline?: { estimate: number }; current?: { estimate: number } } | undefined>)[c.metric] : undefined;
  const numbers =
    c.target.kind === 'relativeChange'
      ? `baseline ${valueOf(c.metric, compared?.baseline?.estimate)}, now ${valueOf(c.metric, compared?.current?.estimate)}${typeof c.estimate === 'number' && Number.isFinite(c.estimate) ? ` (${percent(c.estimate, true)})` : ''}`
      : `now ${valueOf(c.metric, c.estimate ?? undefined)}`;
  return html`<p class="chart-note"><span class="badge s-${c.status}">${verdictLabel(c.status)}</span> ${metricInWords(c.metric)} ${targetInWords(c.metric, c.target)}: ${numbers}.</p>`;
}

function chartBlock(key: ChartKey, ctx: ChartContext, warned: ScorecardWarning[]): SafeHtml {
  const { title, body } = chartContent(key, ctx);
  const criteria = ctx.criteria.get(key) ?? [];
  const card = ctx.data.scorecard;
  return html`<div class="chart-block" id="${chartId(key)}" data-chart="${key}" data-criteria="${criteria.map((c) => c.metric).join(' ')}" data-warnings="${warned.map((w) => w.kind).join(' ')}">
<h3>${title}</h3>
${criteria.map((c) => criterionNote(c, card))}${warned.map((w) => html`<p class="chart-note warn">⚠ ${w.message}</p>`)}
${body}
</div>`;
}

/**
 * The charts: first one per criterion (the deciding one first), then one per warning not shown
 * yet, then the before/after context (durations, errors, cost, users, AI share, tasks).
 */
function charts(data: DeploymentPageData): { why: SafeHtml; context: SafeHtml } {
  const { scorecard: card, marks } = data;
  const markers = [
    ...(marks.goLive !== undefined ? [{ x: marks.goLive, label: marks.laterWaves ? 'go-live, wave 1' : 'go-live' }] : []),
    ...(marks.laterWaves ?? []).map((wave) => ({ x: wave.day, label: wave.label })),
    ...(marks.rolledBack !== undefined ? [{ x: marks.rolledBack, label: 'rolled back' }] : []),
  ];
  const spans = marks.goLive !== undefined && marks.rampUpEnd !== undefined ? [{ from: marks.goLive, to: marks.rampUpEnd, label: 'ramp-up (not judged)' }] : [];
  const criteria = new Map<ChartKey, CriterionResult[]>();
  const ordered = [...card.criteria].sort(
    (a, b) => Number(b.metric === card.decidedBy.metric) - Number(a.metric === card.decidedBy.metric) || (STATUS_ORDER[a.status] ?? 9) - (STATUS_ORDER[b.status] ?? 9),
  );
  for (const c of ordered) criteria.set(CHART_OF_METRIC[c.metric], [...(criteria.get(CHART_OF_METRIC[c.metric]) ?? []), c]);
  const ctx: ChartContext = { data, markers, spans, criteria };
  const warningsBy = new Map<ChartKey | 'weekday', ScorecardWarning[]>();
  for (const w of card.warnings) warningsBy.set(chartOfWarning(w), [...(warningsBy.get(chartOfWarning(w)) ?? []), w]);

  const drawn = new Set<ChartKey>(criteria.keys());
  const warnedOnly = [...warningsBy.keys()].filter((k): k is ChartKey => k !== 'weekday' && !drawn.has(k));
  for (const k of warnedOnly) drawn.add(k);
  const any = (pick: (p: DailyPoint) => number) => data.daily.some((p) => pick(p) > 0);
  const costReported = data.daily.some((p) => p.costPerTask !== null);
  const contextKeys = (
    [
      'distribution',
      'errors',
      ...(any((p) => p.downstreamErrors) ? (['downstream'] as const) : []),
      ...(any((p) => p.escalations) ? (['escalations'] as const) : []),
      ...(costReported ? (['cost'] as const) : []),
      'adoption',
      'ai_share',
      ...(any((p) => p.overrides) ? (['overrides'] as const) : []),
      'tasks',
    ] as ChartKey[]
  ).filter((k) => !drawn.has(k));
  const block = (k: ChartKey) => chartBlock(k, ctx, warningsBy.get(k) ?? []);
  const why = html`${
    criteria.size > 0
      ? html`<h2 id="why-charts">Why: each criterion by day</h2>
<p class="muted">One chart per criterion, the deciding one first: its value by day, the baseline’s 95% interval (shaded) and the target (dashed), with go-live marked.</p>
<div class="charts">${[...criteria.keys()].map(block)}</div>`
      : ''
  }${
    warnedOnly.length > 0
      ? html`<h2>What the warnings point at</h2>
<div class="charts">${warnedOnly.map(block)}</div>`
      : ''
  }`;
  const context = html`<h2>Before and after</h2>
<p class="muted">Baseline ${card.windows.baseline ? `${card.windows.baseline.from} to ${card.windows.baseline.to}` : 'not set'}; current window ${card.windows.current ? `${card.windows.current.from} to ${card.windows.current.to}` : card.windows.inRampUp ? 'starts after ramp-up' : 'starts at go-live'}. Adoption: ${plural(card.adoption.activeUsers7d, 'active user')} this week${card.adoption.eligibleUsers !== null ? ` of ${card.adoption.eligibleUsers} eligible` : ''}, ${card.adoption.revertedUsers} reverted to manual work.</p>
<div class="charts">${contextKeys.map(block)}</div>
${costReported || drawn.has('cost') ? '' : html`<p class="empty">Cost per task: ${noCostText(data)}</p>`}`;
  return { why, context };
}

const WEEKDAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Percentages for the legend's ranges, with as many decimals as it takes to tell them apart. */
function distinctPercents(values: number[]): string[] {
  for (let digits = 0; digits < 4; digits += 1) {
    const labels = values.map((v) => `${(v * 100).toFixed(digits)}%`);
    if (new Set(labels).size === labels.length && !labels.includes(`${(0).toFixed(digits)}%`)) return labels;
  }
  return values.map((v) => `${(v * 100).toFixed(4)}%`);
}

function weekdayHours(data: DeploymentPageData): SafeHtml {
  const { grid } = data;
  let worst = 0;
  for (let w = 0; w < 7; w += 1) {
    for (let h = 0; h < 24; h += 1) {
      const tasks = grid.tasks[w]?.[h] ?? 0;
      if (tasks >= 5) worst = Math.max(worst, (grid.errors[w]?.[h] ?? 0) / tasks);
    }
  }
  const anyTasks = grid.tasks.some((row) => row.some((t) => t > 0));
  if (!anyTasks) return html`<p class="empty">No tasks in the last eight weeks.</p>`;
  // Shade 0: no tasks; 1: no errors, or too few tasks to say (one error in two tasks is not a
  // pattern); 2–5: the error ratio in quarters of the worst hour's.
  const upTo = distinctPercents([0.25, 0.5, 0.75, 1].map((q) => q * worst));
  return heatmap({
    label: `Error ratio by weekday and hour in ${data.deployment.timezone}, last eight weeks`,
    rows: WEEKDAY_NAMES,
    columns: Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0')),
    cells: WEEKDAY_NAMES.map((day, w) =>
      Array.from({ length: 24 }, (_, h) => {
        const tasks = grid.tasks[w]?.[h] ?? 0;
        const errors = grid.errors[w]?.[h] ?? 0;
        const ratio = tasks > 0 ? errors / tasks : 0;
        const level = tasks === 0 ? 0 : tasks < 5 || errors === 0 || worst === 0 ? 1 : 1 + Math.min(4, Math.max(1, Math.ceil((ratio / worst) * 4 - 1e-9)));
        return { level, title: `${day} ${String(h).padStart(2, '0')}:00 — ${plural(tasks, 'task')}, ${plural(errors, 'error')}${tasks ? ` (${percent(ratio)})` : ''}` };
      }),
    ),
    legend: [
      { level: 0, label: 'no tasks' },
      { level: 1, label: 'no errors, or under 5 tasks' },
      ...(worst > 0 ? upTo.map((label, i) => ({ level: i + 2, label: `errors up to ${label}` })) : []),
    ],
  });
}

function timelineEntry(event: DeploymentEvent, timeZone: string): { at: string; text: string } {
  switch (event.type) {
    case 'DeploymentRegistered':
      return { at: event.data.registeredAt, text: `Registered by ${event.data.owner.name} (time zone ${event.data.timezone}, ramp-up ${event.data.rampUpDays} days)` };
    case 'CriteriaDefined':
      return { at: event.data.definedAt, text: `Criteria defined: ${event.data.criteria.map((c) => metricInWords(c.metric)).join(', ')}${event.data.reason ? ` — ${event.data.reason}` : ''}` };
    case 'CriteriaRevised':
      return { at: event.data.revisedAt, text: `Criteria revised: ${event.data.criteria.map((c) => metricInWords(c.metric)).join(', ')} — ${event.data.reason}` };
    case 'BaselineWindowSet':
      return { at: event.data.setAt, text: `Baseline window set: ${localTime(event.data.from, timeZone)} to ${localTime(event.data.to, timeZone)}` };
    case 'WentLive':
      return {
        at: event.data.at,
        text: event.data.segments ? `Went live: segment${event.data.segments.length > 1 ? 's' : ''} ${event.data.segments.join(', ')}` : 'Went live',
      };
    case 'RolledBack':
      return { at: event.data.at, text: `Rolled back — ${event.data.reason}` };
    case 'Retired':
      return { at: event.data.at, text: `Retired (${event.data.outcome}) — ${event.data.reason}` };
    case 'IngestKeyIssued':
      return { at: event.data.issuedAt, text: `Ingest key ${event.data.keyId} issued` };
    case 'IngestKeyRevoked':
      return { at: event.data.revokedAt, text: `Ingest key ${event.data.keyId} revoked` };
  }
}

/** Events with the wave number of each segmented go-live (1, 2, …). */
function numberWaves(events: DeploymentEvent[]): { event: DeploymentEvent; wave?: number }[] {
  let waves = 0;
  return events.map((event) => (event.type === 'WentLive' && event.data.segments ? { event, wave: (waves += 1) } : { event }));
}

export function deploymentView(data: DeploymentPageData): SafeHtml {
  const { deployment, scorecard: card, now } = data;
  const warnings = warningsOf(card);
  const zone = deployment.timezone;
  const grafana = data.grafanaUrl ? `${data.grafanaUrl}/d/baseliner-deployment/?var-deployment=${encodeURIComponent(deployment.id)}` : undefined;
  const drawn = charts(data);
  // The scorecard's warnings come first in warningsOf, in order: each links to the chart that shows it.
  const warningLink = (i: number) => {
    const warning = card.warnings[i];
    return warning ? html` <a href="#${chartId(chartOfWarning(warning))}">see the chart</a>` : '';
  };
  return html`<p><a href="/">← All deployments</a></p>
<h1>${deployment.name} <span class="muted">(${deployment.id})</span></h1>
<p><span class="badge v-${card.verdict}">${verdictLabel(card.verdict)}</span> ${card.decidedBy.sentence}${card.decidedBy.metric ? html` <a href="#${chartId(CHART_OF_METRIC[card.decidedBy.metric])}">see the chart</a>` : ''}</p>
${warnings.length ? html`<ul aria-label="Warnings">${warnings.map((w, i) => html`<li class="warn">⚠ ${w}${warningLink(i)}</li>`)}</ul>` : ''}
<div class="summary">
<div>Owner<br><strong>${deployment.owner.name}</strong></div>
<div>Phase<br><strong>${verdictLabel(deployment.phase)}</strong></div>
<div>Went live<br><strong>${deployment.wentLiveAt ? localTime(deployment.wentLiveAt, zone) : '–'}</strong>${deployment.waves && deployment.waves.length > 1 ? html` <span class="muted">(first of ${deployment.waves.length} waves)</span>` : ''}</div>
<div>Compared by<br><strong>${designTag(card.comparison)}</strong></div>
<div>Verdict since<br><strong>${card.verdictSince ?? '–'}</strong></div>
<div>Last event<br><strong>${ago(data.projection.lastEventTime, now)}</strong></div>
<div>Time zone<br><strong>${zone}</strong></div>
</div>
${grafana ? html`<p><a href="${grafana}">Open the Grafana dashboard for ${deployment.id}</a></p>` : ''}
<h2>Criteria</h2>
${criteriaTable(card)}
${drawn.why}
${designPanel(data)}
${drawn.context}
<h2 id="${chartId('weekday')}"${card.warnings.some((w) => w.kind === 'weekday_pattern') ? html` data-warnings="weekday_pattern"` : ''}>Errors by weekday and hour (${zone})</h2>
${card.warnings.filter((w) => w.kind === 'weekday_pattern').map((w) => html`<p class="chart-note warn">⚠ ${w.message}</p>`)}
${weekdayHours(data)}
<h2>Lifecycle</h2>
${lifecycle(data)}`;
}

/**
 * The lifecycle in the order of the dates it describes (a go-live can be recorded weeks after the
 * day it names); an entry recorded more than an hour after its date says when it was recorded.
 */
function lifecycle(data: DeploymentPageData): SafeHtml {
  const zone = data.deployment.timezone;
  const entries = numberWaves(data.history.map(({ event }) => event)).map(({ event, wave }, i) => {
    const entry = timelineEntry(event, zone);
    const recordedAt = data.history[i]?.recordedAt;
    const at = Date.parse(entry.at);
    const late = recordedAt !== undefined && Number.isFinite(at) && recordedAt.getTime() - at > 3_600_000;
    return { ...entry, wave, sortKey: Number.isFinite(at) ? at : (recordedAt?.getTime() ?? 0), recorded: late ? localTime(recordedAt.toISOString(), zone) : undefined };
  });
  entries.sort((a, b) => a.sortKey - b.sortKey);
  return html`<ol class="timeline">
${entries.map(
  (entry) => html`<li><time datetime="${entry.at}">${localTime(entry.at, zone)}</time> <span>${entry.text}${entry.wave ? ` (wave ${entry.wave})` : ''}${entry.recorded ? html` <span class="muted">— recorded ${entry.recorded}</span>` : ''}</span></li>
`,
)}</ol>`;
}
