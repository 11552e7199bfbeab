/**
 * The population stability index (PSI), the drift measure credit scoring made standard and model monitoring kept:
 * `sum((actual - expected) * ln(actual / expected))` over the shares of a fixed set of bins. It is symmetric and
 * additive over bins, so a report can show which bins moved. Conventional bands: under 0.1 no change, 0.1 to 0.25 a
 * moderate shift, over 0.25 a significant one (`rollout.drift` sets the alarm thresholds; these only label a figure).
 */

/**
 * The share an empty bin counts as, on either side: ln(0) is undefined, and a bin that only one side fills is
 * exactly the change PSI must show. 1e-4 (0.01 %) is the usual choice: a bin that goes from empty to 10 % adds
 * 0.1 × ln(1000) ≈ 0.69, a significant shift on its own, while bins empty on both sides add nothing.
 */
export const PSI_EPSILON = 1e-4;

/** The conventional PSI bands, by their upper bound. */
export const PSI_BANDS = { none: 0.1, moderate: 0.25 } as const;
export type PsiBand = 'none' | 'moderate' | 'significant';

/** The band a PSI value falls in. */
export function psiBand(value: number): PsiBand {
  return value < PSI_BANDS.none ? 'none' : value <= PSI_BANDS.moderate ? 'moderate' : 'significant';
}

/** Counts as shares of their sum; all zeros when the sum is zero. */
export function shares(counts: readonly number[]): number[] {
  const total = counts.reduce((s, c) => s + c, 0);
  return counts.map((c) => (total > 0 ? c / total : 0));
}

/** Each bin's PSI term from the two sides' counts (same bins, same order); empty bins count as `PSI_EPSILON`. */
export function psiTerms(expected: readonly number[], actual: readonly number[]): number[] {
  if (expected.length !== actual.length)
    throw new RangeError(`PSI needs the same bins on both sides: ${expected.length} vs ${actual.length}`);
  const e = shares(expected);
  const a = shares(actual);
  return e.map((ev, i) => {
    const av = a[i] as number;
    if (ev === 0 && av === 0) return 0;
    const es = Math.max(ev, PSI_EPSILON);
    const as = Math.max(av, PSI_EPSILON);
    return (as - es) * Math.log(as / es);
  });
}

/**
 * The PSI of `actual` against `expected`, both counts over the same bins. NaN when either side is empty: there is no
 * distribution to compare.
 */
export function psi(expected: readonly number[], actual: readonly number[]): number {
  const sum = (xs: readonly number[]) => xs.reduce((s, v) => s + v, 0);
  if (sum(expected) === 0 || sum(actual) === 0) return Number.NaN;
  return sum(psiTerms(expected, actual));
}
