import { describe, expect, it } from 'vitest';
import { PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { CapacityPlanningError } from './errors.js';
import { instancePrice, usdPerThousandAtRate } from './cost.js';
import { parseCapacityFile } from './capacity-file.js';

describe('cost', () => {
  it('reads the spec instance type’s price with its source and date', () => {
    const p = instancePrice(PLATFORM_SPEC.capacityPlanning, PLATFORM_SPEC.endpoints.single.instanceType);
    expect(p.usdPerHour).toBeGreaterThan(0);
    expect(p.asOf).toBe(PLATFORM_SPEC.capacityPlanning.prices.asOf);
  });
  it('names the table when a type has no price', () => {
    expect(() => instancePrice(PLATFORM_SPEC.capacityPlanning, 'ml.z9.large')).toThrow(CapacityPlanningError);
    expect(() => instancePrice(PLATFORM_SPEC.capacityPlanning, 'ml.z9.large')).toThrow(
      /capacityPlanning\.prices\.instances/,
    );
  });
  it('$ per 1,000 inferences at a steady rate: $0.36/h at 1 req/s is $0.10', () => {
    expect(usdPerThousandAtRate(0.36, 1)).toBeCloseTo(0.1, 12);
  });
});

describe('parseCapacityFile', () => {
  const valid = {
    version: 1,
    measuredAt: '2026-11-29T22:00:00.000Z',
    endpoint: 'dogbreed-single-instance',
    instanceType: 'ml.m5.large',
    sloP95Ms: 500,
    maxErrorRate: 0.001,
    safetyFactor: 0.5,
    steps: [{ rps: 10, p95Ms: 80, errorRate: 0, droppedIterations: 0, requests: 100, sustainable: true }],
    peakRps: 10,
    impliedTargetValue: 300,
    specTargetValue: 300,
    lowerBound: true,
  };
  it('accepts what the probe writes', () => {
    expect(parseCapacityFile(JSON.stringify(valid), 'capacity.json').peakRps).toBe(10);
  });
  it('names the bad field', () => {
    expect(() => parseCapacityFile(JSON.stringify({ ...valid, peakRps: -1 }), 'c.json')).toThrow(
      /c\.json .*peakRps/,
    );
    expect(() => parseCapacityFile('{', 'c.json')).toThrow(/not JSON/);
    expect(() => parseCapacityFile(JSON.stringify({ ...valid, peakRps: 0 }), 'c.json')).toThrow(
      /no sustainable rate/,
    );
  });
});
