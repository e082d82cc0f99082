import { loadConfiguration } from '@baseliner/platform';
import { replayReport, type ReplaySummary } from './dlq-replay';

const summary = (replayed: Record<string, number>, otherDeployments = 0, unreadable = 0): ReplaySummary => ({ replayed, otherDeployments, unreadable });

describe('what baseliner dlq replay prints', () => {
  it('names the topic it used, the default one when neither --topic nor BASELINER_KAFKA_TOPIC was given (not "undefined")', () => {
    // The default the CLI applies is the server's (kafkaTopic): the same topic the Kafka intake reads.
    const topic = loadConfiguration({ BASELINER_KAFKA_BROKERS: '127.0.0.1:9092' }).kafka?.topic as string;
    expect(topic).toBe('baseliner.events');
    const lines = [
      ...replayReport(summary({ unauthorized: 2, unknown_type: 1 }), { topic, deployment: 'doc-review' }),
      ...replayReport(summary({}), { topic, deployment: 'doc-review', dryRun: true }),
      ...replayReport(summary({}), { topic, deployment: 'doc-review' }),
    ];
    expect(lines).toEqual([
      'replayed 3 dead letters of doc-review to baseliner.events (unauthorized 2, unknown_type 1)',
      'no dead letters of doc-review to replay in baseliner.events.dlq',
      'no dead letters of doc-review to replay in baseliner.events.dlq since the last replay',
    ]);
    expect(lines.join('\n')).not.toContain('undefined');
  });

  it('says what a dry run would send, and what it leaves', () => {
    expect(replayReport(summary({ unauthorized: 1 }, 4, 2), { topic: 'ai.telemetry', deployment: 'doc-review', dryRun: true })).toEqual([
      'would replay 1 dead letter of doc-review to ai.telemetry (unauthorized 1)',
      'left: 4 of other deployments (replay them with their own key), 2 whose deployment cannot be read (not JSON)',
    ]);
  });
});
