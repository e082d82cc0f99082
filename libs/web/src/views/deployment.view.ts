import { metricInWords, targetInWords, type DeploymentProjection, type Scorecard } from '@baseliner/analytics';
import { CRITERION_METRICS, isRatioMetric, type CriterionMetric } from '@baseliner/contracts';
import type { DeploymentEvent, RegisteredDeployment } from '@baseliner/domain';
import { html, type SafeHtml } from '../html';
import { designTag, warningsOf } from '../explain';
import type { DailyPoint, DurationDistribution, WeekdayHourGrid } from '../deployment-series';
import { heatmap, lineChart } from './charts';
import { ago, localTime, percent, seconds, usd, verdictLabel } from './format';

export interface DeploymentPageData {
  deployment: RegisteredDeployment;
  projection: DeploymentProjection;
  scorecard: Scorecard;
  daily: DailyPoint[];
  durations: DurationDistribution;
  grid: WeekdayHourGrid;
  history: { event: DeploymentEvent; recordedAt: Date }[];
  /** Day numbers of go-live, the end of ramp-up and the rollback, where they happened. */
  marks: { goLive?: number; rampUpEnd?: number; rolledBack?: number; laterWaves?: { day: number; label: string }[] };
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
  return html`<table class="criteria">
<caption class="muted">Each interval is always-valid at 95%: it holds however often this page is read. It bounds the change for a relative target, the current value for an absolute one.${netCaption(card)}</caption>
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
  return html`<tr><th scope="row">${metricInWords(c.metric)}</th><td>${targetInWords(c.metric, c.target)}</td><td class="num">${baseline}</td><td class="num">${current}</td><td class="num">${change}</td><td class="num">${interval}</td><td><span class="badge s-${c.status}">${verdictLabel(c.status)}</span></td><td>${c.reason}</td></tr>
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

function charts(data: DeploymentPageData): SafeHtml {
  const { daily, scorecard: card, marks, durations } = data;
  const x = (p: DailyPoint) => p.day;
  const dateOf = (day: number) => data.daily[day - (data.daily[0]?.day ?? 0)]?.date.slice(5) ?? '';
  const markers = [
    ...(marks.goLive !== undefined ? [{ x: marks.goLive, label: marks.laterWaves ? 'go-live, wave 1' : 'go-live' }] : []),
    ...(marks.laterWaves ?? []).map((wave) => ({ x: wave.day, label: wave.label })),
    ...(marks.rolledBack !== undefined ? [{ x: marks.rolledBack, label: 'rolled back' }] : []),
  ];
  const spans = marks.goLive !== undefined && marks.rampUpEnd !== undefined ? [{ from: marks.goLive, to: marks.rampUpEnd, label: 'ramp-up' }] : [];
  const errorBaseline = card.metrics.error_ratio?.baseline;
  const costBaseline = card.metrics.cost_per_task?.baseline;
  const band = (estimate: { lower: number; upper: number } | undefined, label: string) =>
    estimate && Number.isFinite(estimate.lower) && Number.isFinite(estimate.upper) ? { lower: Math.max(0, estimate.lower), upper: estimate.upper, label } : undefined;
  const eligible = card.adoption.eligibleUsers;
  const midpoints = durations.edges.slice(0, -1).map((edge, i) => Math.sqrt(edge * (durations.edges[i + 1] as number)));
  return html`<div class="charts">
<div><h3>Daily error ratio</h3>${lineChart({
    label: 'Daily error ratio against the baseline interval',
    series: [{ name: 'error ratio (all modes)', tone: 't-now', points: daily.map((p) => ({ x: x(p), y: p.errorRatio })) }],
    band: band(errorBaseline, 'baseline 95% interval'),
    markers,
    spans,
    formatY: (y) => percent(y),
    formatX: dateOf,
  })}</div>
<div><h3>Task duration, before and after</h3>${lineChart({
    label: 'Distribution of task durations: baseline manual work and current window',
    series: [
      { name: `baseline, manual (${durations.baselineTasks} tasks)`, tone: 't-base', dashed: true, step: true, points: midpoints.map((m, i) => ({ x: m, y: durations.baseline[i] ?? 0 })) },
      { name: `current window (${durations.currentTasks} tasks)`, tone: 't-now', step: true, points: midpoints.map((m, i) => ({ x: m, y: durations.current[i] ?? 0 })) },
    ],
    formatY: (y) => percent(y),
    formatX: (s) => seconds(s),
    logX: true,
  })}</div>
<div><h3>Cost per task</h3>${lineChart({
    label: 'Mean cost per task by day against the baseline interval',
    series: [{ name: 'cost per task', tone: 't-alt', points: daily.map((p) => ({ x: x(p), y: p.costPerTask })) }],
    band: band(costBaseline, 'baseline 95% interval'),
    markers,
    spans,
    formatY: (y) => usd(y),
    formatX: dateOf,
  })}</div>
<div><h3>Adoption: active users (7 days)</h3>${lineChart({
    label: 'Users with AI use in the last 7 days, against the eligible users',
    series: [
      { name: 'active users, 7 days', tone: 't-good', points: daily.map((p) => ({ x: x(p), y: p.activeUsers7d })) },
      ...(eligible !== null ? [{ name: `eligible users (${eligible})`, tone: 't-base', dashed: true, points: daily.map((p) => ({ x: x(p), y: eligible })) }] : []),
    ],
    markers,
    spans,
    formatY: (y) => String(Math.round(y)),
    formatX: dateOf,
  })}</div>
<div><h3>AI task share</h3>${lineChart({
    label: 'Share of tasks done with AI by day',
    series: [{ name: 'AI and assisted tasks over all tasks', tone: 't-now', points: daily.map((p) => ({ x: x(p), y: p.aiShare })) }],
    markers,
    spans,
    formatY: (y) => percent(y),
    formatX: dateOf,
  })}</div>
</div>`;
}

const WEEKDAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

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
  return heatmap({
    label: `Error ratio by weekday and hour in ${data.deployment.timezone}, last eight weeks`,
    rows: WEEKDAY_NAMES,
    columns: Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0')),
    cells: WEEKDAY_NAMES.map((day, w) =>
      Array.from({ length: 24 }, (_, h) => {
        const tasks = grid.tasks[w]?.[h] ?? 0;
        const errors = grid.errors[w]?.[h] ?? 0;
        const ratio = tasks > 0 ? errors / tasks : 0;
        // Hours with a handful of tasks get the lightest shade: one error in two tasks is not a pattern.
        return { shade: tasks === 0 ? 0 : tasks < 5 || worst === 0 ? 0.2 : Math.max(0.2, ratio / worst), title: `${day} ${String(h).padStart(2, '0')}:00 — ${tasks} tasks, ${errors} errors (${percent(tasks ? ratio : null)})` };
      }),
    ),
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
  return html`<p><a href="/">← All deployments</a></p>
<h1>${deployment.name} <span class="muted">(${deployment.id})</span></h1>
<p><span class="badge v-${card.verdict}">${verdictLabel(card.verdict)}</span> ${card.decidedBy.sentence}</p>
${warnings.length ? html`<ul aria-label="Warnings">${warnings.map((w) => html`<li class="warn">⚠ ${w}</li>`)}</ul>` : ''}
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
${designPanel(data)}
<h2>Before and after</h2>
<p class="muted">Baseline ${card.windows.baseline ? `${card.windows.baseline.from} to ${card.windows.baseline.to}` : 'not set'}; current window ${card.windows.current ? `${card.windows.current.from} to ${card.windows.current.to}` : card.windows.inRampUp ? 'starts after ramp-up' : 'starts at go-live'}. Adoption: ${card.adoption.activeUsers7d} active users this week${card.adoption.eligibleUsers !== null ? ` of ${card.adoption.eligibleUsers} eligible` : ''}, ${card.adoption.revertedUsers} reverted to manual work.</p>
${charts(data)}
<h2>Errors by weekday and hour (${zone})</h2>
${weekdayHours(data)}
<h2>Lifecycle</h2>
<ol class="timeline">
${numberWaves(data.history.map(({ event }) => event)).map(({ event, wave }) => {
  const entry = timelineEntry(event, zone);
  return html`<li><time datetime="${entry.at}">${localTime(entry.at, zone)}</time> ${entry.text}${wave ? ` (wave ${wave})` : ''}</li>
`;
})}</ol>`;
}
