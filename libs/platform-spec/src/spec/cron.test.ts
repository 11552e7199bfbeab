import { describe, expect, it } from 'vitest';
import { awsCronFields, cronProblem, parseCron, previousFire } from './cron.js';

describe('parseCron', () => {
  it('reads numbers, names, ranges, steps and lists', () => {
    const c = parseCron('*/15 8-17 * JAN,JUL MON-FRI');
    expect([...c.minutes]).toEqual([0, 15, 30, 45]);
    expect(c.hours.size).toBe(10);
    expect([...c.months]).toEqual([1, 7]);
    expect([...c.daysOfWeek]).toEqual([1, 2, 3, 4, 5]);
  });

  it.each([
    ['0 20 * *', /5 fields/],
    ['60 20 * * *', /minute 60 is outside 0-59/],
    ['0 20 1 * MON', /both day-of-month and day-of-week/],
    ['0 17-9 * * *', /hour range "17-9" runs backwards/],
    ['0 20 * * FUNDAY', /day-of-week "FUNDAY" is not a number or name/],
  ])('%s is refused', (src, message) => {
    expect(cronProblem(src)).toMatch(message);
  });

  it('folds day-of-week 7 into Sunday', () => {
    expect([...parseCron('0 0 * * 7').daysOfWeek]).toEqual([0]);
  });
});

describe('previousFire', () => {
  it('is the latest matching minute at or before t (UTC)', () => {
    const c = parseCron('30 20 * * MON-FRI');
    // 2026-11-29 is a Sunday: the latest weekday 20:30 is Friday the 27th.
    expect(previousFire(c, Date.parse('2026-11-29T12:00:00Z'))).toBe(Date.parse('2026-11-27T20:30:00Z'));
    expect(previousFire(c, Date.parse('2026-11-30T20:30:59Z'))).toBe(Date.parse('2026-11-30T20:30:00Z'));
  });
  it('is undefined when the expression never fired in the look-back', () => {
    expect(previousFire(parseCron('0 0 31 FEB *'), Date.parse('2026-11-29T00:00:00Z'))).toBeUndefined();
  });
});

describe('awsCronFields', () => {
  it('writes days of week as names and expands steps', () => {
    expect(awsCronFields(parseCron('0 20 * * 1-5'))).toEqual({
      minute: '0',
      hour: '20',
      month: '*',
      weekDay: 'MON,TUE,WED,THU,FRI',
    });
    expect(awsCronFields(parseCron('*/30 * 1 * *'))).toEqual({
      minute: '0,30',
      hour: '*',
      day: '1',
      month: '*',
    });
  });
});
