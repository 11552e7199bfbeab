import { describe, expect, it } from 'vitest';
import type { AutoscalingSpec, MetricPoint } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import {
  applyDecision,
  evaluate,
  metricValue,
  targetCapacity,
  type ScalerState,
  type ScalerTiming,
} from './autoscaler.js';

/** Cooldowns of `a` divided by a time scale, as the local stack runs them. */
function scaledTiming(a: AutoscalingSpec, timeScale: number): ScalerTiming {
  return {
    scaleOutCooldownMs: (a.scaleOutCooldownSeconds * 1000) / timeScale,
    scaleInCooldownMs: (a.scaleInCooldownSeconds * 1000) / timeScale,
  };
}

const spec = specWith({}); // min 1, max 4, target 300/min, periods 60 s, out 3 periods / 30 s, in 15 periods / 300 s
const a = spec.autoscaling;
const timing = scaledTiming(a, 1);

/** `n` periods of 60 s ending at `end`, each with `invocations` on `instances`. */
function periods(n: number, invocations: number, instances: number, end = 1_000_000): MetricPoint[] {
  return Array.from({ length: n }, (_, k) => ({
    t: end - (n - 1 - k) * 60_000,
    instances,
    invocations,
    invocationsPerInstance: invocations / instances,
    concurrentRequests: 1,
    modelLatencyP50Ms: 5,
    modelLatencyP95Ms: 9,
    invocation4xxErrors: 0,
    invocation5xxErrors: 0,
  }));
}
const fresh: ScalerState = { desired: 1, lastScaleOutAt: null, lastActivityAt: null };

describe('metricValue', () => {
  it('scales the period count to per instance per minute with the spec period', () => {
    const [p] = periods(1, 600, 2);
    expect(metricValue(p as MetricPoint, 'SageMakerVariantInvocationsPerInstance', 60)).toBe(300);
    expect(metricValue(p as MetricPoint, 'SageMakerVariantInvocationsPerInstance', 30)).toBe(600);
  });
  it('has no value without an InService instance', () => {
    const [p] = periods(1, 10, 0);
    expect(metricValue(p as MetricPoint, 'SageMakerVariantInvocationsPerInstance', 60)).toBeUndefined();
  });
  it('uses max concurrent requests per instance for the concurrency metric', () => {
    const p = { ...(periods(1, 10, 2)[0] as MetricPoint), concurrentRequests: 6 };
    expect(metricValue(p, 'SageMakerVariantConcurrentRequestsPerModelHighResolution', 60)).toBe(3);
  });
});

describe('targetCapacity', () => {
  it.each([
    [600, 1, 2],
    [301, 1, 2],
    [300, 2, 2],
    [3000, 1, 4], // clamped to max
    [0, 4, 1], // clamped to min
  ])('metric %d on %d instance(s) → %d', (value, current, expected) => {
    expect(targetCapacity(value, current, a)).toBe(expected);
  });
});

describe('evaluate: scale-out', () => {
  it('scales out only after scaleOutEvaluationPeriods periods above the target', () => {
    const twoHigh = [...periods(1, 100, 1, 880_000), ...periods(2, 900, 1)];
    expect(evaluate(twoHigh, fresh, 1_000_000, a, timing).action).toBe('none');
    const d = evaluate(periods(3, 900, 1), fresh, 1_000_000, a, timing);
    expect(d).toMatchObject({ action: 'scale', direction: 'out', fromDesired: 1, toDesired: 3 });
  });

  it('never goes above maxInstances', () => {
    const d = evaluate(periods(3, 100_000, 1), fresh, 1_000_000, a, timing);
    expect(d).toMatchObject({ action: 'scale', toDesired: a.maxInstances });
    const at4 = { desired: 4, lastScaleOutAt: 0, lastActivityAt: 0 };
    expect(evaluate(periods(3, 100_000, 4), at4, 10_000_000, a, timing).action).toBe('none');
  });

  it('respects the scale-out cooldown', () => {
    const state = { desired: 2, lastScaleOutAt: 1_000_000 - 10_000, lastActivityAt: 1_000_000 - 10_000 };
    expect(evaluate(periods(3, 1200, 2), state, 1_000_000, a, timing)).toMatchObject({
      action: 'none',
      reason: 'scale-out cooldown',
    });
    expect(evaluate(periods(3, 1200, 2), state, 1_000_000 + 30_000, a, timing)).toMatchObject({
      action: 'scale',
      toDesired: 4,
    });
  });

  it('follows the spec: a lower target scales out earlier', () => {
    const low = specWith({ autoscaling: { targetValue: 50 } }).autoscaling;
    expect(evaluate(periods(3, 100, 1), fresh, 1_000_000, a, timing).action).toBe('none');
    expect(evaluate(periods(3, 100, 1), fresh, 1_000_000, low, scaledTiming(low, 1))).toMatchObject({
      toDesired: 2,
    });
  });
});

