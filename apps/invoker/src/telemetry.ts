/**
 * The invoker's telemetry: one log line and one EMF record per invocation. `Requests` and `FailedRequests` share the
 * dimensions {service, endpoint}, so their ratio is the endpoint's error rate as clients see it; the serving stack's
 * rollback alarm divides one by the other (Lambda's own `Errors` metric misses these failures: the handler answers
 * them with a status code instead of throwing).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { INVOKER_METRICS } from '@dogbreed/platform-spec';
import type { InvocationOutcome } from './invocation.js';

/**
 * Whether a response counts as a failed request in `FailedRequests`: a 5xx (the endpoint, the model or the invoker
 * failed, timed out or was unavailable). A 4xx is the request's own fault (bad input, too large, throttled by the
 * account's InvokeEndpoint quota) and says nothing about the model being served.
 */
export function isFailedRequest(statusCode: number): boolean {
  return statusCode >= 500;
}

/** Logs the outcome (warn for 4xx, error with the cause for 5xx) and records EMF metrics; publishes them. */
export function recordOutcome(
  outcome: InvocationOutcome,
  totalMs: number,
  telemetry: { logger: Pick<Logger, 'info' | 'warn' | 'error'>; metrics: Metrics },
): void {
  const { logger, metrics } = telemetry;
  const endpoint = outcome.endpointName ?? 'none';
  const status = outcome.result.statusCode;
  const fields = {
    statusCode: status,
    endpoint,
    latencyMs: round(totalMs),
    endpointMs: round(outcome.endpointMs),
  };
  if (!outcome.error) logger.info('invocation', fields);
  else if (status < 500) logger.warn('invocation rejected', { ...fields, code: outcome.error.code });
  else
    logger.error('invocation failed', {
      ...fields,
      code: outcome.error.code,
      error: outcome.error.cause ?? outcome.error,
    });

  metrics.addDimension(INVOKER_METRICS.dimensions.endpoint, endpoint);
  metrics.addMetric(INVOKER_METRICS.requests, MetricUnit.Count, 1);
  metrics.addMetric(INVOKER_METRICS.failedRequests, MetricUnit.Count, isFailedRequest(status) ? 1 : 0);
  metrics.addMetric(INVOKER_METRICS.latency, MetricUnit.Milliseconds, totalMs);
  if (outcome.endpointMs !== undefined)
    metrics.addMetric(INVOKER_METRICS.endpointLatency, MetricUnit.Milliseconds, outcome.endpointMs);
  if (outcome.error) {
    const single = metrics.singleMetric();
    single.addDimensions({
      [INVOKER_METRICS.dimensions.endpoint]: endpoint,
      [INVOKER_METRICS.dimensions.code]: outcome.error.code,
    });
    single.addMetric(INVOKER_METRICS.errors, MetricUnit.Count, 1);
  }
  metrics.publishStoredMetrics();
}

function round(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.round(ms * 100) / 100;
}
