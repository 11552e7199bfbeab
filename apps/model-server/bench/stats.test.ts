import { describe, expect, it } from 'vitest';
import { mean, percentile, summarise } from './stats.js';

describe('bench stats', () => {
  it('computes nearest-rank percentiles', () => {
    const v = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    expect(percentile(v, 50)).toBe(5);
    expect(percentile(v, 95)).toBe(10);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    expect(mean([1, 2, 3])).toBe(2);
  });

  it('summarises throughput and overhead', () => {
    const s = { clientMs: 12, decode: 1, preprocess: 0.5, inference: 10, total: 11 };
    const f = summarise(2, [s, s, s, s], 2);
    expect(f.imagesPerSecond).toBe(2);
    expect(f.overheadVsModel).toBeCloseTo(0.2);
    expect(f.overheadVsModelMedian).toBeCloseTo(0.2);
    expect(f.serverShareOutsideModel).toBeCloseTo(1 / 11);
  });
});
