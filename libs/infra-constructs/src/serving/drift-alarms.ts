/**
 * Alarms on the drift figures `dogbreed-drift --publish-metrics` writes (drift.yml, daily): one alarm per endpoint
 * and figure, past `rollout.drift`'s threshold, on the stack's alarm topic. The run sends a figure only when it
 * measured it with enough data, so a missing datapoint (a quiet day, no dog output) is not breaching; one datapoint
 * over the threshold alarms, since each is already a whole window's verdict.
 */
import {
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as actions,
  Duration,
  type aws_sns as sns,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ALL_VARIANTS, DRIFT_DIMENSIONS, DRIFT_METRICS, driftMetricNamespace } from '@dogbreed/model-quality';
import { DriftSpecSchema, type DriftSpec } from '@dogbreed/platform-spec';
import { InfraPropsError } from '../errors.js';
import { checkProp } from '../props.js';

export interface DriftAlarmsProps {
  /** `rollout.drift`: the thresholds and the window (the alarm's period). */
  readonly drift: DriftSpec;
  /** `project.name`: the metrics' namespace is `<project.name>/Drift`. */
  readonly projectName: string;
  /** The endpoints whose drift is watched, by name. */
  readonly endpointNames: readonly string[];
  readonly alarmTopic: sns.ITopic;
}

/** The three drift figures with their threshold in `rollout.drift`. */
const FIGURES = [
  {
    id: 'ClassMix',
    metric: DRIFT_METRICS.classMixPsi,
    limit: (d: DriftSpec) => d.maxClassMixPsi,
    what: 'top-1 class mix PSI',
  },
  {
    id: 'Confidence',
    metric: DRIFT_METRICS.confidencePsi,
    limit: (d: DriftSpec) => d.maxConfidencePsi,
    what: 'top-1 confidence PSI',
  },
  {
    id: 'NotADog',
    metric: DRIFT_METRICS.notADogRateIncrease,
    limit: (d: DriftSpec) => d.maxNotADogRateIncrease,
    what: 'not-a-dog rate increase',
  },
] as const;

export class DriftAlarms extends Construct {
  /** By endpoint name, then figure (`ClassMix`, `Confidence`, `NotADog`). */
  public readonly alarms: Readonly<Record<string, Readonly<Record<string, cloudwatch.Alarm>>>>;

  constructor(scope: Construct, id: string, props: DriftAlarmsProps) {
    super(scope, id);
    const drift = checkProp('DriftAlarms', 'drift', DriftSpecSchema, props.drift);
    if (props.endpointNames.length === 0)
      throw new InfraPropsError('DriftAlarms: endpointNames must not be empty');
    const namespace = driftMetricNamespace(props.projectName);
    // A datapoint per run: the period covers the window, so the alarm sees the latest run's figure.
    const period = Duration.hours(drift.windowHours);
    const out: Record<string, Record<string, cloudwatch.Alarm>> = {};
    for (const endpointName of props.endpointNames) {
      out[endpointName] = {};
      for (const f of FIGURES) {
        const alarm = new cloudwatch.Alarm(this, `${endpointName}-${f.id}`, {
          alarmDescription: `Drift on ${endpointName}: ${f.what} above rollout.drift (${f.limit(drift)}); see the drift workflow's report`,
          metric: new cloudwatch.Metric({
            namespace,
            metricName: f.metric,
            dimensionsMap: {
              [DRIFT_DIMENSIONS.endpoint]: endpointName,
              [DRIFT_DIMENSIONS.variant]: ALL_VARIANTS,
            },
            statistic: 'Maximum',
            period,
          }),
          threshold: f.limit(drift),
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
        alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
        out[endpointName][f.id] = alarm;
      }
    }
    this.alarms = out;
  }
}
