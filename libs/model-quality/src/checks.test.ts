/** A figure against its threshold: pass, fail, and what a missing figure means. */
import { describe, expect, it } from 'vitest';
import { check, verdictOf } from './checks.js';

describe('check', () => {
  it('compares with the comparator, a missing value fails unless there was nothing to measure', () => {
    expect(check('a', 'd', 0.95, '>=', 0.9).result).toBe('pass');
    expect(check('a', 'd', 0.85, '>=', 0.9).result).toBe('fail');
    expect(check('a', 'd', 2, '<=', 1.5).result).toBe('fail');
    expect(check('a', 'd', null, '<=', 1).result).toBe('fail');
    expect(check('a', 'd', Number.NaN, '<=', 1)).toMatchObject({ value: null, result: 'fail' });
    expect(check('a', 'd', null, '<=', 1, true).result).toBe('n/a');
  });

  it('a verdict fails on any failed check; n/a does not fail it', () => {
    expect(verdictOf([check('a', 'd', 1, '>=', 0), check('b', 'd', null, '<=', 1, true)])).toBe('pass');
    expect(verdictOf([check('a', 'd', 1, '>=', 0), check('b', 'd', null, '<=', 1)])).toBe('fail');
  });
});
