/**
 * What the drift stage's role (`ci.roles.drift`, the scheduled drift.yml) may do from the CI stack: read the SSM
 * parameters that name the model bucket and the serving models (their evaluation.json is the baseline), read the
 * serving model artifacts, and publish the drift figures to CloudWatch, only in the drift namespace. Listing and
 * reading the captures under `data-capture/` and kms:Decrypt are granted where the bucket and the key live
 * (ci-data-access.ts), as for the replay and shadow stages.
 */
import { aws_iam as iam, type Stack } from 'aws-cdk-lib';
import { driftMetricNamespace } from '@dogbreed/model-quality';
import { ssmParameterNames, type PlatformSpec } from '@dogbreed/platform-spec';

/** The drift stage's inline policy statements, in `stack` (its partition, region and account). */
export function driftStagePolicy(stack: Stack, spec: PlatformSpec): iam.PolicyStatement[] {
  const params = ssmParameterNames(spec);
  const paramArn = (name: string) =>
    `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:parameter${name}`;
  return [
    new iam.PolicyStatement({
      sid: 'ReadParameters',
      actions: ['ssm:GetParameter'],
      resources: [params.modelBucket, params.deployedModelSingle, params.deployedModelMulti].map(paramArn),
    }),
    new iam.PolicyStatement({
      sid: 'PublishDriftMetrics',
      // PutMetricData supports no resource scoping; the namespace condition keeps the role out of other metrics.
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': driftMetricNamespace(spec.project.name) } },
    }),
  ];
}
