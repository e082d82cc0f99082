import { Inject, Injectable } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { METRIC_NAMES } from '@baseliner/contracts';
import { METRICS_REGISTRY } from '@baseliner/platform';
import type { IgnoredReason } from './otlp-mapping';
import type { OtlpSignal } from './otlp-responses';

const REASONS: Record<OtlpSignal, IgnoredReason[]> = { logs: ['no_event_name'], traces: ['not_genai', 'no_actor'] };

/**
 * `baseliner_otlp_records_ignored_total{signal,reason}`: records that were not meant for
 * Baseliner (log lines without an event name, spans that are not GenAI, GenAI spans without an
 * actor). Not rejections: the exporter is told nothing about them. Both labels are bounded.
 */
@Injectable()
export class OtlpMetrics {
  private readonly ignoredRecords: Counter<'signal' | 'reason'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.ignoredRecords = new Counter({
      name: METRIC_NAMES.otlpRecordsIgnored,
      help: 'OTLP log records and spans that were not Baseliner events (no event name, not GenAI, no actor), by signal and reason',
      labelNames: ['signal', 'reason'],
      registers: [registry],
    });
    for (const [signal, reasons] of Object.entries(REASONS)) for (const reason of reasons) this.ignoredRecords.inc({ signal, reason }, 0);
  }

  ignored(signal: OtlpSignal, counts: Map<IgnoredReason, number>): void {
    for (const [reason, count] of counts) this.ignoredRecords.inc({ signal, reason }, count);
  }
}
