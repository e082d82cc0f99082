// Prometheus recording and alert rules for Baseliner, generated from this one place.
// `npm run dashboards` writes dashboards/generated/baseliner-rules.yaml; CI fails on drift.
// Metric names and thresholds come from @baseliner/contracts, never retyped here.
import { ALERT_THRESHOLDS as T, METRIC_NAMES as M } from '@baseliner/contracts';

const RUNBOOK = 'https://github.com/baseliner/baseliner/blob/main/docs/runbooks.md';

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  severity: 'page' | 'warning' | 'info';
  summary: string;
  description: string;
  /** Anchor of its section in docs/runbooks.md. */
  runbook: string;
}

const live = `on (deployment) (${M.deploymentPhase}{phase="live"} == 1)`;

/** The series the recording rules below add; the dashboards chart some of them. */
export const RECORDED = {
  eventsReceivedRate: 'baseliner:events_received:rate5m',
  eventsRejectedRate: 'baseliner:events_rejected:rate5m',
  eventsRejectedRatio: 'baseliner:events_rejected:ratio_rate5m',
  deploymentSilence: 'baseliner:deployment_silence:seconds',
  kafkaConsumerLagSum: 'baseliner:kafka_consumer_lag:sum',
} as const;

export const RECORDING_RULES = [
  { record: RECORDED.eventsReceivedRate, expr: `sum by (result) (rate(${M.eventsReceived}[5m]))` },
  { record: RECORDED.eventsRejectedRate, expr: `sum by (reason) (rate(${M.eventsRejected}[5m]))` },
  {
    record: RECORDED.eventsRejectedRatio,
    expr: `sum(rate(${M.eventsReceived}{result="rejected"}[5m])) / sum(rate(${M.eventsReceived}[5m]))`,
  },
  { record: RECORDED.deploymentSilence, expr: `time() - ${M.lastEvent}` },
  // Every Kafka intake replica reports the whole group's lag: one figure per partition, then the topic's sum.
  { record: RECORDED.kafkaConsumerLagSum, expr: `sum by (topic) (max by (topic, partition) (${M.kafkaConsumerLag}))` },
];

