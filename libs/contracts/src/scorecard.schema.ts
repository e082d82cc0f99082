import { Type, type Static, type TNumber, type TOptional, type TSchema } from '@sinclair/typebox';
import { DeploymentPhase } from './control-api.schema';
import { CRITERION_METRIC_IDS, CRITERION_METRICS, type CriterionMetric } from './criteria';
import './formats';

// The JSON of GET /v1/deployments/{id}/scorecard. The projector builds it in
// libs/analytics/src/scorecard.ts (`Scorecard`); test/e2e/openapi-routes.e2e.spec.ts checks at
// compile time that that type fits this schema, and validates a served scorecard against it.

const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339 timestamp' });
const LocalDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Local date (the deployment’s time zone), YYYY-MM-DD' });
const Count = Type.Integer({ minimum: 0 });
// JSON has no Infinity or NaN: an interval side that the data cannot bound, or a value with
// nothing to compute it from, is serialised as null.
const Bound = Type.Union([Type.Number(), Type.Null()], { description: 'null when the data cannot bound this side' });

const VERDICT_IDS = ['pending', 'insufficient_data', 'inconclusive', 'works', 'failing', 'rolled_back', 'retired'] as const;
const verdict = (description: string) => Type.Union(VERDICT_IDS.map((v) => Type.Literal(v)), { description });
export const DeploymentVerdict = verdict(
  'pending (not live, or in ramp-up), then by precedence failing > inconclusive > insufficient_data > works; rolled_back and retired override all',
);
export type DeploymentVerdict = Static<typeof DeploymentVerdict>;

const CriterionMetricId = Type.Union(CRITERION_METRIC_IDS.map((m) => Type.Literal(m)));
type ComparedMetricId = { [M in CriterionMetric]: (typeof CRITERION_METRICS)[M]['comparesToBaseline'] extends true ? M : never }[CriterionMetric];
const COMPARED_METRIC_IDS = CRITERION_METRIC_IDS.filter((m): m is ComparedMetricId => CRITERION_METRICS[m].comparesToBaseline);
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const byWeekday = <T extends TSchema>(value: T) => Type.Object(Object.fromEntries(WEEKDAYS.map((day) => [day, value])) as Record<(typeof WEEKDAYS)[number], T>, { additionalProperties: false });

const Estimate = Type.Object(
  {
    estimate: Type.Union([Type.Number(), Type.Null()], { description: 'null when there is nothing to estimate from' }),
    lower: Bound,
    upper: Bound,
    n: Type.Number({ minimum: 0, description: 'Sample size behind the estimate (tasks, or users for adoption and reversion)' }),
  },
  { additionalProperties: false, description: 'A value with its always-valid 95% interval' },
);

const Change = Type.Object(
  { estimate: Type.Number(), lower: Bound, upper: Bound },
  { additionalProperties: false, description: 'Relative change current vs baseline (-0.3 = 30% lower) with its interval' },
);

const MetricComparison = Type.Object(
  { baseline: Type.Optional(Estimate), current: Type.Optional(Estimate), change: Type.Optional(Change) },
  { additionalProperties: false, description: 'Absent sides have no data; change needs both' },
);

