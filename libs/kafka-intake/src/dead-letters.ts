import type { Producer } from 'kafkajs';
import type { IntakeRejection } from '@baseliner/contracts';
import type { KafkaRecord } from './kafka-message';

/** Why a record went to the dead-letter topic: the HTTP 207 answer's reasons, plus two of Kafka's own. */
export type DeadLetterReason = IntakeRejection['reason'] | 'invalid_json' | 'unauthorized';

export interface DeadLetter {
  record: KafkaRecord;
  reason: DeadLetterReason;
  message: string;
}

export const deadLetterTopic = (topic: string) => `${topic}.dlq`;

/**
 * Sends a batch's dead letters to `<topic>.dlq` and waits for every in-sync replica (`acks=all`):
 * the original key, value and headers (never the ingest key), and headers that say why and where from.
 */
export async function sendDeadLetters(
  producer: Producer,
  from: { topic: string; partition: number },
  dead: DeadLetter[],
  at: Date,
): Promise<void> {
  await producer.send({
    topic: deadLetterTopic(from.topic),
    acks: -1,
    messages: dead.map(({ record, reason, message }) => ({
      key: record.key ?? null,
      value: record.value,
      headers: {
        ...Object.fromEntries(Object.entries(record.headers ?? {}).filter(([name]) => name.toLowerCase() !== 'authorization')),
        'baseliner-reason': reason,
        'baseliner-message': message,
        'baseliner-original-topic': from.topic,
        'baseliner-original-partition': String(from.partition),
        'baseliner-original-offset': record.offset,
        'baseliner-dead-lettered-at': at.toISOString(),
      } as Record<string, string | Buffer>,
    })),
  });
}
