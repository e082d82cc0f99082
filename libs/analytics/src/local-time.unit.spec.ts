import { dayToIsoDate, localDay, WEEKDAYS, weekdayIndex } from './local-time';

describe('local days', () => {
  it('puts an instant on the calendar day of the deployment’s time zone', () => {
    const instant = Date.parse('2026-03-10T23:30:00Z');
    expect(dayToIsoDate(localDay(instant, 'UTC'))).toBe('2026-03-10');
    expect(dayToIsoDate(localDay(instant, 'Europe/Berlin'))).toBe('2026-03-11');
    expect(dayToIsoDate(localDay(instant, 'America/Los_Angeles'))).toBe('2026-03-10');
    expect(dayToIsoDate(localDay(Date.parse('2026-03-10T05:00:00Z'), 'America/Los_Angeles'))).toBe('2026-03-09');
  });

  it('follows daylight saving changes', () => {
    // Berlin switches to CEST at 01:00Z on 2026-03-29: 22:30Z is 00:30 next day in summer time.
    expect(dayToIsoDate(localDay(Date.parse('2026-03-28T23:30:00Z'), 'Europe/Berlin'))).toBe('2026-03-29');
    expect(dayToIsoDate(localDay(Date.parse('2026-03-29T22:30:00Z'), 'Europe/Berlin'))).toBe('2026-03-30');
    expect(dayToIsoDate(localDay(Date.parse('2026-03-29T21:30:00Z'), 'Europe/Berlin'))).toBe('2026-03-29');
  });

  it('knows weekdays: 2026-11-24 is a Tuesday', () => {
    expect(WEEKDAYS[weekdayIndex(localDay(Date.parse('2026-11-24T12:00:00Z'), 'UTC'))]).toBe('tue');
    expect(WEEKDAYS[weekdayIndex(0)]).toBe('thu');
  });
});
