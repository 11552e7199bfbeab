import { awsLoadTestSeconds, PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { describe, expect, it } from 'vitest';
import { autoscaleProfile, concurrencyProfile, parseLoadSpec } from '../k6/lib/profiles.ts';
import { arrivalRateThresholds, concurrencyThresholds, sloFor } from '../k6/lib/thresholds.ts';

const load = (spec = PLATFORM_SPEC) => parseLoadSpec(JSON.stringify(spec));

describe('load profiles from the spec', () => {
  it('offers more than maxInstances can absorb at the target (AWS: time scale 1)', () => {
    const p = autoscaleProfile(load(), {
      timeScale: 1,
      instanceWarmupSeconds: PLATFORM_SPEC.ci.loadTest.instanceWarmupSeconds,
    });
    // 1.25 × 4 instances × 300 per minute = 1500 per minute = 25 req/s.
    expect(p.peakRps).toBeCloseTo(25);
    expect(p.peakMetricPerInstanceAtMax).toBeGreaterThan(PLATFORM_SPEC.autoscaling.targetValue);
    expect(p.stages[1]).toEqual({ target: 1500, duration: `${Math.ceil(p.holdSeconds)}s` });
    // Drop: 15 scale-in evaluation periods (+3) and the 300 s cooldown.
    expect(p.dropSeconds).toBe(18 * 60 + 300);
    expect(p.trickleRps * 60).toBeLessThan(0.9 * PLATFORM_SPEC.autoscaling.targetValue);
  });

  it("the AWS profile plus ci.loadTest.otherStepsSeconds is awsLoadTestSeconds, the load-test role's session floor", () => {
    for (const spec of [
      PLATFORM_SPEC,
      specWith({
        autoscaling: { maxInstances: 3, metricPeriodSeconds: 120, scaleInCooldownSeconds: 450 },
        ci: { loadTest: { instanceWarmupSeconds: 420, otherStepsSeconds: 600 } },
      }),
    ]) {
      const loaded = load(spec);
      expect(loaded.ci.loadTest.instanceWarmupSeconds).toBe(spec.ci.loadTest.instanceWarmupSeconds);
      const p = autoscaleProfile(loaded, {
        timeScale: 1,
        instanceWarmupSeconds: loaded.ci.loadTest.instanceWarmupSeconds,
      });
      expect(p.totalSeconds + spec.ci.loadTest.otherStepsSeconds).toBe(awsLoadTestSeconds(spec));
    }
    // The defaults: ramp 120 s, hold 3 × 270 s + 600 s warm-up, drop 1380 s, 900 s of other steps.
    expect(awsLoadTestSeconds(PLATFORM_SPEC)).toBe(120 + 1410 + 1380 + 900);
  });

  it('compresses durations and raises rates with the time scale', () => {
    const slow = autoscaleProfile(load(), { timeScale: 1, instanceWarmupSeconds: 0 });
    const fast = autoscaleProfile(load(), { timeScale: 60, instanceWarmupSeconds: 0 });
    expect(fast.holdSeconds).toBeCloseTo(slow.holdSeconds / 60);
    expect(fast.dropSeconds).toBeCloseTo(slow.dropSeconds / 60);
    expect(fast.peakRps).toBeCloseTo(slow.peakRps * 60);
  });

  it('follows maxInstances and the target from the spec', () => {
    const p = autoscaleProfile(load(specWith({ autoscaling: { maxInstances: 2, targetValue: 60 } })), {
      timeScale: 1,
      instanceWarmupSeconds: 0,
    });
    expect(p.peakRps).toBeCloseTo((1.25 * 2 * 60) / 60);
  });

  it('offers twice the reserved concurrency to the function', () => {
    expect(concurrencyProfile(load(), 10).vus).toBe(2 * PLATFORM_SPEC.invoker.reservedConcurrency);
    expect(concurrencyProfile(load(specWith({ invoker: { reservedConcurrency: 3 } })), 10).vus).toBe(6);
    expect(() => concurrencyProfile(load(), 10, 1)).toThrow(/more than the reserved concurrency/);
  });

  it('rejects a missing or broken SPEC with the field named', () => {
    expect(() => parseLoadSpec(undefined)).toThrow(/SPEC is not set/);
    const broken = JSON.parse(JSON.stringify(PLATFORM_SPEC));
    broken.autoscaling.maxInstances = 'four';
    expect(() => parseLoadSpec(JSON.stringify(broken))).toThrow(
      /SPEC.autoscaling.maxInstances must be a number/,
    );
    const noWarmup = JSON.parse(JSON.stringify(PLATFORM_SPEC));
    delete noWarmup.ci.loadTest.instanceWarmupSeconds;
    expect(() => parseLoadSpec(JSON.stringify(noWarmup))).toThrow(
      /SPEC.ci.loadTest.instanceWarmupSeconds must be a number/,
    );
  });
});

describe('thresholds', () => {
  it('keeps 429s out of the error rate and requires some under concurrency', () => {
    const t = concurrencyThresholds(sloFor('concurrency', {}));
    expect(t['unexpected_responses']).toEqual(['count==0']);
    expect(t['throttled_responses']).toEqual(['count>0']);
    expect(t['http_req_failed']).toEqual(['rate<=0']);
  });

  it('takes SLO overrides from env and bounds dropped iterations', () => {
    expect(sloFor('smoke', { P95_MS: '250' }).p95Ms).toBe(250);
    expect(() => sloFor('smoke', { ERROR_RATE: '2' })).toThrow();
    expect(arrivalRateThresholds(sloFor('autoscale', {}), 1000)['dropped_iterations']).toEqual(['count<=10']);
  });
});