export const ALERT_RULES: AlertRule[] = [
  {
    alert: 'BaselinerAdoptionDroppedOff',
    expr: `${M.adoptionDropRatio} > ${T.adoptionDropRatio} and ${live}`,
    for: '6h',
    severity: 'page',
    summary: 'Adoption of {{ $labels.deployment }} dropped by {{ $value | humanizePercentage }} from its recent peak',
    description:
      'Weekly active users of {{ $labels.deployment }} are less than half of their peak in the last 28 days: people are going back to the old way. Talk to them before the renewal does.',
    runbook: 'adoption-dropped-off',
  },
  {
    alert: 'BaselinerAdoptionBelowTarget',
    expr: `${M.criterionStatus}{criterion="adoption_ratio",status="not_met"} == 1`,
    for: '3d',
    severity: 'warning',
    summary: 'Adoption of {{ $labels.deployment }} has been below its target for 3 days',
    description: 'The adoption criterion of {{ $labels.deployment }} is not met after ramp-up.',
    runbook: 'adoption-below-target',
  },
  {
    alert: 'BaselinerDeploymentSilent',
    expr: `${RECORDED.deploymentSilence} > ${T.deploymentSilentSeconds} and ${live}`,
    for: '1h',
    severity: 'warning',
    summary: `{{ $labels.deployment }} has sent no events for over ${T.deploymentSilentSeconds / 3600} hours`,
    description: 'A live deployment went quiet: its integration may be broken, or it was switched off without a word.',
    runbook: 'deployment-silent',
  },
  {
    alert: 'BaselinerVerdictFailing',
    expr: `${M.deploymentVerdict}{verdict="failing"} == 1`,
    for: '6h',
    severity: 'warning',
    summary: '{{ $labels.deployment }} is failing its success criteria',
    description: 'At least one criterion of {{ $labels.deployment }} is not met beyond doubt (always-valid 95% interval, corrected for the number of criteria). Fix it, or kill it: killing is progress too.',
    runbook: 'verdict-failing',
  },
  {
    alert: 'BaselinerErrorsShiftedDownstream',
    expr:
      `${M.changeRatio}{metric="error_ratio",bound="upper"} < 0 and on (deployment) ${M.changeRatio}{metric="downstream_error_ratio",bound="lower"} > 0`,
    for: '1d',
    severity: 'warning',
    summary: '{{ $labels.deployment }} moved its errors downstream',
    description: 'Errors at the AI step are significantly down while errors found downstream are significantly up.',
    runbook: 'errors-shifted-downstream',
  },
  {
    alert: 'BaselinerWeekdayFailurePattern',
    expr: `${M.weekdayAnomaly} == 1`,
    for: '1h',
    severity: 'warning',
    summary: '{{ $labels.deployment }} fails more on {{ $labels.weekday }}',
    description: 'The error ratio on {{ $labels.weekday }} (deployment time) is significantly above the other days over the whole weeks since ramp-up (up to 8), in at least two of them.',
    runbook: 'weekday-failure-pattern',
  },
  {
    alert: 'BaselinerReversionHigh',
    expr: `${M.reversionRatio} > ${T.reversionRatio} and ${live}`,
    for: '1d',
    severity: 'warning',
    summary: '{{ $value | humanizePercentage }} of adopters of {{ $labels.deployment }} went back to the old way',
    description: 'Adopters with no AI use for 14 days who kept doing the work manually.',
    runbook: 'reversion-high',
  },
  {
    alert: 'BaselinerStillNeedsItsBuilders',
    expr: `${M.escalationRatio}{window="current",to="builder"} > ${T.builderEscalationRatio} and ${live}`,
    for: '7d',
    severity: 'info',
    summary: '{{ $labels.deployment }} still needs its builders for {{ $value | humanizePercentage }} of tasks',
    description: 'Escalations to the people who built the system are not trending to zero.',
    runbook: 'still-needs-its-builders',
  },
  {
    alert: 'BaselinerIntakeRejecting',
    expr: `${RECORDED.eventsRejectedRatio} > ${T.intakeRejectedRatio}`,
    for: '15m',
    severity: 'warning',
    summary: 'Baseliner rejects {{ $value | humanizePercentage }} of incoming events',
    description: `A deployed system sends events Baseliner refuses; see ${M.eventsRejected} by reason.`,
    runbook: 'intake-rejecting',
  },
  {
    alert: 'BaselinerProjectionLagging',
    expr: `${M.projectionLag} > ${T.projectionLagSeconds}`,
    for: '10m',
    severity: 'page',
    summary: 'Baseliner’s numbers are {{ $value | humanizeDuration }} behind its events',
    description: `The projector has not folded in events stored over ${T.projectionLagSeconds / 60} minutes ago: verdicts and metrics are stale.`,
    runbook: 'projection-lagging',
  },
  {
    alert: 'BaselinerKafkaLagGrowing',
    expr: `${RECORDED.kafkaConsumerLagSum} > ${T.kafkaConsumerLagRecords} and delta(${RECORDED.kafkaConsumerLagSum}[10m]) > 0`,
    for: '10m',
    severity: 'warning',
    summary: 'The Kafka intake is {{ $value | humanize }} records behind on {{ $labels.topic }}, and falling further behind',
    description: 'Records arrive on the topic faster than the Kafka intake stores them (or it stopped): verdicts will go stale.',
    runbook: 'kafka-lag-growing',
  },
];

export function rulesDocument(): Record<string, unknown> {
  return {
    groups: [
      { name: 'baseliner.recording', rules: RECORDING_RULES },
      {
        name: 'baseliner.alerts',
        rules: ALERT_RULES.map((rule) => ({
          alert: rule.alert,
          expr: rule.expr,
          for: rule.for,
          labels: { severity: rule.severity },
          annotations: { summary: rule.summary, description: rule.description, runbook_url: `${RUNBOOK}#${rule.runbook}` },
        })),
      },
    ],
  };
}
