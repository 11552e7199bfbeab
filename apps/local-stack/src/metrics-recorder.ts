/** Per-period metrics as CloudWatch aggregates them; the caller closes periods (no timers here). */
import type { LambdaPoint, MetricPoint } from '@dogbreed/platform-spec';

/** Nearest-rank percentile of `values` (0 when empty). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** How many closed periods each series keeps. */
export const SERIES_CAPACITY = 600;

function push<T>(series: T[], point: T): void {
  series.push(point);
  if (series.length > SERIES_CAPACITY) series.splice(0, series.length - SERIES_CAPACITY);
}

/** One endpoint variant: Invocations, ConcurrentRequests, ModelLatency, Invocation4XX/5XXErrors. */
export class EndpointRecorder {
  readonly series: MetricPoint[] = [];
  /** Since start (Prometheus counters). */
  readonly totals = { invocations: 0, errors4xx: 0, errors5xx: 0, retries: 0 };
  private concurrent = 0;
  private invocations = 0;
  private maxConcurrent = 0;
  private latencies: number[] = [];
  private errors4xx = 0;
  private errors5xx = 0;

  /** A request was handed to an instance. */
  started(): void {
    this.concurrent += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
  }

  /** The instance answered (`status`) after `latencyMs`, or the connection failed (`status` undefined). */
  finished(latencyMs: number, status: number | undefined): void {
    this.concurrent = Math.max(0, this.concurrent - 1);
    if (status === undefined) return;
    this.invocations += 1;
    this.totals.invocations += 1;
    this.latencies.push(latencyMs);
    if (status >= 400 && status < 500) {
      this.errors4xx += 1;
      this.totals.errors4xx += 1;
    }
    if (status >= 500) {
      this.errors5xx += 1;
      this.totals.errors5xx += 1;
    }
  }

  /** A request was retried on another instance because its first instance was unreachable. */
  retried(): void {
    this.totals.retries += 1;
  }

  /** Ends the period at `t` with `instances` InService; `periodSeconds` is the (simulated) spec period. */
  close(t: number, instances: number, periodSeconds: number): MetricPoint {
    const point: MetricPoint = {
      t,
      instances,
      invocations: this.invocations,
      invocationsPerInstance: instances > 0 ? (this.invocations * (60 / periodSeconds)) / instances : 0,
      concurrentRequests: this.maxConcurrent,
      modelLatencyP50Ms: percentile(this.latencies, 50),
      modelLatencyP95Ms: percentile(this.latencies, 95),
      invocation4xxErrors: this.errors4xx,
      invocation5xxErrors: this.errors5xx,
    };
    push(this.series, point);
    this.invocations = 0;
    this.latencies = [];
    this.errors4xx = 0;
    this.errors5xx = 0;
    this.maxConcurrent = this.concurrent;
    return point;
  }

  get inFlight(): number {
    return this.concurrent;
  }
}

/** The Lambda function: ConcurrentExecutions (max), Invocations, Throttles, Errors, Duration. */
export class LambdaRecorder {
  readonly series: LambdaPoint[] = [];
  maxConcurrentExecutions = 0;
  totalThrottles = 0;
  totalInvocations = 0;
  totalErrors = 0;
  /** Requests answered with a 5xx or an unhandled error, since start (the invoker error-rate alarm's numerator). */
  totalFailedRequests = 0;
  private concurrent = 0;
  private failedRequests = 0;
  private periodMax = 0;
  private invocations = 0;
  private throttles = 0;
  private errors = 0;
  private durations: number[] = [];

  started(): void {
    this.concurrent += 1;
    this.periodMax = Math.max(this.periodMax, this.concurrent);
    this.maxConcurrentExecutions = Math.max(this.maxConcurrentExecutions, this.concurrent);
  }

  /**
   * `error`: an unhandled function error (Lambda's Errors metric). `failed`: the client got no answer it could use,
   * an unhandled error or a 5xx the function returned (the invoker answers its failures with a status code).
   */
  finished(durationMs: number, error: boolean, failed = error): void {
    this.concurrent = Math.max(0, this.concurrent - 1);
    this.invocations += 1;
    this.totalInvocations += 1;
    this.durations.push(durationMs);
    if (error) {
      this.errors += 1;
      this.totalErrors += 1;
    }
    if (failed || error) {
      this.failedRequests += 1;
      this.totalFailedRequests += 1;
    }
  }

  throttled(): void {
    this.throttles += 1;
    this.totalThrottles += 1;
  }

  close(t: number): LambdaPoint {
    const point: LambdaPoint = {
      t,
      concurrentExecutions: this.periodMax,
      invocations: this.invocations,
      throttles: this.throttles,
      errors: this.errors,
      failedRequests: this.failedRequests,
      durationP95Ms: percentile(this.durations, 95),
    };
    push(this.series, point);
    this.periodMax = this.concurrent;
    this.invocations = 0;
    this.throttles = 0;
    this.errors = 0;
    this.failedRequests = 0;
    this.durations = [];
    return point;
  }

  get inFlight(): number {
    return this.concurrent;
  }
}
