import { Inject, Injectable } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { METRIC_NAMES, REJECTION_REASONS, TELEMETRY_EVENT_TYPES } from '@baseliner/contracts';
import { METRICS_REGISTRY } from '@baseliner/platform';
import type { IntakeOutcome } from './intake.service';

const KNOWN_TYPES = new Set<string>(TELEMETRY_EVENT_TYPES);

/**
 * `baseliner_events_received_total{type,result}` and `baseliner_events_rejected_total{reason}`.
 * Labels are bounded: an event type outside the known set is counted as `other`.
 */
@Injectable()
export class IntakeMetrics {
  private readonly received: Counter<'type' | 'result'>;
  private readonly rejected: Counter<'reason' | 'transport'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.received = new Counter({
      name: METRIC_NAMES.eventsReceived,
      help: 'Events received by the intake, by type and result',
      labelNames: ['type', 'result'],
      registers: [registry],
    });
    this.rejected = new Counter({
      name: METRIC_NAMES.eventsRejected,
      help: 'Events rejected by the intake, by reason and transport (http, kafka, otlp)',
      labelNames: ['reason', 'transport'],
      registers: [registry],
    });
    // Every reason starts at 0, so rate() and alerts work before the first rejection.
    for (const reason of REJECTION_REASONS) this.rejected.inc({ reason, transport: 'http' }, 0);
  }

  /** Starts a transport's series at 0 (Kafka adds its own reasons: records that never reached validation). */
  declareTransport(transport: 'http' | 'kafka' | 'otlp', extraReasons: readonly string[] = []): void {
    for (const reason of [...REJECTION_REASONS, ...extraReasons]) this.rejected.inc({ reason, transport }, 0);
  }

  record(outcome: IntakeOutcome, transport: 'http' | 'kafka' | 'otlp' = 'http'): void {
    for (const [key, count] of outcome.tally) {
      const [type, result] = key.split('|') as [string, string];
      this.received.inc({ type: KNOWN_TYPES.has(type) ? type : 'other', result }, count);
    }
    for (const { reason } of outcome.rejected) this.rejected.inc({ reason, transport });
  }

  /**
   * An event refused before validation (Kafka: not JSON, not an event, no valid key): counted in
   * both families, as a rejection by the intake service is, so that the sum of
   * `baseliner_events_received_total{result="rejected"}` is the sum of `baseliner_events_rejected_total`.
   */
  rejectedBeforeValidation(reason: string, transport: 'http' | 'kafka' | 'otlp', type?: string): void {
    this.received.inc({ type: type !== undefined && KNOWN_TYPES.has(type) ? type : 'other', result: 'rejected' });
    this.rejected.inc({ reason, transport });
  }
}
