import { describe, expect, it } from 'vitest';
import { parseTraceCsv } from './csv.js';

describe('parseTraceCsv', () => {
  it('reads a CloudWatch export: header, ISO timestamps out of order, missing minutes as zero', () => {
    const csv = 'Timestamp,Sum\n2026-11-30T00:02:00Z,30\n2026-11-30T00:00:00Z,10\n2026-11-30T00:03:00Z,40\n';
    expect(parseTraceCsv(csv, 'x.csv')).toEqual({
      name: 'x.csv',
      startMs: Date.parse('2026-11-30T00:00:00Z'),
      perMinute: [10, 0, 30, 40],
    });
  });
  it('takes epoch seconds and milliseconds', () => {
    expect(parseTraceCsv('1795996800,5\n1795996860000,6', 'e').perMinute).toEqual([5, 6]);
  });
  it.each([
    ['2026-11-30T00:00:00Z,-1', /line 1: value "-1"/],
    ['yesterday,1\n', /line 1: timestamp "yesterday"/],
    ['2026-11-30T00:00:00Z,1,2', /expected 2 columns/],
    ['timestamp,value\n', /no data rows/],
  ])('%j is refused', (csv, message) => {
    expect(() => parseTraceCsv(csv, 'bad.csv')).toThrow(message);
  });
});