const WindowSummary = Type.Object(
  {
    from: LocalDate,
    to: LocalDate,
    days: Count,
    daysWithTasks: Type.Integer({ minimum: 0, description: 'Days with at least one task of the window’s modes' }),
    tasks: Type.Object({ ai: Count, assisted: Count, manual: Count }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

const Adoption = Type.Object(
  {
    activeUsers7d: Count,
    activeUsers28d: Count,
    eligibleUsers: Type.Union([Count, Type.Null()], { description: 'Declared on the deployment, else distinct actors seen doing tasks in the last 28 days' }),
    adoptionRatio: Type.Union([Type.Number(), Type.Null()]),
    adoptionInterval: Type.Union([Estimate, Type.Null()], {
      description:
        'With declared eligible users, the lowest and highest weekly active share of the last three weeks (a census judged as a habit; null until three weeks since go-live); without, the always-valid Wilson interval over the users seen',
    }),
    weeklyActiveUsers: Type.Optional(
      Type.Array(Count, { description: 'Active users in each of the last whole weeks since go-live, the latest first (declared eligible users only)' }),
    ),
    adoptionDropRatio: Type.Union([Type.Number(), Type.Null()], { description: '1 − active users (7d) now / peak 7-day active users within the last 28 days' }),
    peakActiveUsers7d: Count,
    aiTaskShare: Type.Union([Estimate, Type.Null()]),
    reversionRatio: Type.Union([Type.Number(), Type.Null()], {
      description: 'Adopters with no AI use for 14 days who kept doing the work manually, over recently active adopters',
    }),
    reversionInterval: Type.Union([Estimate, Type.Null()], { description: 'Wilson over the recently active adopters' }),
    revertedUsers: Count,
    recentAdopters: Count,
    overrideRatio: Type.Union([Estimate, Type.Null()]),
    disables7d: Count,
  },
  { additionalProperties: false },
);

const WeekdayPattern = Type.Object(
  {
    errorRatio: byWeekday(Type.Union([Type.Number(), Type.Null()], { description: 'Error ratio per local weekday over the last 8 weeks (descriptive)' })),
    tasks: byWeekday(Count),
    anomaly: byWeekday(Type.Boolean({ description: 'That weekday’s error ratio is significantly and repeatedly above the other days’' })),
    weeksTested: Type.Integer({ minimum: 0, description: 'Whole weeks after ramp-up the test used; 0 = not tested yet' }),
    overdispersion: Type.Number({ description: 'Between-day overdispersion of errors the test allowed for (1 = binomial)' }),
    testedTasks: byWeekday(Type.Integer({ minimum: 0, description: 'Tasks per weekday over the whole weeks tested (0 when not tested)' })),
    testedErrors: byWeekday(Type.Integer({ minimum: 0, description: 'Errors (error or rework) per weekday over the whole weeks tested' })),
  },
  { additionalProperties: false },
);

const SampleSizes = Type.Object({ baseline: Type.Optional(Count), current: Type.Optional(Count) }, { additionalProperties: false });

const CriterionResult = Type.Object(
  {
    metric: CriterionMetricId,
    target: Type.Object(
      { kind: Type.Union([Type.Literal('relativeChange'), Type.Literal('atMost'), Type.Literal('atLeast')]), value: Type.Number() },
      { additionalProperties: false },
    ),
    status: Type.Union([Type.Literal('met'), Type.Literal('not_met'), Type.Literal('inconclusive'), Type.Literal('insufficient_data')]),
    estimate: Type.Optional(Type.Union([Type.Number(), Type.Null()], { description: 'The number judged: a relative change or the current value' })),
    lower: Type.Optional(Bound),
    upper: Type.Optional(Bound),
    n: Type.Optional(SampleSizes),
    days: Type.Optional(SampleSizes),
    reason: Type.String({ description: 'Why, in words' }),
  },
  { additionalProperties: false },
);

const CriterionTarget = Type.Object(
  { kind: Type.Union([Type.Literal('relativeChange'), Type.Literal('atMost'), Type.Literal('atLeast')]), value: Type.Number() },
  { additionalProperties: false },
);

const VerdictExplanation = Type.Object(
  {
    metric: Type.Optional(CriterionMetricId),
    status: Type.Optional(Type.Union([Type.Literal('met'), Type.Literal('not_met'), Type.Literal('inconclusive'), Type.Literal('insufficient_data')])),
    target: Type.Optional(CriterionTarget),
    estimate: Type.Optional(Type.Union([Type.Number(), Type.Null()], { description: 'The number judged: a relative change or the current value' })),
    lower: Type.Optional(Bound),
    upper: Type.Optional(Bound),
    missing: Type.Optional(Type.String({ description: 'insufficient_data: what is missing, in words' })),
    daysToVerdict: Type.Optional(Type.Number({ minimum: 0, description: 'Days until this criterion is conclusive, where estimable' })),
    sentence: Type.String({ description: 'One line, e.g. "error ratio +236% (95% interval +180% to +290%) vs must not rise by more than 10%"' }),
    short: Type.String({ description: 'A few words for a table cell, e.g. "errors +236% vs ≤+10%"' }),
  },
  {
    additionalProperties: false,
    description:
      'Why the verdict is what it is. The deciding criterion: failing, the one that misses its target by most; works, the headline win (the change against the baseline furthest beyond its target; a level such as adoption only when no change is met), with the closest call named second in the sentence; inconclusive, the one furthest from being decided; insufficient_data, the one needing the most days. No criterion for pending, rolled_back, retired.',
  },
);

// One object with the fields of every kind (optional where only some kinds have them).
const ScorecardWarning = Type.Object(
  {
    kind: Type.Union(
      [
        Type.Literal('weekday_pattern'),
        Type.Literal('adoption_drop'),
        Type.Literal('downstream_shift'),
        Type.Literal('silent'),
        Type.Literal('baseline_drift'),
        Type.Literal('volume_shift'),
        Type.Literal('mix_shift'),
      ],
      {
        description:
          'weekday_pattern: a local weekday fails significantly more (baseliner_weekday_anomaly); adoption_drop: active users (7d) below half of their peak in the last 28 days; downstream_shift: errors significantly down at the step and up downstream; silent: a live deployment with no events for over 24 hours — the same thresholds as the alert rules. Before/after only (no comparison segment): baseline_drift: the error ratio or median duration trended through the baseline (≥ 10% over it, beyond doubt); volume_shift: tasks per day changed at go-live (≥ ×1.25 or ≤ ×0.8, beyond doubt); mix_shift: a segment’s share of tasks changed at go-live (≥ 10 points, beyond doubt)',
      },
    ),
    message: Type.String({ description: 'One line for people' }),
    short: Type.String({ description: 'A few words for a table cell' }),
    weekday: Type.Optional(Type.Union(WEEKDAYS.map((d) => Type.Literal(d)), { description: 'weekday_pattern' })),
    errorRatio: Type.Optional(Type.Number({ description: 'weekday_pattern: that weekday’s error ratio over the whole weeks tested' })),
    otherDaysErrorRatio: Type.Optional(Type.Number({ description: 'weekday_pattern: the other six days’ error ratio over the same weeks' })),
    weeksTested: Type.Optional(Count),
    dropRatio: Type.Optional(Type.Number({ description: 'adoption_drop: 1 − active users (7d) / peak' })),
    activeUsers7d: Type.Optional(Count),
    peakActiveUsers7d: Type.Optional(Count),
    errorChange: Type.Optional(Type.Number({ description: 'downstream_shift: relative change of the error ratio' })),
    downstreamErrorChange: Type.Optional(Type.Number({ description: 'downstream_shift: relative change of the downstream error ratio' })),
    silentHours: Type.Optional(Type.Union([Count, Type.Null()], { description: 'silent: hours since the last event; null when live with no events yet' })),
    lastEventAt: Type.Optional(Timestamp),
    metric: Type.Optional(Type.Union([Type.Literal('error_ratio'), Type.Literal('task_duration_p50')], { description: 'baseline_drift: the metric that drifted' })),
    earlier: Type.Optional(Type.Number({ description: 'baseline_drift: a straight line through the baseline’s days, at its first day' })),
    later: Type.Optional(Type.Number({ description: 'baseline_drift: the same line at the baseline’s last day' })),
    change: Type.Optional(
      Type.Union([Type.Number(), Type.Null()], {
        description:
          'baseline_drift: later / earlier − 1 (null when the line starts at or below 0); volume_shift: ratio of tasks per day − 1; mix_shift: change of the segment’s share (0.1 = 10 points)',
      }),
    ),
    changeLower: Type.Optional(Type.Union([Type.Number(), Type.Null()], { description: 'baseline_drift, volume_shift, mix_shift: lower end of the change’s interval; null when unbounded' })),
    changeUpper: Type.Optional(Type.Union([Type.Number(), Type.Null()], { description: 'baseline_drift, volume_shift, mix_shift: upper end of the change’s interval; null when unbounded' })),
    baselineTasksPerDay: Type.Optional(Type.Number({ minimum: 0, description: 'volume_shift: tasks per day with tasks, whole weeks of the baseline' })),
    currentTasksPerDay: Type.Optional(Type.Number({ minimum: 0, description: 'volume_shift: tasks per day with tasks, whole weeks of the current window' })),
    segment: Type.Optional(Type.String({ description: 'mix_shift: the segment whose share moved most' })),
    baselineShare: Type.Optional(Type.Number({ description: 'mix_shift: its share of the tasks naming a segment, before go-live' })),
    currentShare: Type.Optional(Type.Number({ description: 'mix_shift: its share now' })),
    totalVariation: Type.Optional(Type.Number({ description: 'mix_shift: total-variation distance between the mixes before and now' })),
  },
  { additionalProperties: false, description: 'Worth a look whatever the verdict' },
);

const ComparisonSummary = Type.Object(
  {
    design: Type.Union([Type.Literal('difference_in_differences'), Type.Literal('before_after')], {
      description:
        'difference_in_differences: the live segments’ change net of the change of segments not live on the same calendar days; before_after: current window vs baseline window, everything that changed at go-live credited to the AI',
    }),
    liveSegments: Type.Array(Type.String(), { description: 'Segments judged: live (past ramp-up) on some day of the current window. Empty for before_after' }),
    comparisonSegments: Type.Array(Type.String(), { description: 'Segments not live on those days, whose change over the same calendar days is netted out' }),
    pairedDays: Type.Integer({ minimum: 0, description: 'Days of the current window with tasks in both the live and the comparison segments' }),
    netMetrics: Type.Array(Type.Union(COMPARED_METRIC_IDS.map((m) => Type.Literal(m))), {
      description: 'Metrics judged net of the comparison; the others stay before/after (escalations and downstream errors carry no segment)',
    }),
    comparisonChanges: Type.Optional(
      Type.Object(Object.fromEntries(COMPARED_METRIC_IDS.map((metric) => [metric, Type.Optional(Type.Number())])) as Record<ComparedMetricId, TOptional<TNumber>>, {
        additionalProperties: false,
        description: 'The comparison segments’ own relative change over the same days (point estimates): what the net change removed',
      }),
    ),
    assumes: Type.String({ description: 'What the design assumes, in one line' }),
  },
  { additionalProperties: false, description: 'Which design produced the changes judged (contract §2 Comparison v3)' },
);

export const ScorecardResponse = Type.Object(
  {
    deploymentId: Type.String(),
    evaluatedAt: Timestamp,
    phase: DeploymentPhase,
    verdict: verdict('Held once reached: it changes from works to failing (or back) only on evidence as strong as the first; see verdictSince'),
    verdictSince: Type.Optional(LocalDate),
    criteriaVerdict: verdict('What the criteria say at this moment, before the hold rule'),
    daysToVerdict: Type.Optional(
      Type.Number({ minimum: 0, description: 'Days until every criterion is conclusive at the current effect and volume; absent when not estimable' }),
    ),
    intervals: Type.Object(
      { confidence: Type.Number(), alwaysValid: Type.Literal(true), multiplier: Type.Number(), unit: Type.Literal('day') },
      { additionalProperties: false, description: 'How the intervals were drawn' },
    ),
    windows: Type.Object(
      { baseline: Type.Optional(WindowSummary), current: Type.Optional(WindowSummary), inRampUp: Type.Boolean() },
      { additionalProperties: false },
    ),
    metrics: Type.Object(
      Object.fromEntries(COMPARED_METRIC_IDS.map((metric) => [metric, MetricComparison])) as Record<ComparedMetricId, typeof MetricComparison>,
      { additionalProperties: false, description: 'Before/after of each metric compared with the baseline' },
    ),
    comparison: ComparisonSummary,
    adoption: Adoption,
    weekday: WeekdayPattern,
    criteria: Type.Array(CriterionResult),
    decidedBy: VerdictExplanation,
    warnings: Type.Array(ScorecardWarning),
    flags: Type.Object(
      { criteriaRevisedAfterGoLive: Type.Boolean(), baselineThin: Type.Boolean(), silentFor24h: Type.Boolean() },
      { additionalProperties: false },
    ),
    lastEventAt: Type.Optional(Timestamp),
  },
  { additionalProperties: false, $id: 'Scorecard', description: 'Everything Baseliner says about one deployment now; docs/statistics.md explains the method' },
);
export type ScorecardResponse = Static<typeof ScorecardResponse>;
