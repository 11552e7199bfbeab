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
  deploymentIssues,
  smallestFleet,
  TRAFFIC_ROUTING_TYPE,
  type AutoscalingSpec,
  type DeploymentSpec,
  type EndpointSpec,
} from '@dogbreed/platform-spec';
import { InfraPropsError } from '../errors.js';

/**
 * Throws `InfraPropsError` (naming the construct and the field) when the endpoint's deployment breaks a SageMaker
 * constraint or the project's rules (`deploymentIssues`, which the spec's schema applies too: a spec object built by
 * hand skips the schema). `alarmCount` is the number of rollback alarms the endpoint config will list.
 */
export function checkDeployment(
  where: string,
  ep: EndpointSpec,
  as: AutoscalingSpec,
  alarmCount: number,
): void {
  const d = ep.deployment;
  if (!(d.mode in TRAFFIC_ROUTING_TYPE))
    throw new InfraPropsError(
      `${where}: endpoint.deployment.mode must be all-at-once, canary or linear (got ${d.mode})`,
    );
  // Inf1 endpoints silently fall back to all at once with no baking period: the alarms would guard nothing.
  if (/^ml\.inf1\./.test(ep.instanceType))
    throw new InfraPropsError(
      `${where}: endpoint.instanceType ${ep.instanceType} is an Inf1 type, where SageMaker has no deployment guardrails (no bake, no rollback)`,
    );
  const [issue] = deploymentIssues(
    { ...d, rollbackAlarmCount: alarmCount },
    { smallest: smallestFleet(ep, as) },
  );
  if (issue)
    throw new InfraPropsError(`${where}: endpoint.deployment.${issue.path.join('.')}: ${issue.message}`);
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
