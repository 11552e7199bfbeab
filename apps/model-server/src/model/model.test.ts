import { describe, expect, it } from 'vitest';
import { splitRows } from './model.js';

describe('splitRows', () => {
  it('splits a batch output into one row per image', () => {
    const batch = Float32Array.from([1, 2, 3, 4]);
    expect(splitRows(batch, 2).map((r) => Array.from(r))).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('refuses a size that does not divide', () => {
    expect(() => splitRows(new Float32Array(5), 2)).toThrow(RangeError);
  });
});
