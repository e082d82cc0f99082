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
    for (const [key, count] of outcome.tally) {
      const bounded = key.startsWith('unknown|') ? `other|${key.slice('unknown|'.length)}` : key;
      this.received.set(bounded, (this.received.get(bounded) ?? 0) + count);
    }
    for (const { reason } of outcome.rejected) this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }
}
