import { PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { describe, expect, it } from 'vitest';
import { goodObservation, nth } from './fixtures';
import { allPassed, verify, type CheckResult } from './rules';

const byId = (rs: CheckResult[], id: string) => {
  const r = rs.find((x) => x.id === id);
  if (!r) throw new Error(`no check ${id}`);
  return r;
};

describe('verify', () => {
  it('passes a run that scaled 1→4→1 within the cooldowns and saturated the Lambda', () => {
    const rs = verify(PLATFORM_SPEC, goodObservation(), {
      offeredConcurrency: 14,
      expectScaleIn: true,
      clientThrottled: 40,
    });
    expect(rs.filter((r) => !r.pass)).toEqual([]);
    expect(allPassed(rs)).toBe(true);
    expect(rs.map((r) => r.id)).toEqual([
      'max-instances-reached',
      'max-instances-never-exceeded',
      'scale-out-cooldown',
      'scale-in-cooldown',
      'scaled-in',
      'lambda-max-concurrency',
      'lambda-throttled',
      'throttles-accounted',
    ]);
  });

  it('fails with 3 vs 4 when the endpoint only reached 3 instances', () => {
    const o = goodObservation();
    o.endpoint.instanceSeries = o.endpoint.instanceSeries.map((p) => ({
      ...p,
      instances: Math.min(p.instances, 3),
    }));
    nth(o.endpoint.activities, 1).toDesired = 3;
    const r = byId(verify(PLATFORM_SPEC, o, { expectScaleIn: false }), 'max-instances-reached');
    expect(r.pass).toBe(false);
    expect(r.message).toMatch(/reached only 3 instances, expected 4/);
  });

  it('follows the spec: maxInstances 3 makes 3 the goal and 4 a violation', () => {
    const spec = specWith({ autoscaling: { maxInstances: 3 } });
    const rs = verify(spec, goodObservation(), { expectScaleIn: false });
    expect(byId(rs, 'max-instances-reached').message).toMatch(
      /4 instances in service, more than maxInstances 3/,
    );
    expect(byId(rs, 'max-instances-never-exceeded').pass).toBe(false);
  });

  it('catches a desired count above the maximum even if never in service', () => {
    const o = goodObservation();
    o.endpoint.activities.push({
      t: nth(o.endpoint.activities, 1).t + 5000,
      direction: 'out',
      fromDesired: 4,
      toDesired: 5,
      cause: 'x',
    });
    const r = byId(verify(PLATFORM_SPEC, o, { expectScaleIn: false }), 'max-instances-never-exceeded');
    expect(r.pass).toBe(false);
    expect(r.message).toContain('went to 5 instances');
  });

  it('fails scale-outs closer than the time-scaled cooldown (30 s / 60 = 0.5 s)', () => {
    const o = goodObservation();
    nth(o.endpoint.activities, 1).t = nth(o.endpoint.activities, 0).t + 400;
    const r = byId(verify(PLATFORM_SPEC, o, { expectScaleIn: false }), 'scale-out-cooldown');
    expect(r.pass).toBe(false);
    expect(r.message).toMatch(/only 0\.40 s apart; the scale-out cooldown is 0\.50 s/);
    // A tolerance covers timer jitter, nothing more.
    expect(
      byId(verify(PLATFORM_SPEC, o, { expectScaleIn: false, toleranceMs: 100 }), 'scale-out-cooldown').pass,
    ).toBe(true);
  });

  it('fails a scale-in sooner than the scale-in cooldown after the previous activity (300 s / 60 = 5 s)', () => {
    const o = goodObservation();
    nth(o.endpoint.activities, 2).t = nth(o.endpoint.activities, 1).t + 4000;
    const r = byId(verify(PLATFORM_SPEC, o, { expectScaleIn: true }), 'scale-in-cooldown');
    expect(r.pass).toBe(false);
    expect(r.message).toMatch(
      /scaled in 4\.00 s after the previous activity; the scale-in cooldown is 5\.00 s/,
    );
  });

  it('ignores instance replacements for cooldowns', () => {
    const o = goodObservation();
    o.endpoint.activities.splice(1, 0, {
      t: nth(o.endpoint.activities, 0).t + 100,
      direction: 'replace',
      fromDesired: 2,
      toDesired: 2,
      cause: 'killed',
    });
    expect(byId(verify(PLATFORM_SPEC, o, { expectScaleIn: false }), 'scale-out-cooldown').pass).toBe(true);
  });

  it('requires a scale-in when the load dropped long enough', () => {
    const o = goodObservation();
    o.endpoint.activities.pop();
    nth(o.endpoint.instanceSeries, -1).instances = 4;
    o.endpoint.currentInstances = 4;
    const r = byId(verify(PLATFORM_SPEC, o, { expectScaleIn: true }), 'scaled-in');
    expect(r.pass).toBe(false);
    expect(r.message).toContain('did not scale in');
  });

  it('counts a scale-in after the peak even when a later scenario scaled the endpoint out again', () => {
    const o = goodObservation();
    // … 4, 4, 1 (scaled in), then the concurrency scenario drives it back to 4 by the end of the run.
    const last = nth(o.endpoint.instanceSeries, -1);
    o.endpoint.instanceSeries.push({ t: last.t + 4000, instances: 4 });
    o.endpoint.currentInstances = 4;
    const r = byId(verify(PLATFORM_SPEC, o, { expectScaleIn: true }), 'scaled-in');
    expect(r.pass).toBe(true);
    expect(r.actual).toMatch(/fewest 1 instance\(s\) after the peak/);
  });

  it('fails when the Lambda never reached its reserved concurrency, or passed it, or did not throttle', () => {
    const o = goodObservation();
    o.lambda.maxConcurrentExecutions = 5;
    expect(
      byId(
        verify(PLATFORM_SPEC, o, { offeredConcurrency: 14, expectScaleIn: false }),
        'lambda-max-concurrency',
      ).message,
    ).toMatch(
      /peaked at 5 concurrent executions although 14 requests were offered at once; expected exactly 7/,
    );
    o.lambda.maxConcurrentExecutions = 8;
    expect(
      byId(
        verify(PLATFORM_SPEC, o, { offeredConcurrency: 14, expectScaleIn: false }),
        'lambda-max-concurrency',
      ).message,
    ).toMatch(/ran 8 concurrent executions, above its reserved concurrency 7/);
    o.lambda.maxConcurrentExecutions = 7;
    o.lambda.throttles = 0;
    expect(
      byId(verify(PLATFORM_SPEC, o, { offeredConcurrency: 14, expectScaleIn: false }), 'lambda-throttled')
        .pass,
    ).toBe(false);
    expect(
      byId(
        verify(PLATFORM_SPEC, o, { offeredConcurrency: 14, expectScaleIn: false, clientThrottled: 3 }),
        'throttles-accounted',
      ).pass,
    ).toBe(false);
  });

  it('reads the reserved concurrency from the spec', () => {
    const spec = specWith({ invoker: { reservedConcurrency: 5, provisionedConcurrency: 0 } });
    const r = byId(
      verify(spec, goodObservation(), { offeredConcurrency: 10, expectScaleIn: false }),
      'lambda-max-concurrency',
    );
    expect(r.pass).toBe(false);
    expect(r.expected).toBe('max ConcurrentExecutions == 5');
  });

  it('without a concurrency scenario only checks the cap', () => {
    const rs = verify(PLATFORM_SPEC, goodObservation(), { expectScaleIn: false });
    expect(byId(rs, 'lambda-concurrency-cap').pass).toBe(true);
    expect(rs.some((r) => r.id === 'lambda-throttled')).toBe(false);
  });
});