describe('evaluate: scale-in', () => {
  const at4: ScalerState = { desired: 4, lastScaleOutAt: 0, lastActivityAt: 0 };
  it('needs scaleInEvaluationPeriods periods below 90% of the target', () => {
    expect(evaluate(periods(14, 0, 4), at4, 10_000_000, a, timing).action).toBe('none');
    expect(evaluate(periods(15, 0, 4), at4, 10_000_000, a, timing)).toMatchObject({
      action: 'scale',
      direction: 'in',
      fromDesired: 4,
      toDesired: 1,
    });
  });

  it('does not scale in between 90% and 100% of the target', () => {
    // 4 instances × 280/min = 93% of 300
    expect(evaluate(periods(15, 1120, 4), at4, 10_000_000, a, timing).action).toBe('none');
  });

  it('waits scaleInCooldownSeconds since the last scaling activity of either direction', () => {
    const recent = { desired: 4, lastScaleOutAt: 10_000_000 - 100_000, lastActivityAt: 10_000_000 - 100_000 };
    expect(evaluate(periods(15, 0, 4), recent, 10_000_000, a, timing)).toMatchObject({
      reason: 'scale-in cooldown',
    });
    expect(evaluate(periods(15, 0, 4), recent, 10_000_000 + 200_000, a, timing)).toMatchObject({
      direction: 'in',
    });
  });

  it('with a time scale the cooldowns shrink by the same factor', () => {
    const fast = scaledTiming(a, 60); // scale-in cooldown 300 s → 5 s
    const recent = { desired: 4, lastScaleOutAt: 10_000_000 - 4_000, lastActivityAt: 10_000_000 - 4_000 };
    expect(evaluate(periods(15, 0, 4), recent, 10_000_000, a, fast).action).toBe('none');
    expect(evaluate(periods(15, 0, 4), recent, 10_000_000 + 1_000, a, fast).action).toBe('scale');
  });
});

describe('applyDecision', () => {
  it('records the scale-out time and the activity time', () => {
    const d = evaluate(periods(3, 900, 1), fresh, 1_000_000, a, timing);
    expect(applyDecision(fresh, d, 1_000_000)).toEqual({
      desired: 3,
      lastScaleOutAt: 1_000_000,
      lastActivityAt: 1_000_000,
    });
    expect(applyDecision(fresh, { action: 'none', reason: 'x' }, 5)).toBe(fresh);
  });
});

