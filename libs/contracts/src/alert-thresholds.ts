// The thresholds of the alert rules (dashboards/src/rules.ts), in one place, like
// kubernetes-mixin's _config. The scorecard's warnings (libs/analytics) use the same figures, so
// a scorecard warns about exactly what would page someone.
export const ALERT_THRESHOLDS = {
  /** BaselinerAdoptionDroppedOff: 7-day active users below half of their peak in the last 28 days. */
  adoptionDropRatio: 0.5,
  /** BaselinerDeploymentSilent: a live deployment with no events for a day. */
  deploymentSilentSeconds: 86_400,
  /** BaselinerReversionHigh: share of adopters who went back to the old way. */
  reversionRatio: 0.3,
  /** BaselinerStillNeedsItsBuilders: escalations to the builders per task. */
  builderEscalationRatio: 0.02,
  /** BaselinerIntakeRejecting: share of incoming events refused over 5 minutes. */
  intakeRejectedRatio: 0.05,
  /** BaselinerProjectionLagging: age of the oldest stored event not yet projected. */
  projectionLagSeconds: 300,
  /** BaselinerKafkaLagGrowing: records behind on a topic, and still growing over 10 minutes. */
  kafkaConsumerLagRecords: 1_000,
  /** The portfolio's kill list: failing for longer than this. */
  killListFailingDays: 14,
} as const;
