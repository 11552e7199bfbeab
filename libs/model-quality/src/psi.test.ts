/** PSI on hand-computed cases: identical mixes, a known shift, empty bins, the bands. */
import { psi, psiBand, psiTerms, PSI_EPSILON } from './psi.js';
import { describe, expect, it } from 'vitest';

describe('psi', () => {
  it('is 0 for the same mix at any scale, and matches the formula on a known shift', () => {
    expect(psi([10, 20, 70], [1, 2, 7])).toBeCloseTo(0, 12);
    const expected = (0.5 - 0.25) * Math.log(0.5 / 0.25) + (0.5 - 0.75) * Math.log(0.5 / 0.75);
    expect(psi([25, 75], [50, 50])).toBeCloseTo(expected, 12);
    expect(psi([25, 75], [50, 50])).toBeCloseTo(psi([50, 50], [25, 75]), 12);
  });

  it('counts an empty bin as PSI_EPSILON on the side that lacks it; bins empty on both sides add nothing', () => {
    const t = psiTerms([100, 0, 0], [90, 10, 0]);
    expect(t[1]).toBeCloseTo((0.1 - PSI_EPSILON) * Math.log(0.1 / PSI_EPSILON), 12);
    expect(t[2]).toBe(0);
    expect(psi([100, 0], [90, 10])).toBeGreaterThan(0.25);
  });

  it('is NaN with nothing on one side and refuses different bins', () => {
    expect(psi([0, 0], [1, 2])).toBeNaN();
    expect(psi([1, 2], [0, 0])).toBeNaN();
    expect(() => psi([1], [1, 2])).toThrow(RangeError);
  });

  it('labels the conventional bands', () => {
    expect([0, 0.099, 0.1, 0.25, 0.2501].map(psiBand)).toEqual([
      'none',
      'none',
      'moderate',
      'moderate',
      'significant',
    ]);
  });
});
