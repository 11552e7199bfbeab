/** Drift figures and checks from made-up observations and evaluations: class bins, histograms, n/a, too few. */
import { DEFAULT_SPEC, type DriftSpec } from '@dogbreed/platform-spec';
import { describe, expect, it } from 'vitest';
import type { CaptureObservation } from './captures.js';
import {
  BaselineShapeError,
  CONFIDENCE_BIN_EDGES,
  confidenceBin,
  driftChecks,
  driftFigures,
  OTHER_CLASS,
  summarize,
  summaryOfEvaluation,
} from './drift.js';

const T: DriftSpec = { ...DEFAULT_SPEC.rollout.drift, minRequests: 20 };

let n = 0;
const ok = (label: string, p: number, isDog?: boolean): CaptureObservation => ({
  ok: true,
  id: `r${++n}`,
  time: `2026-12-07T10:00:${String(n % 60).padStart(2, '0')}Z`,
  top1: { label, probability: p },
  ...(isDog === undefined ? {} : { dog: { probability: isDog ? 0.9 : 0.1, isDog } }),
  latencyMs: 10,
  modelVersion: 'm',
});
const many = (count: number, label: string, p: number, isDog?: boolean) =>
  Array.from({ length: count }, () => ok(label, p, isDog));

describe('summarize', () => {
  it('counts classes, confidence bins, dog verdicts, errors and the time span', () => {
    const failed: CaptureObservation = { ok: false, id: 'x', time: '2026-12-07T09:00:00Z', error: 'E' };
    const s = summarize([...many(3, 'beagle', 0.95, true), ok('pug', 0.05, false), ok('pug', 1), failed]);
    expect(s).toMatchObject({ answers: 5, errors: 1, dogVerdicts: 4, notADogRate: 0.25 });
    expect(s.classes).toEqual([
      { label: 'beagle', count: 3 },
      { label: 'pug', count: 2 },
    ]);
    expect(s.confidenceCounts).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 4]);
    expect(s.from).toBe('2026-12-07T09:00:00Z');
    expect(summarize(many(2, 'a', 0.5)).notADogRate).toBeNull();
  });

  it('bins confidence on the fixed edges, 1 in the last bin', () => {
    expect(CONFIDENCE_BIN_EDGES).toHaveLength(11);
    expect([0, 0.0999, 0.1, 0.55, 0.999, 1].map(confidenceBin)).toEqual([0, 0, 1, 5, 9, 9]);
  });
});

describe('summaryOfEvaluation', () => {
  const evaluation = {
    classNames: ['001.beagle', '002.pug', '003.dingo'],
    // [true][predicted]: predicted column sums 50, 40, 10.
    confusionMatrix: [
      [45, 4, 1],
      [5, 36, 9],
      [0, 0, 0],
    ],
  };

  it('reads the predicted class mix from the confusion matrix; no histogram without predictionBaseline', () => {
    const s = summaryOfEvaluation(evaluation);
    expect(s.answers).toBe(100);
    expect(s.classes).toEqual([
      { label: '001.beagle', count: 50 },
      { label: '002.pug', count: 40 },
      { label: '003.dingo', count: 10 },
    ]);
    expect(s.confidenceCounts).toBeNull();
    expect(s.notADogRate).toBeNull();
  });

  it('takes the histogram with the same edges, refuses other edges or a bad matrix', () => {
    const counts = [0, 0, 0, 0, 0, 10, 10, 20, 20, 40];
    const pb = { confidenceEdges: [...CONFIDENCE_BIN_EDGES], confidenceCounts: counts, notADogRate: 0.02 };
    expect(summaryOfEvaluation({ ...evaluation, predictionBaseline: pb })).toMatchObject({
      confidenceCounts: counts,
      notADogRate: 0.02,
    });
    expect(() =>
      summaryOfEvaluation({ ...evaluation, predictionBaseline: { ...pb, confidenceEdges: [0, 0.5, 1] } }),
    ).toThrow(BaselineShapeError);
    expect(() => summaryOfEvaluation({ ...evaluation, confusionMatrix: [[1]] })).toThrow(/3 × 3/);
  });
});

describe('driftFigures and driftChecks', () => {
  const baseline = summarize([...many(60, '003.beagle', 0.95, true), ...many(40, '002.pug', 0.85, true)]);

  it('passes the same mix (breed names compared as breeds) with PSI 0', () => {
    const window = summarize([...many(30, 'beagle', 0.95, true), ...many(20, 'pug', 0.85, true)]);
    const f = driftFigures(baseline, window);
    expect(f.classMixPsi).toBeCloseTo(0, 12);
    expect(f.confidencePsi).toBeCloseTo(0, 12);
    expect(f.notADogRate).toEqual({ baseline: 0, window: 0, increase: 0 });
    expect(f.classMix.map((b) => b.label)).toEqual(['003.beagle', '002.pug', OTHER_CLASS]);
    expect(driftChecks(f, T).verdict).toBe('pass');
  });

  it('fails a new mix: other breeds, lower confidence, more not-a-dog answers', () => {
    const window = summarize([
      ...many(10, 'beagle', 0.95, true),
      ...many(25, 'dingo', 0.45, true),
      ...many(15, 'pug', 0.3, false),
    ]);
    const f = driftFigures(baseline, window);
    expect(f.classMix.find((b) => b.label === OTHER_CLASS)?.windowShare).toBeCloseTo(0.5);
    expect(f.notADogRate.increase).toBeCloseTo(0.3);
    const { verdict, checks } = driftChecks(f, T);
    expect(verdict).toBe('fail');
    expect(checks.map((c) => [c.name, c.result])).toEqual([
      ['minRequests', 'pass'],
      ['maxClassMixPsi', 'fail'],
      ['maxConfidencePsi', 'fail'],
      ['maxNotADogRateIncrease', 'fail'],
    ]);
  });

  it('pools the classes the window is too small to resolve into other', () => {
    const wide = summarize(Array.from({ length: 100 }, (_, i) => ok(`breed-${i % 50}`, 0.9)));
    const f = driftFigures(wide, summarize(many(30, 'breed-1', 0.9)));
    // 2 % each × 30 answers = 0.6 expected per breed: no class bin, no class-mix figure.
    expect(f.classMix.map((b) => b.label)).toEqual([OTHER_CLASS]);
    expect(f.classMixPsi).toBeNull();
    expect(driftChecks(f, T).checks.find((c) => c.name === 'maxClassMixPsi')?.result).toBe('n/a');
  });

  it('says not-enough-data below minRequests, whatever the figures', () => {
    const f = driftFigures(baseline, summarize(many(10, 'dingo', 0.2, false)));
    const { verdict, checks } = driftChecks(f, T);
    expect(verdict).toBe('not-enough-data');
    expect(checks.every((c) => c.result === 'n/a')).toBe(true);
  });

  it('without a dog output or a baseline histogram those checks are n/a, not failures', () => {
    const noHistogram = { ...baseline, confidenceCounts: null, notADogRate: null };
    const f = driftFigures(noHistogram, summarize([...many(30, 'beagle', 0.9), ...many(20, 'pug', 0.9)]));
    expect(f.confidencePsi).toBeNull();
    expect(f.notADogRate.increase).toBeNull();
    const { verdict, checks } = driftChecks(f, T);
    expect(checks.filter((c) => c.result === 'n/a').map((c) => c.name)).toEqual([
      'maxConfidencePsi',
      'maxNotADogRateIncrease',
    ]);
    expect(verdict).toBe('pass');
  });
});
