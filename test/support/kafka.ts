import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeRequiring } from './requires';
import { repoRoot } from './run-ts';

let broker: { brokers?: string; reason?: string } | undefined;

/**
 * Where this test run keeps its own broker: in the run's directory (BASELINER_TEST_RUN_DIR, made
 * by test/support/global-setup.ts), so the global teardown stops it. Never deploy/kafka's default
 * .tmp/kafka, which is a developer's own (npm run kafka:up). Outside Jest's global setup (a
 * runner that skipped it), a directory of its own, stopped when this process exits.
 */
function runBrokerDir(): string {
  const runDir = process.env.BASELINER_TEST_RUN_DIR;
  if (runDir) return join(runDir, 'kafka');
  const dir = join(mkdtempSync(join(tmpdir(), 'baseliner-test-kafka-')), 'kafka');
  process.once('exit', () => {
    spawnSync(resolve(repoRoot, 'deploy/kafka/kafka-down.sh'), ['--dir', dir, '--purge'], { stdio: 'ignore', timeout: 60_000 });
  });
  return dir;
}

/**
 * The broker Kafka suites use: BASELINER_TEST_KAFKA_BROKERS when set (CI starts one; so can you,
 * with npm run kafka:up), else a single-node broker of this test run (deploy/kafka/kafka-up.sh
 * --dir: Apache Kafka from its Maven Central jars), started by the first suite that needs it
 * (test files side by side share it: kafka-up.sh takes a lock) and stopped by the global
 * teardown. Checked once, synchronously, so suites can be defined or skipped.
 */
export function kafkaBroker(): { brokers?: string; reason?: string } {
  if (broker) return broker;
  if (process.env.BASELINER_TEST_KAFKA_BROKERS) return (broker = { brokers: process.env.BASELINER_TEST_KAFKA_BROKERS });
  const up = spawnSync(resolve(repoRoot, 'deploy/kafka/kafka-up.sh'), ['--dir', runBrokerDir()], { encoding: 'utf8', timeout: 240_000 });
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
