import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { InvocationOutcome } from './invocation.js';

/** Metric names (EMF, namespace = the project name from the spec). */
export const METRIC = {
  latency: 'Latency',
  endpointLatency: 'EndpointLatency',
  errors: 'Errors',
  requests: 'Requests',
} as const;

/** Dimension names. */
export const DIMENSION = { endpoint: 'endpoint', code: 'code' } as const;

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

  metrics.addDimension(DIMENSION.endpoint, endpoint);
  metrics.addMetric(METRIC.requests, MetricUnit.Count, 1);
  metrics.addMetric(METRIC.latency, MetricUnit.Milliseconds, totalMs);
  if (outcome.endpointMs !== undefined)
    metrics.addMetric(METRIC.endpointLatency, MetricUnit.Milliseconds, outcome.endpointMs);
  if (outcome.error) {
    const single = metrics.singleMetric();
    single.addDimensions({ [DIMENSION.endpoint]: endpoint, [DIMENSION.code]: outcome.error.code });
    single.addMetric(METRIC.errors, MetricUnit.Count, 1);
  }
  metrics.publishStoredMetrics();
}

function round(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.round(ms * 100) / 100;
}
