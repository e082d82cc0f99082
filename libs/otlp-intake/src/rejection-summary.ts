import type { RejectionReason } from '@baseliner/contracts';
import type { OtlpSignal } from './otlp-responses';

/** One record refused, by the mapping or by the intake. */
export interface RecordRejection {
  /** The record's position in the export, counted across resources and scopes from 0. */
  record: number;
  reason: RejectionReason;
  message: string;
  /** The event type it was to become, when known. */
  type?: string;
}

/** Reasons spelled out in the partial-success message; the count covers them all. */
const REASONS_SHOWN = 5;

/**
 * OTLP's partial success: how many records were rejected (a record is counted once, even when it
 * was to become two events) and one message saying which and why, in the intake's own words,
 * e.g. `2 of 500 log records rejected: record 3 (task.completed) invalid_data: data.mode must be
 * one of ai, assisted, manual; record 7 (ticket.closed) unknown_type: …`.
 */
export function summariseRejections(signal: OtlpSignal, records: number, rejections: RecordRejection[]): { rejectedRecords: number; message: string } {
  if (rejections.length === 0) return { rejectedRecords: 0, message: '' };
  const byRecord = new Map<number, RecordRejection>();
  for (const rejection of rejections) if (!byRecord.has(rejection.record)) byRecord.set(rejection.record, rejection);
  const ordered = [...byRecord.values()].sort((a, b) => a.record - b.record);
  const shown = ordered
    .slice(0, REASONS_SHOWN)
    .map(({ record, type, reason, message }) => `record ${record}${typeof type === 'string' && type ? ` (${type.slice(0, 64)})` : ''} ${reason}: ${message}`);
  const more = ordered.length > REASONS_SHOWN ? `; and ${ordered.length - REASONS_SHOWN} more` : '';
  const noun = signal === 'logs' ? 'log records' : 'spans';
  return { rejectedRecords: byRecord.size, message: `${byRecord.size} of ${records} ${noun} rejected: ${shown.join('; ')}${more}` };
}
