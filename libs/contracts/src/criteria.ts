/** The metrics a success criterion can name, with the direction that counts as better. */
export const CRITERION_METRICS = {
  task_duration_p50: { better: 'lower', comparesToBaseline: true },
  task_duration_p90: { better: 'lower', comparesToBaseline: true },
  error_ratio: { better: 'lower', comparesToBaseline: true },
  escalation_ratio: { better: 'lower', comparesToBaseline: true },
  builder_escalation_ratio: { better: 'lower', comparesToBaseline: true },
  downstream_error_ratio: { better: 'lower', comparesToBaseline: true },
  cost_per_task: { better: 'lower', comparesToBaseline: true },
  adoption_ratio: { better: 'higher', comparesToBaseline: false },
  ai_task_share: { better: 'higher', comparesToBaseline: false },
  reversion_ratio: { better: 'lower', comparesToBaseline: false },
  override_ratio: { better: 'lower', comparesToBaseline: false },
} as const satisfies Record<string, { better: 'lower' | 'higher'; comparesToBaseline: boolean }>;

export type CriterionMetric = keyof typeof CRITERION_METRICS;
export const CRITERION_METRIC_IDS = Object.keys(CRITERION_METRICS) as CriterionMetric[];

/** Metrics measured as a 0–1 ratio: absolute targets for them must lie in [0, 1]. */
export function isRatioMetric(metric: CriterionMetric): boolean {
  return metric.endsWith('_ratio') || metric === 'ai_task_share';
}
