import { describe, expect, it } from 'vitest';
import { buildSpec, PLATFORM_SPEC } from '../index.js';

describe('autoscaling policy options', () => {
  it('default to target tracking with no schedule', () => {
    expect(PLATFORM_SPEC.autoscaling.policy).toEqual({ type: 'target-tracking' });
    expect(PLATFORM_SPEC.autoscaling.schedule).toEqual([]);
  });

  it('accept a step policy and an off-hours window', () => {
    const spec = buildSpec({
      autoscaling: {
        minInstances: 2,
        policy: {
          type: 'step',
          scaleOut: [{ lowerBound: 300, change: 1 }],
          scaleIn: [{ upperBound: 100, change: 1 }],
        },
        schedule: [{ name: 'off-hours', start: '0 20 * * *', end: '0 7 * * *', minInstances: 1 }],
      },
    });
    expect(spec.autoscaling.policy.type).toBe('step');
  });

  it.each([
    ['unknown policy type', { policy: { type: 'predictive' } }, 'autoscaling.policy.type'],
    [
      'scale-out bounds not increasing',
      {
        policy: {
          type: 'step',
          scaleOut: [
            { lowerBound: 300, change: 1 },
            { lowerBound: 200, change: 2 },
          ],
          scaleIn: [{ upperBound: 100, change: 1 }],
        },
      },
      'autoscaling.policy.scaleOut.1.lowerBound',
    ],
    [
      'scale-in band overlapping scale-out',
      {
        policy: {
          type: 'step',
          scaleOut: [{ lowerBound: 300, change: 1 }],
          scaleIn: [{ upperBound: 400, change: 1 }],
        },
      },
      'autoscaling.policy.scaleIn.0.upperBound',
    ],
    [
      'step with the concurrency metric',
      {
        metric: 'SageMakerVariantConcurrentRequestsPerModelHighResolution',
        policy: {
          type: 'step',
          scaleOut: [{ lowerBound: 3, change: 1 }],
          scaleIn: [{ upperBound: 1, change: 1 }],
        },
      },
      'autoscaling.policy.type',
    ],
    [
      'bad cron',
      { schedule: [{ name: 'x', start: '0 25 * * *', end: '0 7 * * *', minInstances: 1 }] },
      'autoscaling.schedule.0.start',
    ],
    [
      'window min above max',
      { schedule: [{ name: 'x', start: '0 20 * * *', end: '0 7 * * *', minInstances: 5 }] },
      'autoscaling.schedule.0.minInstances',
    ],
  ])('%s fails naming %s', (_name, autoscaling, path) => {
    expect(() => buildSpec({ autoscaling })).toThrow(new RegExp(`${path.replace(/\./g, '\\.')}:`));
  });

  it('has a price for the endpoints’ instance type, with its source and date', () => {
    const prices = PLATFORM_SPEC.capacityPlanning.prices;
    expect(prices.instances[PLATFORM_SPEC.endpoints.single.instanceType]?.usdPerHour).toBeGreaterThan(0);
    expect(prices.asOf).toMatch(/^\d{4}-\d{2}/);
    expect(prices.region).toBe(PLATFORM_SPEC.project.region);
  });
});
