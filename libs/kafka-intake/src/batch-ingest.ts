import { INTAKE_LIMITS } from '@baseliner/contracts';
import { EventStoreUnavailableError } from '@baseliner/event-store';
import type { IntakeService } from '@baseliner/intake';
import type { DeadLetter } from './dead-letters';
import type { KafkaIntakeHooks } from './kafka-intake.settings';
import { decodeRecord, headerText, type KafkaRecord } from './kafka-message';

export interface IngestedBatch {
  /** Settles when every event is durably appended (or a duplicate); rejects if any request was refused. */
  stored: Promise<void>;
  /** Records that cannot be stored, complete once `stored` has settled. */
  dead: DeadLetter[];
}

/**
 * Decodes and authenticates a batch's records and hands each deployment's events to the intake
 * service in full requests as soon as they fill, yielding every request's worth of records: the
 * store's writer commits a group while the next records are decoded. Stops reading at the first
 * refusal, or once `isStale` says an earlier batch of the partition was refused.
 */
export async function ingestBatch(
  records: KafkaRecord[],
  intake: IntakeService,
  hooks: Pick<KafkaIntakeHooks, 'authenticate' | 'now' | 'onOutcome' | 'onRefused'>,
  isStale: () => boolean,
): Promise<IngestedBatch> {
  const dead: DeadLetter[] = [];
  const appends: Promise<void>[] = [];
  let refused = false;
  const now = hooks.now();
  const append = (deploymentId: string, events: Record<string, unknown>[], from: KafkaRecord[]) => {
    const stored = intake.ingest(deploymentId, events, now).then((outcome) => {
      hooks.onOutcome(outcome);
      for (const rejection of outcome.rejected) {
        dead.push({ record: from[rejection.index] as KafkaRecord, reason: rejection.reason, message: rejection.message });
      }
    });
    // Caught at once: a refusal while the batch is still read is no unhandled rejection, and ends the reading.
    stored.catch(() => (refused = true));
    appends.push(stored);
  };

  const filling = new Map<string, { events: Record<string, unknown>[]; records: KafkaRecord[] }>();
  for (let i = 0; i < records.length && !refused; i += 1) {
    if (i > 0 && i % INTAKE_LIMITS.maxEventsPerRequest === 0) {
      await new Promise((resolve) => setImmediate(resolve));
      if (isStale()) refused = true;
    }
    const record = records[i] as KafkaRecord;
    const decoded = decodeRecord(record);
    if (!decoded.ok) {
      dead.push({ record, reason: decoded.reason, message: decoded.message });
      hooks.onRefused?.(decoded.reason, headerText(record, 'ce_type'));
      continue;
    }
    const key = hooks.authenticate(decoded.token);
    if (!key.ok) {
      dead.push({ record, reason: 'unauthorized', message: key.message });
      hooks.onRefused?.('unauthorized', typeof decoded.event.type === 'string' ? decoded.event.type : undefined);
      continue;
    }
    let group = filling.get(key.deploymentId);
    if (!group) filling.set(key.deploymentId, (group = { events: [], records: [] }));
    group.events.push(decoded.event);
    group.records.push(record);
    if (group.events.length === INTAKE_LIMITS.maxEventsPerRequest) {
      append(key.deploymentId, group.events, group.records);
      filling.delete(key.deploymentId);
    }
  }
  if (!refused) for (const [deploymentId, group] of filling) append(deploymentId, group.events, group.records);

  // A batch cut short by a refusal counts as not stored.
  const stored = (async () => {
    await Promise.all(appends);
    if (refused) throw new EventStoreUnavailableError('an earlier batch of this partition was refused; read again after the rewind');
  })();
  stored.catch(() => undefined);
  return { stored, dead };
}
