import type { IngestAuthentication, IntakeOutcome } from '@baseliner/intake';
import type { DeadLetterReason } from './dead-letters';

export interface KafkaIntakeSettings {
  brokers: string[];
  topic: string;
  groupId: string;
  clientId?: string;
  /** Partitions processed at once by this consumer (bounded in-flight work). */
  partitionsConsumedConcurrently?: number;
  /** How long a partition rests after the store refused a batch (busy, full disk). */
  backoffMs?: number;
  /** The most one fetch brings per partition. */
  maxBytesPerPartition?: number;
  /** Batches of one partition handed to the store and not yet committed, at most (default 3, at least 2). */
  batchesInFlightPerPartition?: number;
  /** The wait after a failed start, doubled after each failure up to `startRetryMaxMs`. */
  startRetryMs?: number;
  startRetryMaxMs?: number;
}

export interface KafkaIntakeHooks {
  /** The ingest key's check, the one HTTP uses (`IngestAuthenticator`, transport `kafka`). */
  authenticate(token: string | undefined): IngestAuthentication;
  now(): Date;
  onOutcome(outcome: IntakeOutcome): void;
  /**
   * A record refused before the intake service saw it (not JSON, not an event, no valid key),
   * with its event type when readable: counted when decided, as `onOutcome`'s rejections are.
   */
  onRefused?(reason: DeadLetterReason, type: string | undefined): void;
  /** A record the broker acknowledged on the dead-letter topic. */
  onDeadLetter(reason: DeadLetterReason): void;
  log(level: 'log' | 'warn' | 'error', entry: Record<string, unknown>): void;
}
