/**
 * The invoker's telemetry: one log line and one EMF record per invocation. `Requests` and `FailedRequests` share the
 * dimensions {service, endpoint}, so their ratio is the endpoint's error rate as clients see it; the serving stack's
 * rollback alarm divides one by the other (Lambda's own `Errors` metric misses these failures: the handler answers
 * them with a status code instead of throwing). `AnswerConfidence` (same dimensions, one value per answer) is the
 * quality rollback alarm's: the share of values at or below the spec's cut is its percentile rank in CloudWatch.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { INVOKER_METRICS, type PredictionResponse } from '@dogbreed/platform-spec';
import type { InvocationOutcome } from './invocation.js';

/**
 * One answer's quality signal: its top-1 probability, or 0 when the model says the photo is not a dog (so a non-dog
 * counts as low quality at any cut). Constant time: the first prediction and the dog verdict only.
 */
export function answerConfidence(prediction: Pick<PredictionResponse, 'predictions' | 'dog'>): number {
  if (prediction.dog?.isDog === false) return 0;
  return prediction.predictions[0]?.probability ?? 0;
}

/** The answer's quality signal of an outcome: a 422 NOT_A_DOG refusal is a not-a-dog answer too. */
function qualityOf(outcome: InvocationOutcome): number | undefined {
  if (outcome.error?.code === 'NOT_A_DOG') return 0;
  return outcome.answerConfidence;
}

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
  const quality = qualityOf(outcome);
  if (quality !== undefined) metrics.addMetric(INVOKER_METRICS.answerConfidence, MetricUnit.NoUnit, quality);
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
