import { CloudEventEnvelope, TaskCompletedData } from './cloud-event.schema';
import { RegisterDeploymentBody } from './control-api.schema';
import { compileValidator, toFieldPath } from './validation';

describe('validation messages', () => {
  it('turns JSON pointers into field paths', () => {
    expect(toFieldPath('/criteria/0/metric')).toBe('criteria[0].metric');
    expect(toFieldPath('/owner/email')).toBe('owner.email');
    expect(toFieldPath('')).toBe('');
  });

  it('names each bad field once, with a message a person can act on', () => {
    const result = compileValidator(RegisterDeploymentBody).validate({
      id: 'doc-review',
      name: 'x',
      owner: { name: 'Dana Reyes' },
      criteria: [{ metric: 'speed', atMost: 1 }],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual(
      expect.arrayContaining([
        { field: 'owner.email', message: 'is required' },
        { field: 'criteria[0].metric', message: expect.stringMatching(/^must be one of: task_duration_p50, /) },
      ]),
    );
  });

  it('checks RFC 3339 times with an offset, and the deployment slug', () => {
    const envelope = compileValidator(CloudEventEnvelope);
    const event = { specversion: '1.0', id: '1', source: 's', type: 't', deployment: 'd-1', data: {} };
    expect(envelope.check({ ...event, time: '2026-01-31T09:00:00Z' })).toBe(true);
    expect(envelope.check({ ...event, time: '2026-01-31T09:00:00.123+05:30' })).toBe(true);
    expect(envelope.check({ ...event, time: '2026-01-31 09:00' })).toBe(false);
    expect(envelope.check({ ...event, time: '2025-02-30T09:00:00Z' })).toBe(false);
    expect(envelope.check({ ...event, time: '2024-02-29T09:00:00Z' })).toBe(true);
    expect(envelope.check({ ...event, time: '2026-01-31T24:00:00Z' })).toBe(false);
    expect(envelope.check({ ...event, time: '2026-01-31T09:00:00' })).toBe(false);
    expect(envelope.check({ ...event, time: '2026-01-31T09:00:00Z', deployment: '-bad' })).toBe(false);
  });

  it('says the id rule in words, and lists the fields a criterion takes when given an unknown one', () => {
    const result = compileValidator(RegisterDeploymentBody).validate({
      id: 'Doc_Review',
      name: 'x',
      owner: { name: 'Dana Reyes', email: 'dana@example.com' },
      criteria: [{ metric: 'error_ratio', below: 0.1 }],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      { field: 'id', message: 'must be lower-case letters, digits and dashes, 1–63 characters, starting with a letter or digit (e.g. doc-review)' },
      { field: 'criteria[0].below', message: 'is not a known field (known: metric, relativeChange, atMost, atLeast); remove or rename it' },
    ]);
  });

  it('keeps unknown data fields and rejects wrong known ones', () => {
    const data = compileValidator(TaskCompletedData);
    expect(data.check({ taskId: 't', mode: 'ai', outcome: 'success', durationSeconds: 0, extra: { any: 1 } })).toBe(true);
    expect(data.check({ taskId: 't', mode: 'ai', outcome: 'done', durationSeconds: 0 })).toBe(false);
  });
});
