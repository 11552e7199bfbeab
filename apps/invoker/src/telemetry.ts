/**
 * The invoker's telemetry: one line per invocation that is both the log line and the EMF record (CloudWatch extracts
 * metrics from any JSON log event whose root carries `_aws`: the Embedded Metric Format specification,
 * docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html; other
 * root members stay as log fields). One synchronous write to stdout instead of two: each write wakes the reader of
 * the pipe, and the second was a sixth of the handler's own time. `Requests` and `FailedRequests` share the
 * dimensions {service, endpoint}, so their ratio is the endpoint's error rate as clients see it; the serving stack's
 * rollback alarm divides one by the other (Lambda's own `Errors` metric misses these failures: the handler answers
 * them with a status code instead of throwing). `AnswerConfidence` (same dimensions, one value per answer) is the
 * quality rollback alarm's: the share of values at or below the spec's cut is its percentile rank in CloudWatch.
 */
import { LogLevelThreshold, type Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
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

type EmfRecord = ReturnType<Metrics['serializeMetrics']>;

/**
 * Powertools Metrics whose stored metrics can be taken as an EMF record for a log line, instead of being printed on
 * a line of their own by `publishStoredMetrics` (which this mirrors: nothing when disabled or empty, and the
 * metrics, dimensions and metadata cleared either way).
 */
export class LogLineMetrics extends Metrics {
  takeRecord(): EmfRecord | undefined {
    try {
      return this.isDisabled() || !this.hasStoredMetrics() ? undefined : this.serializeMetrics();
    } finally {
      this.clearMetrics();
      this.clearDimensions();
      this.clearMetadata();
    }
  }
}

type Level = 'info' | 'warn' | 'error';
const MESSAGE: Readonly<Record<Level, string>> = {
  info: 'invocation',
  warn: 'invocation rejected',
  error: 'invocation failed',
};
const THRESHOLD: Readonly<Record<Level, number>> = {
  info: LogLevelThreshold.INFO,
  warn: LogLevelThreshold.WARN,
  error: LogLevelThreshold.ERROR,
};

/**
 * The EMF record's members as log-line fields. `service` is a key the Logger reserves (it drops it, with a warning
 * line): the line's own `service` is the same name (index.ts gives Logger and Metrics one service name), and that
 * is the dimension's value CloudWatch reads.
 */
function emfFields(record: EmfRecord): Record<string, unknown> {
  const { service: _service, ...fields } = record as Record<string, unknown>;
  return fields;
}

/**
 * Logs the outcome (info; warn for 4xx; error with the cause for 5xx) with the invocation's metrics in the same
 * line. When the log level hides that line, the metrics go out on their own line, as Powertools prints them.
 */
export function recordOutcome(
  outcome: InvocationOutcome,
  totalMs: number,
  telemetry: { logger: Pick<Logger, Level | 'level'>; metrics: LogLineMetrics },
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
  metrics.addDimension(INVOKER_METRICS.dimensions.endpoint, endpoint);
  metrics.addMetric(INVOKER_METRICS.requests, MetricUnit.Count, 1);
  metrics.addMetric(INVOKER_METRICS.failedRequests, MetricUnit.Count, isFailedRequest(status) ? 1 : 0);
  metrics.addMetric(INVOKER_METRICS.latency, MetricUnit.Milliseconds, totalMs);
  if (outcome.endpointMs !== undefined)
    metrics.addMetric(INVOKER_METRICS.endpointLatency, MetricUnit.Milliseconds, outcome.endpointMs);
  const quality = qualityOf(outcome);
  if (quality !== undefined) metrics.addMetric(INVOKER_METRICS.answerConfidence, MetricUnit.NoUnit, quality);
  const error = outcome.error;
  if (error) {
    const single = metrics.singleMetric();
    single.addDimensions({
      [INVOKER_METRICS.dimensions.endpoint]: endpoint,
      [INVOKER_METRICS.dimensions.code]: error.code,
    });
    single.addMetric(INVOKER_METRICS.errors, MetricUnit.Count, 1);
  }
  const level: Level = !error ? 'info' : isFailedRequest(status) ? 'error' : 'warn';
  if (logger.level > THRESHOLD[level]) {
    metrics.publishStoredMetrics();
    return;
  }
  const record = metrics.takeRecord();
  const line = { ...fields, ...(record ? emfFields(record) : {}) };
  // A 4xx names its code; a 5xx also carries the cause, for the log only.
  const detail = !error
    ? {}
    : level === 'warn'
      ? { code: error.code }
      : { code: error.code, error: error.cause ?? error };
  logger[level](MESSAGE[level], { ...line, ...detail });
}

function round(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.round(ms * 100) / 100;
}
