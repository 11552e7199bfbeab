/**
 * The shadow session: the copy share from the variant weights, the deterministic copy sample, and the live verdict
 * over capture records of both variants (the same records the files hold), in the admin API's schema.
 */
import { DEFAULT_SPEC, ShadowStatusSchema, type ShadowSpec } from '@dogbreed/platform-spec';
import { describe, expect, it } from 'vitest';
import { captureRecord, type CapturedInvocation } from './data-capture.js';
import { MAX_SHADOW_OBSERVATIONS, ShadowSession, shadowSamplingPercent } from './shadow.js';

const T: ShadowSpec = { ...DEFAULT_SPEC.rollout.shadow, minPairs: 3, maxP95LatencyRatio: 10 };
const AT = new Date('2026-12-07T10:00:00.123Z');

function answer(variantName: string, inferenceId: string, label: string, body?: unknown): CapturedInvocation {
  const output = body ?? {
    predictions: [{ label, probability: 0.9, index: 0 }],
    modelVersion: variantName,
    timingsMs: { decode: 1, preprocess: 1, inference: 1, total: 5 },
  };
  return {
    endpointName: 'ep',
    variantName,
    eventId: `${variantName}-${inferenceId}`,
    inferenceId,
    input: { body: Buffer.from('img'), contentType: 'image/png' },
    output: { body: Buffer.from(JSON.stringify(output)), contentType: 'application/json' },
  };
}

function running(samplingPercent = 100): ShadowSession {
  const s = new ShadowSession({
    variantName: 'AllTraffic-shadow',
    modelName: 'm',
    configName: 'c',
    samplingPercent,
  });
  s.start(1);
  return s;
}

describe('shadowSamplingPercent', () => {
  it('is the shadow weight over the production weight, in %', () => {
    expect(shadowSamplingPercent(1, 0.5)).toBe(50);
    expect(shadowSamplingPercent(2, 1)).toBe(50);
    expect(shadowSamplingPercent(1, 1)).toBe(100);
    expect(shadowSamplingPercent(3, 1)).toBe(33.33);
  });
});

describe('ShadowSession', () => {
  it('copies nothing while starting or after removal, and exactly its share, evenly spread, while running', () => {
    const s = new ShadowSession({ variantName: 'v', modelName: 'm', configName: 'c', samplingPercent: 50 });
    expect(s.takesNext()).toBe(false);
    s.start(1);
    const taken = Array.from({ length: 10 }, () => s.takesNext());
    expect(taken).toEqual([false, true, false, true, false, true, false, true, false, true]);
    s.end(2);
    expect(s.takesNext()).toBe(false);
    expect(s.status(T, 0)).toMatchObject({ state: 'Removed', startedAt: 1, endedAt: 2 });
  });

  it('passes when both variants answer alike, and the status parses with the admin API schema', () => {
    const s = running();
    for (const id of ['a', 'b', 'c']) {
      s.observe('serving', captureRecord(answer('AllTraffic', id, 'beagle'), AT));
      s.observe('candidate', captureRecord(answer('AllTraffic-shadow', id, 'beagle'), AT));
    }
    const status = ShadowStatusSchema.parse(s.status(T, 2));
    expect(status.verdict.verdict).toBe('pass');
    expect(status.verdict.figures).toMatchObject({ compared: 3, agreement: 1, meanConfidenceShift: 0 });
    expect(status).toMatchObject({ copied: 3, dropped: 0, instances: 2, state: 'Running' });
  });

  it('fails a candidate that answers other breeds, one that errors, and one that never answered', () => {
    const wrong = running();
    for (const id of ['a', 'b', 'c']) {
      wrong.observe('serving', captureRecord(answer('AllTraffic', id, 'beagle'), AT));
      wrong.observe('candidate', captureRecord(answer('AllTraffic-shadow', id, 'pug'), AT));
    }
    const v = wrong.status(T, 1).verdict;
    expect(v.verdict).toBe('fail');
    expect(v.figures.agreement).toBe(0);
    expect(v.checks.find((c) => c.name === 'minTop1Agreement')?.result).toBe('fail');

    const broken = running();
    broken.observe('serving', captureRecord(answer('AllTraffic', 'a', 'beagle'), AT));
    broken.observe(
      'candidate',
      captureRecord(
        answer('AllTraffic-shadow', 'a', '', { error: { code: 'INFERENCE_FAILED', message: 'x' } }),
        AT,
      ),
    );
    broken.observe('serving', captureRecord(answer('AllTraffic', 'b', 'beagle'), AT));
    broken.unanswered('b', '2026-12-07T10:00:00Z', 'the shadow instance did not answer');
    broken.drop();
    const b = broken.status(T, 1);
    expect(b.verdict.figures.candidateErrors).toBe(2);
    expect(b.verdict.verdict).toBe('fail');
    expect(b).toMatchObject({ copied: 2, dropped: 1 });
  });

  it('keeps at most MAX_SHADOW_OBSERVATIONS per side', () => {
    const s = running();
    const record = captureRecord(answer('AllTraffic', 'a', 'beagle'), AT);
    for (let k = 0; k < MAX_SHADOW_OBSERVATIONS + 5; k++) s.observe('serving', record);
    expect(s.serving).toHaveLength(MAX_SHADOW_OBSERVATIONS);
  });
});
