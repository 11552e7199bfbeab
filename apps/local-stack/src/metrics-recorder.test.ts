import { describe, expect, it } from 'vitest';
import { MetricPointSchema, LambdaPointSchema } from '@dogbreed/platform-spec';
import { EndpointRecorder, LambdaRecorder, percentile, SERIES_CAPACITY } from './metrics-recorder.js';

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const v = Array.from({ length: 100 }, (_, k) => k + 1);
    expect(percentile(v, 50)).toBe(50);
    expect(percentile(v, 95)).toBe(95);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBe(0);
  });
});

describe('EndpointRecorder', () => {
  it('aggregates one period as CloudWatch does', () => {
    const r = new EndpointRecorder();
    r.started();
    r.started();
    r.finished(10, 200);
    r.finished(30, 500);
    r.started();
    r.finished(20, 400);
    r.started();
    r.finished(5, undefined); // connection failure: not an invocation
    const p = r.close(1000, 2, 60);
    expect(MetricPointSchema.parse(p)).toEqual({
      t: 1000,
      instances: 2,
      invocations: 3,
      invocationsPerInstance: 1.5,
      concurrentRequests: 2,
      modelLatencyP50Ms: 20,
      modelLatencyP95Ms: 30,
      invocation4xxErrors: 1,
      invocation5xxErrors: 1,
    });
    r.retried();
    expect(r.totals).toEqual({ invocations: 3, errors4xx: 1, errors5xx: 1, retries: 1 });
  });

  it('carries requests still in flight into the next period', () => {
    const r = new EndpointRecorder();
    r.started();
    r.close(1, 1, 60);
    expect(r.close(2, 1, 60)).toMatchObject({ concurrentRequests: 1, invocations: 0 });
    r.finished(3, 200);
    expect(r.close(3, 1, 60)).toMatchObject({ concurrentRequests: 1, invocations: 1 });
    expect(r.close(4, 1, 60)).toMatchObject({ concurrentRequests: 0 });
  });

  it('keeps a bounded series', () => {
    const r = new EndpointRecorder();
    for (let k = 0; k < SERIES_CAPACITY + 5; k++) r.close(k, 1, 60);
    expect(r.series).toHaveLength(SERIES_CAPACITY);
    expect(r.series[0]?.t).toBe(5);
  });
});

describe('LambdaRecorder', () => {
  it('tracks max concurrency, throttles, errors and failed requests', () => {
    const r = new LambdaRecorder();
    for (let k = 0; k < 4; k++) r.started();
    r.throttled();
    r.finished(100, false);
    r.finished(200, true);
    r.finished(300, false);
    // Answered with a 5xx: not a Lambda error, but a request the invoker failed.
    r.finished(50, false, true);
    const p = LambdaPointSchema.parse(r.close(10));
    expect(p).toEqual({
      t: 10,
      concurrentExecutions: 4,
      invocations: 4,
      throttles: 1,
      errors: 1,
      failedRequests: 2,
      durationP95Ms: 300,
    });
    expect(r.totalFailedRequests).toBe(2);
    expect(r.maxConcurrentExecutions).toBe(4);
    expect(r.totalThrottles).toBe(1);
    expect(r.close(11)).toMatchObject({ concurrentExecutions: 0, throttles: 0 });
  });
});
