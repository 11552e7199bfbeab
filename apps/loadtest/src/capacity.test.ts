import { describe, expect, it } from 'vitest';
import { parseCapacityFile } from '@dogbreed/autoscaling';
import { capacityFromSteps, costAtCapacity, probeRates, sustainable, toCapacityFile } from './capacity';

const step = (rps: number, p95Ms: number | undefined, errorRate = 0, droppedIterations = 0) => ({
  rps,
  p95Ms,
  errorRate,
  droppedIterations,
  requests: rps * 10,
});

describe('capacity probe math', () => {
  it('takes the highest rate under the SLO and derives peak × 0.5 × 60', () => {
    const c = capacityFromSteps([step(20, 900), step(5, 80), step(10, 150), step(15, 400)], {
      sloP95Ms: 500,
      specTargetValue: 300,
    });
    expect(c.steps.map((s) => [s.rps, s.sustainable])).toEqual([
      [5, true],
      [10, true],
      [15, true],
      [20, false],
    ]);
    expect(c.peakRps).toBe(15);
    expect(c.impliedTargetValue).toBe(450);
    expect(c.specTargetValue).toBe(300);
    expect(c.lowerBound).toBe(false);
    expect(capacityFromSteps([step(5, 80)], { sloP95Ms: 500, specTargetValue: 300 }).lowerBound).toBe(true);
  });

  it('does not count a lucky step after a failed one, nor steps with errors or dropped iterations', () => {
    const c = capacityFromSteps([step(5, 80), step(10, 600), step(15, 300)], {
      sloP95Ms: 500,
      specTargetValue: 300,
    });
    expect(c.peakRps).toBe(5);
    expect(sustainable(step(5, 80, 0.01), 500, 0.001)).toBe(false);
    expect(sustainable(step(50, 80, 0, 40), 500, 0.001, 500)).toBe(false);
    expect(sustainable(step(5, undefined), 500, 0.001)).toBe(false);
  });

  it('reports zero capacity when the first step already fails', () => {
    const c = capacityFromSteps([step(5, 800)], { sloP95Ms: 500, specTargetValue: 300, safetyFactor: 0.4 });
    expect(c).toMatchObject({ peakRps: 0, impliedTargetValue: 0, safetyFactor: 0.4 });
  });

  it('steps geometrically', () => {
    expect(probeRates(2, 10, 1.5)).toEqual([2, 3, 4.5, 6.8, 10.1].filter((r) => r <= 10));
    expect(() => probeRates(0, 10)).toThrow();
  });
});

describe('capacity file and cost', () => {
  const c = capacityFromSteps([{ rps: 10, p95Ms: 100, errorRate: 0, droppedIterations: 0, requests: 100 }], {
    sloP95Ms: 500,
    specTargetValue: 300,
  });
  it('writes what the simulator reads', () => {
    const file = toCapacityFile(c, {
      endpoint: 'dogbreed-single-instance',
      instanceType: 'ml.m5.large',
      measuredAt: new Date(0),
    });
    expect(parseCapacityFile(JSON.stringify(file), 'capacity.json')).toEqual(file);
    expect(file).toMatchObject({
      version: 1,
      peakRps: 10,
      instanceType: 'ml.m5.large',
      measuredAt: '1970-01-01T00:00:00.000Z',
    });
  });
  it('prices 1,000 inferences at the measured peak and at the target utilisation', () => {
    const price = {
      instanceType: 'ml.m5.large',
      usdPerHour: 0.36,
      source: 's',
      region: 'us-east-1',
      asOf: '2025-10',
    };
    // $0.36/h at 10 req/s: 36,000 inferences per hour → $0.01 per 1,000; at half the peak $0.02.
    expect(costAtCapacity(c, price)).toContain(
      '$0.0100 per 1,000 inferences at the measured ≥ 10 req/s, $0.0200 at the target',
    );
  });
});
