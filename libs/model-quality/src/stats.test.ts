/** Nearest-rank percentiles and the latency summary every quality report uses. */
import { describe, expect, it } from 'vitest';
import { latencySummary, percentile } from './stats.js';

describe('percentile', () => {
  it('is nearest-rank', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(v, 50)).toBe(50);
    expect(percentile(v, 95)).toBe(95);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([3, 1, 2], 50)).toBe(2);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarises latencies', () => {
    expect(latencySummary([10, 20, 30, 40])).toEqual({ p50Ms: 20, p95Ms: 40, meanMs: 25 });
  });
});
