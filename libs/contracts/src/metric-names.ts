// Every metric name Baseliner exposes or charts, in one place: the metric definitions (projector,
// intake, Kafka intake), the dashboards and the alert rules import them from here, so a rename
// cannot leave a panel or an alert watching a series that no longer exists.

/** Metrics Baseliner itself exposes on /metrics (contract §3, plus the operational ones). */
export const METRIC_NAMES = {
  // Per deployment, rendered by the projector.
  deploymentInfo: 'baseliner_deployment_info',
  deploymentPhase: 'baseliner_deployment_phase',
  deploymentVerdict: 'baseliner_deployment_verdict',
  verdictSince: 'baseliner_verdict_since_timestamp_seconds',
  criterionStatus: 'baseliner_criterion_status',
  liveSince: 'baseliner_live_since_timestamp_seconds',
  lastEvent: 'baseliner_last_event_timestamp_seconds',
  tasks: 'baseliner_tasks',
  taskDuration: 'baseliner_task_duration_seconds',
  errorRatio: 'baseliner_error_ratio',
  escalationRatio: 'baseliner_escalation_ratio',
  downstreamErrorRatio: 'baseliner_downstream_error_ratio',
  costPerTask: 'baseliner_cost_per_task_usd',
  changeRatio: 'baseliner_change_ratio',
  activeUsers: 'baseliner_active_users',
  eligibleUsers: 'baseliner_eligible_users',
  adoptionRatio: 'baseliner_adoption_ratio',
  adoptionDropRatio: 'baseliner_adoption_drop_ratio',
  aiTaskShareRatio: 'baseliner_ai_task_share_ratio',
  reversionRatio: 'baseliner_reversion_ratio',
  overrideRatio: 'baseliner_override_ratio',
  disables: 'baseliner_disables',
  weekdayErrorRatio: 'baseliner_weekday_error_ratio',
  weekdayAnomaly: 'baseliner_weekday_anomaly',
  verdictEta: 'baseliner_verdict_eta_days',
  comparisonDesign: 'baseliner_comparison_design',
  // Intake (HTTP, Kafka and OTLP).
  eventsReceived: 'baseliner_events_received_total',
  eventsRejected: 'baseliner_events_rejected_total',
  // Projector.
  projectionLag: 'baseliner_projection_lag_seconds',
  projectorShards: 'baseliner_projector_shards',
  projectorShardsConfigured: 'baseliner_projector_shards_configured',
  // Kafka intake (only where it runs).
  kafkaConsumerLag: 'baseliner_kafka_consumer_lag',
  kafkaDeadLetters: 'baseliner_kafka_dead_letters_total',
  // OTLP intake.
  otlpRecordsIgnored: 'baseliner_otlp_records_ignored_total',
} as const;

export type MetricName = (typeof METRIC_NAMES)[keyof typeof METRIC_NAMES];

/** prom-client's default process metrics (collectDefaultMetrics) that the dashboards chart. */
export const PROCESS_METRIC_NAMES = {
  cpuSeconds: 'process_cpu_seconds_total',
  residentMemory: 'process_resident_memory_bytes',
  eventLoopLagP99: 'nodejs_eventloop_lag_p99_seconds',
} as const;

/** Series Prometheus records itself for every scrape target. */
export const SCRAPE_METRIC_NAMES = {
  duration: 'scrape_duration_seconds',
} as const;
