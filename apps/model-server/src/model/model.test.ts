import { describe, expect, it } from 'vitest';
import { concatBatch, splitRows } from './model.js';

describe('concatBatch / splitRows', () => {
  it('round-trips per-image tensors through one batch', () => {
    const a = Float32Array.from([1, 2]);
    const b = Float32Array.from([3, 4]);
    const batch = concatBatch([a, b], 2);
    expect(Array.from(batch)).toEqual([1, 2, 3, 4]);
    expect(splitRows(batch, 2).map((r) => Array.from(r))).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('passes a single whole-buffer tensor through without copying it', () => {
    const one = new Float32Array(4);
    expect(concatBatch([one], 4)).toBe(one);
    const view = new Float32Array(8).subarray(2, 6);
    const copied = concatBatch([view], 4);
    expect(copied).not.toBe(view);
    expect(copied.buffer.byteLength).toBe(16);
  });

  it('refuses mismatched sizes', () => {
    expect(() => concatBatch([new Float32Array(3)], 2)).toThrow(RangeError);
    expect(() => splitRows(new Float32Array(5), 2)).toThrow(RangeError);
  });
});
