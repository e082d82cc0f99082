import { collectDefaultMetrics, Registry } from 'prom-client';

/** The process-wide registry: intake counters, projection lag, prom-client's process metrics. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/** Exposition rendered elsewhere ahead of time (the per-deployment gauges), appended to each scrape. */
export const CACHED_METRICS = Symbol('CACHED_METRICS');
export interface CachedMetrics {
  /** Already UTF-8 encoded, so a scrape neither builds nor encodes megabytes of text. */
  exposition(): Buffer;
}

export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Where listings find each deployment's verdict, when a projector runs in this process. */
export const VERDICT_SOURCE = Symbol('VERDICT_SOURCE');
export interface VerdictSource {
  verdictOf(deploymentId: string): string | undefined;
}
