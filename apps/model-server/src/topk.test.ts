import { PredictionSchema } from '@dogbreed/platform-spec';
import { describe, expect, it } from 'vitest';
import { softmax, topK } from './topk.js';

describe('softmax', () => {
  it('sums to 1, keeps order, and survives huge logits', () => {
    const p = softmax([1000, 1001, 999]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p[1]).toBeGreaterThan(p[0] as number);
    expect(Array.from(p).every(Number.isFinite)).toBe(true);
  });

  it('is uniform for equal logits', () => {
    expect(Array.from(softmax([2, 2, 2, 2]))).toEqual([0.25, 0.25, 0.25, 0.25]);
  });
});

describe('topK', () => {
  const names = ['a', 'b', 'c', 'd'];

  it('returns the best k, best first, with labels and indices', () => {
    const out = topK([0.1, 3, -2, 1], 'logits', names, 2);
    expect(out.map((p) => p.label)).toEqual(['b', 'd']);
    expect(out.map((p) => p.index)).toEqual([1, 3]);
    for (const p of out) expect(PredictionSchema.safeParse(p).success).toBe(true);
  });

  it('uses probabilities as they are when the model outputs probabilities', () => {
    const out = topK([0.2, 0.5, 0.3, 0], 'probabilities', names, 1);
    expect(out).toEqual([{ label: 'b', index: 1, probability: 0.5 }]);
  });

  it('breaks ties by the lower index and caps k at the class count', () => {
    const out = topK([1, 1, 1, 1], 'logits', names, 10);
    expect(out.map((p) => p.index)).toEqual([0, 1, 2, 3]);
  });
});
