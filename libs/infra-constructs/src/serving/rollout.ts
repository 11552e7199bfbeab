/**
 * An endpoint's rollout as SageMaker deployment guardrails: the spec's `endpoints.<key>.deployment` checked against
 * SageMaker's documented constraints and turned into the endpoint's DeploymentConfig (a blue/green update policy with
 * its traffic routing, and the alarms that roll the update back).
 *
 * The constraints, and where AWS documents them:
 * - same variant name in the old and the new endpoint config, no Inf1 instances (else no guardrails at all):
 *   https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-exclusions.html
 * - canary ≤ 50 % and linear step 10-50 % of the variant's instance count, WaitIntervalInSeconds 0-3600:
 *   https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TrafficRoutingConfig.html
 * - TerminationWaitInSeconds 0-3600, MaximumExecutionTimeoutInSeconds 600-28800 and larger than the waits:
 *   https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_BlueGreenUpdatePolicy.html
 * - 1 to 10 rollback alarms: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AutoRollbackConfig.html
 * - Application Auto Scaling: an update must not change the instance type of a registered variant, and
 *   RetainAllVariantProperties keeps the instance count it set:
 *   https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-scaling-update.html
 * - alarm periods: SageMaker's invocation metrics (and the invoker's EMF metrics) are 1-minute data, and an alarm
 *   period of 10/20/30 s on such data mostly sees no data points:
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
 */
import type { aws_sagemaker as sagemaker } from 'aws-cdk-lib';
import {
  rolloutSteps,
  SAGEMAKER_GUARDRAILS,
  smallestFleet,
  TRAFFIC_ROUTING_TYPE,
  type AutoscalingSpec,
  type DeploymentSpec,
  type EndpointSpec,
} from '@dogbreed/platform-spec';
import { InfraPropsError } from '../errors.js';

function checkInt(where: string, field: string, value: number, min: number, max: number, why: string): void {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new InfraPropsError(`${where}: ${field} must be an integer ${min}-${max} (${why}; got ${value})`);
}

/**
 * Throws `InfraPropsError` (naming the construct and the field) when the endpoint's deployment breaks a SageMaker
 * constraint. `alarmCount` is the number of rollback alarms the endpoint config will list.
 */
