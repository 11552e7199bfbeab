import { describe, expect, it } from 'vitest';
import { specWith } from '@dogbreed/testing';
import type { SpecOverride } from '@dogbreed/platform-spec';
import { simulate, type SimulationInput } from './simulate.js';
import { spike, steady, standardTrace, STANDARD_TRACE_NAMES, type Trace } from './traces.js';

const spec = specWith({}); // min 1, max 4, target 300/min, out 3 periods / 30 s, in 15 periods / 300 s
const policy = (override: SpecOverride = {}, name = 'p') => ({
  name,
  autoscaling: specWith({ autoscaling: override }).autoscaling,
});
// 10 req/s per instance = 600/min: twice the target, as the spec's target assumes (peak × 0.5 × 60).
const base = { capacityRps: 10, startupSeconds: 0, metricDelaySeconds: 0, usdPerHour: 0.12 };
const run = (trace: Trace, over: Partial<SimulationInput> = {}) =>
  simulate({ trace, policy: policy(), ...base, ...over });

describe('simulate: closed-form cases', () => {
  it.each([1, 2, 3, 4])(
    'a steady load of exactly %d × target settles at that many instances and stays',
    (n) => {
      const r = run(steady({ perMinute: n * spec.autoscaling.targetValue, minutes: 120 }));
      expect(r.timeline.at(-1)?.inService).toBe(n);
      expect(r.scaleIns).toBe(0);
      expect(r.scaleOuts).toBe(n === 1 ? 0 : 1);
      // Scale-out after exactly scaleOutEvaluationPeriods periods above target, straight to ceil(n × 300 × 1 / 300).
      if (n > 1) expect(r.events[0]).toMatchObject({ minute: 3, fromDesired: 1, toDesired: n });
    },
  );

  it('never goes above maxInstances however large the load', () => {
    const r = run(steady({ perMinute: 100 * spec.autoscaling.targetValue, minutes: 60 }));
    expect(Math.max(...r.timeline.map((s) => s.desired))).toBe(spec.autoscaling.maxInstances);
    expect(r.peakInService).toBe(spec.autoscaling.maxInstances);
  });

  it('respects the cooldowns on every standard trace', () => {
    const a = spec.autoscaling;
    for (const name of STANDARD_TRACE_NAMES) {
      const r = run(standardTrace(name, a), { startupSeconds: 300, metricDelaySeconds: 60 });
      let lastOut: number | undefined;
      let lastActivity: number | undefined;
      for (const e of r.events) {
        if (e.direction === 'out' && lastOut !== undefined)
          expect((e.minute - lastOut) * 60).toBeGreaterThanOrEqual(a.scaleOutCooldownSeconds);
        if (e.direction === 'in' && lastActivity !== undefined)
          expect((e.minute - lastActivity) * 60).toBeGreaterThanOrEqual(a.scaleInCooldownSeconds);
        if (e.direction === 'out') lastOut = e.minute;
        lastActivity = e.minute;
      }
    }
  });

  it('a spike shorter than the start-up delay is minutes over capacity, all of it', () => {
    // One instance serves 600/min; 2,400/min for 5 minutes; new instances need 10 minutes.
    const r = run(spike({ base: 300, peak: 2400, atMinute: 30, spikeMinutes: 5, minutes: 90 }), {
      startupSeconds: 600,
    });
    expect(r.overCapacityMinutes).toBe(5);
    expect(r.overCapacityRequests).toBe(5 * (2400 - 600));
    expect(r.scaleOuts).toBe(1); // it did react, too late to help
  });

  it('honours a scheduled off-hours minimum', () => {
    const p = policy({
      minInstances: 2,
      schedule: [{ name: 'off-hours', start: '0 20 * * *', end: '0 7 * * *', minInstances: 1 }],
    });
    const r = simulate({ trace: steady({ perMinute: 30, minutes: 2 * 1440 }), policy: p, ...base });
    const at = (h: number) => r.timeline[24 * 60 + h * 60];
    expect(at(12)?.inService).toBe(2); // day 2, midday
    expect(at(23)?.inService).toBe(1); // off-hours: the policy scaled in to the window's minimum
    expect(r.events.some((e) => e.source === 'schedule' && e.toDesired === 2)).toBe(true); // 07:00 back to 2
  });

  it('prices instance-hours: one instance for 60 minutes at $0.12/h costs $0.12', () => {
    const r = run(steady({ perMinute: 60, minutes: 60 }));
    expect(r.instanceHours).toBe(1);
    expect(r.usd).toBe(0.12);
    expect(r.usdPerThousand).toBeCloseTo((0.12 / 3600) * 1000, 7);
  });

  it('is deterministic: the same input gives the same output', () => {
    const once = () =>
      JSON.stringify(
        run(standardTrace('diurnal', spec.autoscaling), { startupSeconds: 300, metricDelaySeconds: 60 }),
      );
    expect(once()).toBe(once());
  });

  it('refuses a policy it cannot replay, naming it', () => {
    const p = policy({ metricPeriodSeconds: 10 }, 'fast');
    expect(() => simulate({ trace: steady({ perMinute: 1, minutes: 1 }), policy: p, ...base })).toThrow(
      /policy fast: .*metricPeriodSeconds must be 60/,
    );
  });
});

describe('simulate: step policy', () => {
  it('adds the step whose bound the load crossed', () => {
    const p = policy({
      policy: {
        type: 'step',
        scaleOut: [
          { lowerBound: 300, change: 1 },
          { lowerBound: 900, change: 3 },
        ],
        scaleIn: [{ upperBound: 100, change: 1 }],
      },
    });
    const r = simulate({ trace: steady({ perMinute: 1000, minutes: 10 }), policy: p, ...base });
    expect(r.events[0]).toMatchObject({ minute: 3, fromDesired: 1, toDesired: 4 });
  });
});