describe('evaluate: step scaling', () => {
  const step = specWith({
    autoscaling: {
      policy: {
        type: 'step',
        scaleOut: [
          { lowerBound: 300, change: 1 },
          { lowerBound: 600, change: 2 },
        ],
        scaleIn: [
          { upperBound: 150, change: 1 },
          { upperBound: 50, change: 2 },
        ],
      },
    },
  }).autoscaling;
  const at2: ScalerState = { desired: 2, lastScaleOutAt: 0, lastActivityAt: 0 };

  it.each([
    [299, 'none', 2],
    [300, 'out', 3],
    [599, 'out', 3],
    [600, 'out', 4],
    [5000, 'out', 4], // +2 from 2, and never above max
  ])('per-instance metric %d for 3 periods → %s to %d', (perInstance, direction, to) => {
    const d = evaluate(periods(3, perInstance * 2, 2), at2, 10_000_000, step, timing);
    if (direction === 'none') expect(d.action).toBe('none');
    else expect(d).toMatchObject({ action: 'scale', direction, toDesired: to, source: 'policy' });
  });

  it.each([
    [150, 'none', 2],
    [149, 'in', 1],
    [49, 'in', 1], // −2 from 2, clamped to min 1
  ])('per-instance metric %d for 15 periods → %s to %d', (perInstance, direction, to) => {
    const d = evaluate(periods(15, perInstance * 2, 2), at2, 10_000_000, step, timing);
    if (direction === 'none') expect(d.action).toBe('none');
    else expect(d).toMatchObject({ action: 'scale', direction, toDesired: to });
  });

  it('needs the scale-out alarm for scaleOutEvaluationPeriods periods and respects the cooldowns', () => {
    const twoHigh = [...periods(1, 100, 2, 880_000), ...periods(2, 2000, 2)];
    expect(evaluate(twoHigh, at2, 1_000_000, step, timing).action).toBe('none');
    const justOut = { desired: 2, lastScaleOutAt: 1_000_000 - 10_000, lastActivityAt: 1_000_000 - 10_000 };
    expect(evaluate(periods(3, 2000, 2), justOut, 1_000_000, step, timing)).toMatchObject({
      reason: 'scale-out cooldown',
    });
    expect(evaluate(periods(15, 0, 2), justOut, 1_000_000 + 200_000, step, timing)).toMatchObject({
      reason: 'scale-in cooldown',
    });
    expect(evaluate(periods(15, 0, 2), justOut, 1_000_000 + 290_000, step, timing)).toMatchObject({
      direction: 'in',
    });
  });
});

describe('evaluate: scheduled windows', () => {
  // Off-hours 20:00-07:00 UTC: minimum 1; business hours: the policy's minimum 2.
  const sched = specWith({
    autoscaling: {
      minInstances: 2,
      schedule: [{ name: 'off-hours', start: '0 20 * * *', end: '0 7 * * *', minInstances: 1 }],
    },
  }).autoscaling;
  const day = Date.UTC(2026, 10, 30);
  const at = (h: number, m = 0) => day + (h * 60 + m) * 60_000;

  it('lets the policy go below the daytime minimum only inside the window', () => {
    const at2: ScalerState = { desired: 2, lastScaleOutAt: 0, lastActivityAt: 0 };
    expect(evaluate(periods(15, 0, 2, at(23)), at2, at(23), sched, timing)).toMatchObject({
      direction: 'in',
      toDesired: 1,
    });
    expect(evaluate(periods(15, 0, 2, at(12)), at2, at(12), sched, timing)).toMatchObject({ action: 'none' });
  });

  it('raises the count to the minimum the moment the window ends, without waiting for metrics or cooldowns', () => {
    const at1: ScalerState = { desired: 1, lastScaleOutAt: at(6, 59), lastActivityAt: at(6, 59) };
    expect(evaluate([], at1, at(6, 59), sched, timing).action).toBe('none');
    expect(evaluate([], at1, at(7), sched, timing)).toMatchObject({
      action: 'scale',
      direction: 'out',
      toDesired: 2,
      source: 'schedule',
      cause: 'end of scheduled window sets minInstances 2',
    });
  });

  it('a window maximum below the desired count scales in at once', () => {
    const capped = specWith({
      autoscaling: {
        schedule: [
          { name: 'night-cap', start: '0 22 * * *', end: '0 6 * * *', minInstances: 1, maxInstances: 2 },
        ],
      },
    }).autoscaling;
    const at4: ScalerState = { desired: 4, lastScaleOutAt: at(21, 59), lastActivityAt: at(21, 59) };
    expect(evaluate([], at4, at(22), capped, timing)).toMatchObject({
      direction: 'in',
      toDesired: 2,
      source: 'schedule',
    });
  });
});
