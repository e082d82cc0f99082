import { summariseRejections, type RecordRejection } from './rejection-summary';

describe('summariseRejections', () => {
  it('is nothing when nothing was rejected', () => {
    expect(summariseRejections('logs', 10, [])).toEqual({ rejectedRecords: 0, message: '' });
  });

  it('counts a record once (its first reason), lists records in order, and names the event type when known', () => {
    const rejections: RecordRejection[] = [
      { record: 7, reason: 'unknown_type', message: 'type order.placed is not a contract type', type: 'order.placed' },
      { record: 3, reason: 'invalid_data', message: 'data.mode must be one of ai, assisted, manual', type: 'task.completed' },
      { record: 3, reason: 'invalid_data', message: 'the second event of record 3', type: 'ai.used' },
      { record: 0, reason: 'invalid_envelope', message: 'no time' },
    ];
    expect(summariseRejections('logs', 500, rejections)).toEqual({
      rejectedRecords: 3,
      message:
        '3 of 500 log records rejected: record 0 invalid_envelope: no time; ' +
        'record 3 (task.completed) invalid_data: data.mode must be one of ai, assisted, manual; ' +
        'record 7 (order.placed) unknown_type: type order.placed is not a contract type',
    });
  });

  it('spells out five and counts the rest; speaks of spans for traces; cuts a long type to 64 characters', () => {
    const rejections: RecordRejection[] = Array.from({ length: 8 }, (_, record) => ({ record, reason: 'forbidden', message: 'm', type: record === 0 ? 't'.repeat(100) : undefined }));
    const { rejectedRecords, message } = summariseRejections('traces', 8, rejections);
    expect(rejectedRecords).toBe(8);
    expect(message).toBe(
      `8 of 8 spans rejected: record 0 (${'t'.repeat(64)}) forbidden: m; record 1 forbidden: m; record 2 forbidden: m; record 3 forbidden: m; record 4 forbidden: m; and 3 more`,
    );
  });
});
