/**
 * An endpoint's rollback alarms as one table (metric, statistic, comparison, scale from the spec's unit to
 * CloudWatch's): the construct builds one alarm per row, and the alarm names, their ARNs for the model role and the
 * DeploymentConfig's list all come from the same rows, so none can be missing from one of them.
 */
import { aws_cloudwatch as cloudwatch, Duration } from 'aws-cdk-lib';
import {
  ROLLBACK_ALARM_KINDS,
  rollbackAlarmName,
  type EndpointSpec,
  type RollbackAlarm,
  type RollbackAlarmKind,
} from '@dogbreed/platform-spec';
import type { Construct } from 'constructs';
import { invokerErrorRatePercent, invokerLowQualityPercent, type InvokerMetricSource } from './invoker.js';

/** One of SageMaker's per-variant metrics of the endpoint. */
export function variantMetric(
  ep: Pick<EndpointSpec, 'name' | 'variantName'>,
  metricName: string,
  statistic: string,
  period: Duration,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/SageMaker',
    metricName,
    // Blue and green fleets share the variant name, so these watch whichever fleet serves.
    dimensionsMap: { EndpointName: ep.name, VariantName: ep.variantName },
    statistic,
    period,
  });
}

/** Where a rollback alarm's metric comes from: SageMaker's metric and statistic, or one of the invoker's. */
type AlarmMetric =
  { readonly sagemaker: string; readonly statistic: string } | 'invoker-error-rate' | 'invoker-low-quality';

interface RollbackAlarmRow {
  /** The alarm's construct id. */
  readonly id: string;
  readonly metric: AlarmMetric;
  readonly comparison: cloudwatch.ComparisonOperator;
  /** CloudWatch's unit per unit of the spec's threshold. */
  readonly scale: number;
  /** What firing means (the description, after the endpoint's name). */
  readonly describe: (a: RollbackAlarm) => string;
}

const ROLLBACK_ALARM_ROWS: Readonly<Record<RollbackAlarmKind, RollbackAlarmRow>> = {
  errors5xx: {
    id: 'Errors5xx',
    metric: { sagemaker: 'Invocation5XXErrors', statistic: 'Sum' },
    comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    scale: 1,
    describe: (a) =>
      `the model container returned at least ${a.threshold} 5xx in ${a.periodSeconds} s (rolls an update back)`,
  },
  modelLatencyP90Ms: {
    id: 'ModelLatency',
    metric: { sagemaker: 'ModelLatency', statistic: 'p90' },
    comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    // CloudWatch has ModelLatency in microseconds; the spec has milliseconds.
    scale: 1000,
    describe: (a) => `p90 model latency above ${a.threshold} ms (rolls an update back)`,
  },
  invokerErrorRatePercent: {
    id: 'InvokerErrorRate',
    metric: 'invoker-error-rate',
    comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    scale: 1,
    describe: (a) =>
      `more than ${a.threshold} % of the invoker's requests to it failed (5xx; rolls an update back)`,
  },
  lowQualityPercent: {
    id: 'LowQuality',
    metric: 'invoker-low-quality',
    comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    scale: 1,
    describe: (a) =>
      `more than ${a.threshold} % of its answers were low confidence or not a dog (rolls an update back)`,
  },
};

export interface RollbackAlarmsProps {
  readonly endpoint: EndpointSpec;
  /** The stack's name: each alarm's fixed name starts with it. */
  readonly stackName: string;
  /** Where the invoker publishes its metrics, for the error-rate alarm. */
  readonly invokerMetrics: InvokerMetricSource;
}

/** The endpoint's rollback alarms in `scope`, one per row, by spec key in the spec's order. */
export function addRollbackAlarms(
  scope: Construct,
  props: RollbackAlarmsProps,
): Readonly<Record<RollbackAlarmKind, cloudwatch.Alarm>> {
  const ep = props.endpoint;
  const alarms = {} as Record<RollbackAlarmKind, cloudwatch.Alarm>;
  for (const kind of ROLLBACK_ALARM_KINDS) {
    const row = ROLLBACK_ALARM_ROWS[kind];
    const spec = ep.deployment.rollbackAlarms[kind];
    const period = Duration.seconds(spec.periodSeconds);
    const quality = ep.deployment.rollbackAlarms.lowQualityPercent;
    alarms[kind] = new cloudwatch.Alarm(scope, row.id, {
      alarmName: rollbackAlarmName(props.stackName, ep.name, kind),
      alarmDescription: `${ep.name}: ${row.describe(spec)}`,
      metric:
        row.metric === 'invoker-error-rate'
          ? invokerErrorRatePercent(props.invokerMetrics, ep.name, period)
          : row.metric === 'invoker-low-quality'
            ? invokerLowQualityPercent(props.invokerMetrics, ep.name, quality.minConfidence, period)
            : variantMetric(ep, row.metric.sagemaker, row.metric.statistic, period),
      threshold: spec.threshold * row.scale,
      comparisonOperator: row.comparison,
      evaluationPeriods: spec.evaluationPeriods,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
  return alarms;
}
