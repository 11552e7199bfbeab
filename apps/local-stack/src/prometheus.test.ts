import { describe, expect, it } from 'vitest';
import type { LocalMetrics } from '@dogbreed/platform-spec';
import { renderPrometheus } from './prometheus.js';

const metrics: LocalMetrics = {
  startedAt: 0,
  now: 1,
  timeScale: 60,
  periodMs: 1000,
  autoscaling: {
    minInstances: 1,
    maxInstances: 4,
    metric: 'SageMakerVariantInvocationsPerInstance',
    targetValue: 300,
    scaleOutCooldownSeconds: 30,
    scaleInCooldownSeconds: 300,
  },
  endpoints: [
    {
      name: 'ep-a',
      desiredInstances: 2,
      instances: [
        { id: 'AllTraffic-1', state: 'InService', inFlight: 3 },
        { id: 'AllTraffic-2', state: 'Pending', inFlight: 0 },
      ],
      series: [
        {
          t: 1,
          instances: 1,
          invocations: 5,
          invocationsPerInstance: 5,
          concurrentRequests: 2,
          modelLatencyP50Ms: 4,
          modelLatencyP95Ms: 8,
          invocation4xxErrors: 0,
          invocation5xxErrors: 0,
        },
      ],
      scalingActivities: [{ t: 1, direction: 'out', fromDesired: 1, toDesired: 2, cause: 'x' }],
    },
  ],
  lambda: {
    functionName: 'fn',
    reservedConcurrency: 7,
    maxConcurrentExecutions: 7,
    totalThrottles: 7,
    series: [],
  },
};

describe('renderPrometheus', () => {
  const text = renderPrometheus(metrics, {
    endpoints: { 'ep-a': { invocations: 42, errors4xx: 1, errors5xx: 0, retries: 2 } },
    lambda: { invocations: 14, errors: 0, coldStarts: 7 },
  });
  it('writes HELP/TYPE and labelled samples', () => {
    expect(text).toContain('# TYPE dogbreed_endpoint_instances gauge');
    expect(text).toContain('dogbreed_endpoint_instances{endpoint="ep-a",state="InService"} 1');
    expect(text).toContain('dogbreed_endpoint_in_flight_requests{endpoint="ep-a"} 3');
    expect(text).toContain('dogbreed_endpoint_invocations_total{endpoint="ep-a"} 42');
    expect(text).toContain('dogbreed_endpoint_retries_total{endpoint="ep-a"} 2');
    expect(text).toContain('dogbreed_endpoint_scaling_activities_total{endpoint="ep-a",direction="out"} 1');
    expect(text).toContain('dogbreed_lambda_throttles_total{function="fn"} 7');
    expect(text).toContain('dogbreed_lambda_cold_starts_total{function="fn"} 7');
  });
  it('every sample line is name{labels} value', () => {
    for (const line of text
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('#'))) {
      expect(line).toMatch(/^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+-]+$/);
    }
  });
});
