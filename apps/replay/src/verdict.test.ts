/** The verdict follows the spec's rollout.replay thresholds, each check with its value, limit and result. */
import { DEFAULT_SPEC, type ReplayThresholds } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { describe, expect, it } from 'vitest';
import type { ReplayFigures } from './report.js';
import { replayChecks, verdictOf } from './verdict.js';

const t: ReplayThresholds = DEFAULT_SPEC.rollout.replay;

function figures(patch: Partial<ReplayFigures> = {}): ReplayFigures {
  return {
    requests: t.minRequests,
    compared: t.minRequests,
    errors: { baseline: 0, candidate: 0, examples: [] },
    agreement: { agree: t.minRequests, rate: 1 },
    flips: [],
    accuracy: {
      labelled: t.minRequests,
      baseline: { correct: t.minRequests, rate: 1 },
      candidate: { correct: t.minRequests, rate: 1 },
      drop: 0,
      labelsUnknownTo: {},
    },
    confidence: { meanAbsShift: 0, baselineMean: 0.9, candidateMean: 0.9 },
    latency: {
      baseline: { p50Ms: 10, p95Ms: 10, meanMs: 10 },
      candidate: { p50Ms: 10, p95Ms: 10, meanMs: 10 },
      p95Ratio: 1,
    },
    ...patch,
  };
}

const failed = (f: ReplayFigures, thresholds = t) =>
  replayChecks(f, thresholds)
    .filter((c) => c.result === 'fail')
    .map((c) => c.name);

describe('replayChecks', () => {
  it('passes figures at every limit, listing each threshold with value and limit', () => {
    const checks = replayChecks(figures(), t);
    expect(checks.map((c) => [c.name, c.limit, c.result])).toEqual([
      ['minRequests', t.minRequests, 'pass'],
      ['candidateErrors', 0, 'pass'],
      ['minTop1Agreement', t.minTop1Agreement, 'pass'],
      ['maxAccuracyDrop', t.maxAccuracyDrop, 'pass'],
      ['maxMeanConfidenceShift', t.maxMeanConfidenceShift, 'pass'],
      ['maxP95LatencyRatio', t.maxP95LatencyRatio, 'pass'],
    ]);
    expect(verdictOf(checks)).toBe('pass');
  });

  it('fails each threshold just past its limit', () => {
    expect(failed(figures({ compared: t.minRequests - 1 }))).toEqual(['minRequests']);
    expect(failed(figures({ errors: { baseline: 0, candidate: 1, examples: [] } }))).toEqual([
      'candidateErrors',
    ]);
    expect(failed(figures({ agreement: { agree: 0, rate: t.minTop1Agreement - 0.001 } }))).toEqual([
      'minTop1Agreement',
    ]);
    const acc = figures().accuracy as NonNullable<ReplayFigures['accuracy']>;
    expect(failed(figures({ accuracy: { ...acc, drop: t.maxAccuracyDrop + 0.001 } }))).toEqual([
      'maxAccuracyDrop',
    ]);
    expect(
      failed(
        figures({
          confidence: { meanAbsShift: t.maxMeanConfidenceShift + 0.001, baselineMean: 1, candidateMean: 1 },
        }),
      ),
    ).toEqual(['maxMeanConfidenceShift']);
    const lat = figures().latency as NonNullable<ReplayFigures['latency']>;
    expect(failed(figures({ latency: { ...lat, p95Ratio: t.maxP95LatencyRatio + 0.001 } }))).toEqual([
      'maxP95LatencyRatio',
    ]);
  });

  it("does not fail on the serving model's errors", () => {
    expect(failed(figures({ errors: { baseline: 3, candidate: 0, examples: [] } }))).toEqual([]);
  });

  it('marks accuracy n/a without labelled images (captures only) and still passes', () => {
    const checks = replayChecks(figures({ accuracy: null }), t);
    expect(checks.find((c) => c.name === 'maxAccuracyDrop')).toMatchObject({ value: null, result: 'n/a' });
    expect(verdictOf(checks)).toBe('pass');
  });

  it('fails when nothing was compared', () => {
    const none = figures({
      compared: 0,
      agreement: { agree: 0, rate: null },
      confidence: null,
      latency: null,
    });
    expect(failed(none)).toEqual([
      'minRequests',
      'minTop1Agreement',
      'maxMeanConfidenceShift',
      'maxP95LatencyRatio',
    ]);
  });

  it('takes its limits from the spec it is given', () => {
    const spec = specWith({ rollout: { replay: { minRequests: 3, minTop1Agreement: 0.5 } } });
    const f = figures({ compared: 3, agreement: { agree: 2, rate: 2 / 3 } });
    expect(failed(f)).toContain('minRequests');
    expect(failed(f, spec.rollout.replay)).toEqual([]);
  });
});
