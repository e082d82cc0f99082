import { Injectable } from '@nestjs/common';
import type { RejectionReason } from '@baseliner/contracts';
import type { IntakeOutcome } from './intake.service';

/**
 * Intake counters, kept as plain numbers until the metrics endpoint renders them
 * (`baseliner_events_received_total{type,result}`, `baseliner_events_rejected_total{reason}`).
 * Label values are bounded: event types outside the known set are counted as `other`.
 */
@Injectable()
export class IntakeMetrics {
  readonly received = new Map<string, number>();
  readonly rejected = new Map<RejectionReason, number>();

  record(outcome: IntakeOutcome): void {
    for (const { type, result } of outcome.results) {
      const key = `${type === 'unknown' ? 'other' : type}|${result}`;
      this.received.set(key, (this.received.get(key) ?? 0) + 1);
    }
    for (const { reason } of outcome.rejected) this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }
}
