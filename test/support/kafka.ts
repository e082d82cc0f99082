import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describeRequiring } from './requires';
import { repoRoot } from './run-ts';

let broker: { brokers?: string; reason?: string } | undefined;

/**
 * The broker Kafka suites use: BASELINER_TEST_KAFKA_BROKERS when set (CI starts one), else the
 * repository's own single-node broker (deploy/kafka/kafka-up.sh: Apache Kafka from its Maven
 * Central jars, started once and reused). Checked once, synchronously, so suites can be defined
 * or skipped.
 */
export function kafkaBroker(): { brokers?: string; reason?: string } {
  if (broker) return broker;
  if (process.env.BASELINER_TEST_KAFKA_BROKERS) return (broker = { brokers: process.env.BASELINER_TEST_KAFKA_BROKERS });
  const up = spawnSync(resolve(repoRoot, 'deploy/kafka/kafka-up.sh'), [], { encoding: 'utf8', timeout: 240_000 });
  const address = up.stdout?.trim().split('\n').pop();
  broker =
    up.status === 0 && address
      ? { brokers: address }
      : { reason: `no Kafka broker: deploy/kafka/kafka-up.sh failed (${(up.stderr || up.error?.message || '').trim().split('\n').slice(-3).join(' ')}); it needs java and mvn, or set BASELINER_TEST_KAFKA_BROKERS` };
  return broker;
}

/** A describe that needs a Kafka broker (see `describeRequiring`). */
export function describeWithKafka(name: string, body: (brokers: string) => void): void {
  const { brokers, reason } = kafkaBroker();
  describeRequiring(name, reason, 'a Kafka broker', () => body(brokers ?? ''));
}
