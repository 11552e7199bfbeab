/** The live shadow's verdict from made-up observations: pairing, each figure, each threshold. */
import { DEFAULT_SPEC, type ShadowSpec } from '@dogbreed/platform-spec';
import { describe, expect, it } from 'vitest';
import type { CaptureObservation } from './captures.js';
import { pairByInferenceId, shadowFigures, shadowVerdict } from './shadow.js';

const T: ShadowSpec = { ...DEFAULT_SPEC.rollout.shadow, minPairs: 4 };

const ok = (id: string, label: string, p: number, latencyMs = 10, isDog = true): CaptureObservation => ({
  ok: true,
  id,
  inferenceId: id,
  time: '2026-12-07T10:00:00Z',
  top1: { label, probability: p },
  dog: { probability: isDog ? 0.95 : 0.05, isDog },
  latencyMs,
  modelVersion: 'm',
});
const failed = (id: string): CaptureObservation => ({
  ok: false,
  id,
  inferenceId: id,
  time: 't',
  error: 'X',
});

const serving = ['a', 'b', 'c', 'd'].map((id) => ok(id, '003.beagle', 0.9));

describe('pairByInferenceId', () => {
  it('pairs by inference id and counts what has no twin', () => {
    const candidate = [ok('a', 'beagle', 0.9), ok('b', 'beagle', 0.9), ok('z', 'pug', 0.9)];
    const noId: CaptureObservation = { ...ok('q', 'pug', 0.9), inferenceId: undefined } as CaptureObservation;
    const { pairs, unpairedServing, unpairedCandidate } = pairByInferenceId(serving, [...candidate, noId]);
    expect(pairs.map((p) => p.inferenceId)).toEqual(['a', 'b']);
    expect(unpairedServing).toBe(2);
    expect(unpairedCandidate).toBe(2);
  });
});

describe('shadowVerdict', () => {
  it('passes a candidate that agrees (breed names compared as breeds), as confident, as fast', () => {
    const candidate = ['a', 'b', 'c', 'd'].map((id) => ok(id, 'beagle', 0.88, 11));
    const v = shadowVerdict(serving, candidate, T);
    expect(v.verdict).toBe('pass');
    expect(v.figures).toMatchObject({ compared: 4, agreement: 1, candidateErrors: 0 });
    expect(v.figures.meanConfidenceShift).toBeCloseTo(0.02);
    expect(v.figures.notADog).toEqual({ serving: 0, candidate: 0, increase: 0 });
  });

  it('fails a candidate that answers 200 with the wrong breeds', () => {
    const candidate = ['a', 'b', 'c', 'd'].map((id) => ok(id, 'pug', 0.9));
    const v = shadowVerdict(serving, candidate, T);
    expect(v.verdict).toBe('fail');
    expect(v.checks.find((c) => c.name === 'minTop1Agreement')).toMatchObject({ value: 0, result: 'fail' });
  });

  it('fails on a higher not-a-dog rate, a slower p95, an error, or too few pairs', () => {
    const notDogs = ['a', 'b', 'c', 'd'].map((id, i) => ok(id, 'beagle', 0.9, 10, i > 1));
    expect(
      shadowVerdict(serving, notDogs, T).checks.find((c) => c.name === 'maxNotADogRateIncrease'),
    ).toMatchObject({
      value: 0.5,
      result: 'fail',
    });
    const slow = ['a', 'b', 'c', 'd'].map((id) => ok(id, 'beagle', 0.9, 100));
    expect(shadowVerdict(serving, slow, T).checks.find((c) => c.name === 'maxP95LatencyRatio')?.result).toBe(
      'fail',
    );
    const oneError = [...['a', 'b', 'c'].map((id) => ok(id, 'beagle', 0.9)), failed('d')];
    const v = shadowVerdict(serving, oneError, T);
    expect(v.figures.candidateErrors).toBe(1);
    expect(v.verdict).toBe('fail');
    expect(shadowVerdict(serving.slice(0, 2), serving.slice(0, 2), T).checks[0]).toMatchObject({
      result: 'fail',
    });
  });

  it('without dog outputs the not-a-dog check is n/a, and nothing compared fails', () => {
    const noDog = (o: CaptureObservation): CaptureObservation => (o.ok ? { ...o, dog: undefined } : o);
    const v = shadowVerdict(serving.map(noDog), serving.map(noDog), T);
    expect(v.checks.find((c) => c.name === 'maxNotADogRateIncrease')?.result).toBe('n/a');
    expect(v.verdict).toBe('pass');
    expect(shadowFigures([])).toMatchObject({ compared: 0, agreement: null, latency: null });
    expect(shadowVerdict([], [], T).verdict).toBe('fail');
  });
});