export function checkDeployment(
  where: string,
  ep: EndpointSpec,
  as: AutoscalingSpec,
  alarmCount: number,
): void {
  const d = ep.deployment;
  const field = (name: string) => `endpoint.deployment.${name}`;
  if (!(d.mode in TRAFFIC_ROUTING_TYPE))
    throw new InfraPropsError(
      `${where}: ${field('mode')} must be all-at-once, canary or linear (got ${d.mode})`,
    );
  // Inf1 endpoints silently fall back to all at once with no baking period: the alarms would guard nothing.
  if (/^ml\.inf1\./.test(ep.instanceType))
    throw new InfraPropsError(
      `${where}: endpoint.instanceType ${ep.instanceType} is an Inf1 type, where SageMaker has no deployment guardrails (no bake, no rollback)`,
    );
  const b = SAGEMAKER_GUARDRAILS;
  checkInt(
    where,
    field('bakeSeconds'),
    d.bakeSeconds,
    b.waitIntervalSeconds.min,
    b.waitIntervalSeconds.max,
    'SageMaker WaitIntervalInSeconds',
  );
  checkInt(
    where,
    field('terminationWaitSeconds'),
    d.terminationWaitSeconds,
    b.terminationWaitSeconds.min,
    b.terminationWaitSeconds.max,
    'SageMaker TerminationWaitInSeconds',
  );
  checkInt(
    where,
    field('maxExecutionSeconds'),
    d.maxExecutionSeconds,
    b.maxExecutionSeconds.min,
    b.maxExecutionSeconds.max,
    'SageMaker MaximumExecutionTimeoutInSeconds',
  );
  if (d.mode === 'canary')
    checkInt(
      where,
      field('canaryPercent'),
      d.canaryPercent,
      b.canaryPercent.min,
      b.canaryPercent.max,
      'SageMaker: at most half the fleet',
    );
  if (d.mode === 'linear')
    checkInt(
      where,
      field('linearStepPercent'),
      d.linearStepPercent,
      b.linearStepPercent.min,
      b.linearStepPercent.max,
      'SageMaker: 10-50 % of the fleet per step',
    );
  const waits = rolloutSteps(d) * d.bakeSeconds + d.terminationWaitSeconds;
  if (d.maxExecutionSeconds <= waits)
    throw new InfraPropsError(
      `${where}: ${field('maxExecutionSeconds')} ${d.maxExecutionSeconds} must exceed the rollout's bakes and termination wait (${waits} s)`,
    );
  if (d.mode !== 'all-at-once') {
    const fleet = smallestFleet(ep, as);
    if (fleet < 2)
      throw new InfraPropsError(
        `${where}: ${field('mode')} ${d.mode} needs a fleet of at least 2 instances (a step is at most half of it), but initialInstanceCount, autoscaling.minInstances and the scheduled windows allow ${fleet}`,
      );
  }
  if (alarmCount < b.rollbackAlarms.min || alarmCount > b.rollbackAlarms.max)
    throw new InfraPropsError(
      `${where}: ${field('rollbackAlarms')} gives ${alarmCount} alarms; SageMaker AutoRollbackConfiguration takes 1-10`,
    );
  for (const [kind, a] of Object.entries(d.rollbackAlarms)) {
    const at = field(`rollbackAlarms.${kind}`);
    if (!(a.threshold > 0))
      throw new InfraPropsError(`${where}: ${at}.threshold must be positive (got ${a.threshold})`);
    if (
      !Number.isInteger(a.periodSeconds) ||
      a.periodSeconds <= 0 ||
      a.periodSeconds % b.alarmPeriodMultipleSeconds !== 0
    )
      throw new InfraPropsError(
        `${where}: ${at}.periodSeconds must be a multiple of 60 (the metric is 1-minute data; got ${a.periodSeconds})`,
      );
    if (!Number.isInteger(a.evaluationPeriods) || a.evaluationPeriods < 1)
      throw new InfraPropsError(
        `${where}: ${at}.evaluationPeriods must be a positive integer (got ${a.evaluationPeriods})`,
      );
    // An alarm can roll back only what it sees within a bake.
    const window = a.periodSeconds * a.evaluationPeriods;
    if ((d.mode !== 'all-at-once' || d.bakeSeconds > 0) && window > d.bakeSeconds)
      throw new InfraPropsError(
        `${where}: ${at}: periodSeconds × evaluationPeriods (${window} s) must fit in bakeSeconds (${d.bakeSeconds} s)`,
      );
  }
  const rate = d.rollbackAlarms.invokerErrorRatePercent.threshold;
  if (rate > 100)
    throw new InfraPropsError(
      `${where}: ${field('rollbackAlarms.invokerErrorRatePercent')}.threshold is a percentage (got ${rate})`,
    );
}

/** The endpoint's DeploymentConfig: blue/green with the spec's traffic routing, rolled back by `alarmNames`. */
export function deploymentConfig(
  d: DeploymentSpec,
  alarmNames: readonly string[],
): sagemaker.CfnEndpoint.DeploymentConfigProperty {
  return {
    blueGreenUpdatePolicy: {
      trafficRoutingConfiguration: {
        type: TRAFFIC_ROUTING_TYPE[d.mode],
        waitIntervalInSeconds: d.bakeSeconds,
        canarySize: d.mode === 'canary' ? { type: 'CAPACITY_PERCENT', value: d.canaryPercent } : undefined,
        linearStepSize:
          d.mode === 'linear' ? { type: 'CAPACITY_PERCENT', value: d.linearStepPercent } : undefined,
      },
      terminationWaitInSeconds: d.terminationWaitSeconds,
      maximumExecutionTimeoutInSeconds: d.maxExecutionSeconds,
    },
    autoRollbackConfiguration: { alarms: alarmNames.map((alarmName) => ({ alarmName })) },
  };
}
