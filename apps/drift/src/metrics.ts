/**
 * Publishes a drift run's figures as CloudWatch metrics (PutMetricData), where the drift alarms read them: namespace
 * `<project.name>/Drift`, dimensions `EndpointName` and `VariantName` (`all` when every variant was read), names
 * from `DRIFT_METRICS` in @dogbreed/model-quality. A figure that could not be measured is not sent: a missing
 * datapoint, which the alarms treat as not breaching, instead of a made-up 0. Below `minRequests` only `Answers` is
 * sent, so a quiet night shows as few answers, not as drift.
 */
import { PutMetricDataCommand, type CloudWatchClient, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import {
  ALL_VARIANTS,
  DRIFT_DIMENSIONS,
  DRIFT_METRICS,
  type DriftFigures,
  type DriftVerdict,
} from '@dogbreed/model-quality';
import { AwsCallError } from './errors.js';

export interface PublishOptions {
  readonly cloudwatch: CloudWatchClient;
  readonly namespace: string;
  readonly endpoint: string;
  readonly variant?: string;
  readonly figures: DriftFigures;
  readonly verdict: DriftVerdict;
  /** The datapoints' timestamp: the window's end. */
  readonly at: Date;
}

/** The datapoints a run sends (pure, so the rule above is tested without CloudWatch). */
export function driftDatapoints(o: Omit<PublishOptions, 'cloudwatch' | 'namespace'>): MetricDatum[] {
  const Dimensions = [
    { Name: DRIFT_DIMENSIONS.endpoint, Value: o.endpoint },
    { Name: DRIFT_DIMENSIONS.variant, Value: o.variant ?? ALL_VARIANTS },
  ];
  const datum = (MetricName: string, Value: number | null, Unit: 'Count' | 'None'): MetricDatum[] =>
    Value === null ? [] : [{ MetricName, Value, Unit, Dimensions, Timestamp: o.at }];
  const f = o.figures;
  const measured = o.verdict !== 'not-enough-data';
  return [
    ...datum(DRIFT_METRICS.answers, f.answers, 'Count'),
    ...(measured
      ? [
          ...datum(DRIFT_METRICS.classMixPsi, f.classMixPsi, 'None'),
          ...datum(DRIFT_METRICS.confidencePsi, f.confidencePsi, 'None'),
          ...datum(DRIFT_METRICS.notADogRateIncrease, f.notADogRate.increase, 'None'),
        ]
      : []),
  ];
}

/** Sends the datapoints; returns the metric names sent. */
export async function publishDrift(o: PublishOptions): Promise<string[]> {
  const data = driftDatapoints(o);
  try {
    await o.cloudwatch.send(new PutMetricDataCommand({ Namespace: o.namespace, MetricData: data }));
  } catch (err) {
    throw new AwsCallError(`CloudWatch PutMetricData failed: ${(err as Error).message}`, 'PutMetricData', {
      cause: err,
    });
  }
  return data.map((d) => d.MetricName as string);
}
