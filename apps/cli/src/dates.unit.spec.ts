import { baselineWindow, startOfLocalDay } from './dates';

describe('plain dates for a baseline window', () => {
  it('are whole days in the deployment’s time zone: from the start of the first to the end of the last', () => {
    // Berlin is UTC+2 in September: local midnight is 22:00Z the day before.
    expect(baselineWindow('2026-09-01', '2026-09-28', 'Europe/Berlin')).toEqual({ from: '2026-08-31T22:00:00.000Z', to: '2026-09-28T22:00:00.000Z' });
    // New York is UTC−5 in January.
    expect(baselineWindow('2026-01-05', '2026-01-31', 'America/New_York')).toEqual({ from: '2026-01-05T05:00:00.000Z', to: '2026-02-01T05:00:00.000Z' });
    expect(baselineWindow('2026-01-05', '2026-01-31', 'UTC')).toEqual({ from: '2026-01-05T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' });
  });

  it('keeps midnight across a change of clocks (Berlin goes to summer time on 29 March 2026)', () => {
    expect(startOfLocalDay('2026-03-29', 'Europe/Berlin').toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(startOfLocalDay('2026-03-30', 'Europe/Berlin').toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(baselineWindow('2026-03-01', '2026-03-28', 'Europe/Berlin').to).toBe('2026-03-28T23:00:00.000Z');
  });

  it('passes RFC 3339 times through, and refuses a date that does not exist', () => {
    expect(baselineWindow('2026-09-01T08:00:00+02:00', '2026-09-28', 'UTC')).toEqual({ from: '2026-09-01T08:00:00+02:00', to: '2026-09-29T00:00:00.000Z' });
    expect(() => baselineWindow('2026-02-30', '2026-03-28', 'UTC')).toThrow('"2026-02-30" is not a calendar date: write YYYY-MM-DD, e.g. 2026-09-01');
  });
});
