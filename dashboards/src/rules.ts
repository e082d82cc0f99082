// Prometheus recording and alert rules for Baseliner, generated from this one place.
// `npm run dashboards` writes dashboards/generated/baseliner-rules.yaml; CI fails on drift.

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

const live = 'on (deployment) (baseliner_deployment_phase{phase="live"} == 1)';

export const RECORDING_RULES = [
  { record: 'baseliner:events_received:rate5m', expr: 'sum by (result) (rate(baseliner_events_received_total[5m]))' },
  { record: 'baseliner:events_rejected:rate5m', expr: 'sum by (reason) (rate(baseliner_events_rejected_total[5m]))' },
  {
    record: 'baseliner:events_rejected:ratio_rate5m',
    expr: 'sum(rate(baseliner_events_received_total{result="rejected"}[5m])) / sum(rate(baseliner_events_received_total[5m]))',
  },
  { record: 'baseliner:deployment_silence:seconds', expr: `time() - baseliner_last_event_timestamp_seconds` },
  // Every Kafka intake replica reports the whole group's lag: one figure per partition, then the topic's sum.
  { record: 'baseliner:kafka_consumer_lag:sum', expr: 'sum by (topic) (max by (topic, partition) (baseliner_kafka_consumer_lag))' },
];

export const ALERT_RULES: AlertRule[] = [
  {
    alert: 'BaselinerAdoptionDroppedOff',
    expr: `baseliner_adoption_drop_ratio > 0.5 and ${live}`,
    for: '6h',
    severity: 'page',
    summary: 'Adoption of {{ $labels.deployment }} dropped by {{ $value | humanizePercentage }} from its recent peak',
    description:
      'Weekly active users of {{ $labels.deployment }} are less than half of their peak in the last 28 days: people are going back to the old way. Talk to them before the renewal does.',
    runbook: 'adoption-dropped-off',
  },
  {
    alert: 'BaselinerAdoptionBelowTarget',
    expr: 'baseliner_criterion_status{criterion="adoption_ratio",status="not_met"} == 1',
    for: '3d',
    severity: 'warning',
    summary: 'Adoption of {{ $labels.deployment }} has been below its target for 3 days',
    description: 'The adoption criterion of {{ $labels.deployment }} is not met after ramp-up.',
    runbook: 'adoption-below-target',
  },
  {
    alert: 'BaselinerDeploymentSilent',
    expr: `baseliner:deployment_silence:seconds > 86400 and ${live}`,
    for: '1h',
    severity: 'warning',
    summary: '{{ $labels.deployment }} has sent no events for over 24 hours',
    description: 'A live deployment went quiet: its integration may be broken, or it was switched off without a word.',
    runbook: 'deployment-silent',
  },
  {
    alert: 'BaselinerVerdictFailing',
    expr: 'baseliner_deployment_verdict{verdict="failing"} == 1',
    for: '6h',
    severity: 'warning',
    summary: '{{ $labels.deployment }} is failing its success criteria',
    description: 'At least one criterion of {{ $labels.deployment }} is not met beyond doubt (always-valid 95% interval, corrected for the number of criteria). Fix it, or kill it: killing is progress too.',
    runbook: 'verdict-failing',
  },
  {
    alert: 'BaselinerErrorsShiftedDownstream',
    expr:
      'baseliner_change_ratio{metric="error_ratio",bound="upper"} < 0 and on (deployment) baseliner_change_ratio{metric="downstream_error_ratio",bound="lower"} > 0',
    for: '1d',
    severity: 'warning',
    summary: '{{ $labels.deployment }} moved its errors downstream',
    description: 'Errors at the AI step are significantly down while errors found downstream are significantly up.',
    runbook: 'errors-shifted-downstream',
  },
  {
    alert: 'BaselinerWeekdayFailurePattern',
    expr: 'baseliner_weekday_anomaly == 1',
    for: '1h',
    severity: 'warning',
    summary: '{{ $labels.deployment }} fails more on {{ $labels.weekday }}',
    description: 'The error ratio on {{ $labels.weekday }} (deployment time) is significantly above the other days over the whole weeks since ramp-up (up to 8), in at least two of them.',
    runbook: 'weekday-failure-pattern',
  },
  {
    alert: 'BaselinerReversionHigh',
    expr: `baseliner_reversion_ratio > 0.3 and ${live}`,
    for: '1d',
    severity: 'warning',
    summary: '{{ $value | humanizePercentage }} of adopters of {{ $labels.deployment }} went back to the old way',
    description: 'Adopters with no AI use for 14 days who kept doing the work manually.',
    runbook: 'reversion-high',
  },
  {
    alert: 'BaselinerStillNeedsItsBuilders',
    expr: `baseliner_escalation_ratio{window="current",to="builder"} > 0.02 and ${live}`,
    for: '7d',
    severity: 'info',
    summary: '{{ $labels.deployment }} still needs its builders for {{ $value | humanizePercentage }} of tasks',
    description: 'Escalations to the people who built the system are not trending to zero.',
    runbook: 'still-needs-its-builders',
  },
  {
    alert: 'BaselinerIntakeRejecting',
    expr: 'baseliner:events_rejected:ratio_rate5m > 0.05',
    for: '15m',
    severity: 'warning',
    summary: 'Baseliner rejects {{ $value | humanizePercentage }} of incoming events',
    description: 'A deployed system sends events Baseliner refuses; see baseliner_events_rejected_total by reason.',
    runbook: 'intake-rejecting',
  },
  {
    alert: 'BaselinerProjectionLagging',
    expr: 'baseliner_projection_lag_seconds > 300',
    for: '10m',
    severity: 'page',
    summary: 'Baseliner’s numbers are {{ $value | humanizeDuration }} behind its events',
    description: 'The projector has not folded in events stored over 5 minutes ago: verdicts and metrics are stale.',
    runbook: 'projection-lagging',
  },
  {
    alert: 'BaselinerKafkaLagGrowing',
    expr: 'baseliner:kafka_consumer_lag:sum > 1000 and delta(baseliner:kafka_consumer_lag:sum[10m]) > 0',
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
