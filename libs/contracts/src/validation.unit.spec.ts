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

  it('knows the calendar: month lengths, leap years by the century rule, hours and minutes in range', () => {
    const envelope = compileValidator(CloudEventEnvelope);
    const at = (time: string) => envelope.check({ specversion: '1.0', id: '1', source: 's', type: 't', deployment: 'd', time, data: {} });
    expect(at('2026-04-30T00:00:00Z')).toBe(true);
    expect(at('2026-04-31T00:00:00Z')).toBe(false);
    expect(at('2026-12-31T23:59:59Z')).toBe(true);
    expect(at('2026-13-01T00:00:00Z')).toBe(false);
    expect(at('2026-00-10T00:00:00Z')).toBe(false);
    expect(at('2026-06-00T00:00:00Z')).toBe(false);
    expect(at('2000-02-29T00:00:00Z')).toBe(true);
    expect(at('1900-02-29T00:00:00Z')).toBe(false);
    expect(at('2100-02-29T00:00:00Z')).toBe(false);
    expect(at('2026-02-28T00:00:00Z')).toBe(true);
    expect(at('2026-01-01T09:60:00Z')).toBe(false);
    // Date.parse takes 24:00 (as the next midnight); the check must not.
    expect(at('2026-01-01T24:00:00Z')).toBe(false);
  });

  it("takes any JSON object as an event's data, and nothing else", () => {
    const envelope = compileValidator(CloudEventEnvelope);
    const event = { specversion: '1.0', id: '1', source: 's', type: 't', deployment: 'd', time: '2026-01-31T09:00:00Z' };
    expect(envelope.check({ ...event, data: { any: { nested: [1] } } })).toBe(true);
    for (const data of [[], 'text', 1, null, undefined]) expect(envelope.check({ ...event, data })).toBe(false);
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
