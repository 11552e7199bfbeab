import { App, aws_ec2 as ec2, aws_ecr as ecr, aws_kms as kms, aws_s3 as s3, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { SpecOverride } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { SageMakerEndpoint } from './sagemaker-endpoint.js';

/** One endpoint in a bare stack (no whole-app synth): the scaling resources the spec's policy options produce. */
function synth(override: SpecOverride): Template {
  const spec = specWith(override);
  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    natGateways: 0,
    subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  new SageMakerEndpoint(stack, 'Single', {
    endpoint: spec.endpoints.single,
    autoscaling: spec.autoscaling,
    dataCapture: spec.rollout.dataCapture,
    invokerMetrics: { namespace: spec.project.name, serviceName: spec.invoker.functionName },
    modelServer: spec.modelServer,
    image: {
      imageUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/model-server:1',
      repository: ecr.Repository.fromRepositoryName(stack, 'Repo', 'model-server'),
    },
    modelBucket: new s3.Bucket(stack, 'Models'),
    key: new kms.Key(stack, 'Key'),
    vpc,
    subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    securityGroup: new ec2.SecurityGroup(stack, 'Sg', { vpc }),
  });
  return Template.fromStack(stack);
}

describe('SageMakerEndpoint scaling options', () => {
  it('keeps today’s target tracking by default, with no scheduled actions', () => {
    const t = synth({});
    t.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 1);
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        TargetValue: 300,
        ScaleOutCooldown: 30,
        ScaleInCooldown: 300,
      }),
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 1,
      MaxCapacity: 4,
      ScheduledActions: Match.absent(),
    });
  });

  it('deploys a scheduled window as a start and an end action in UTC', () => {
    const t = synth({
      endpoints: { single: { initialInstanceCount: 2 } },
      autoscaling: {
        minInstances: 2,
        schedule: [{ name: 'off-hours', start: '0 20 * * MON-FRI', end: '0 7 * * 1-5', minInstances: 1 }],
      },
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 2,
      ScheduledActions: [
        {
          ScheduledActionName: Match.stringLikeRegexp('off-hours-start'),
          Schedule: 'cron(0 20 ? * MON,TUE,WED,THU,FRI *)',
          ScalableTargetAction: { MinCapacity: 1, MaxCapacity: 4 },
        },
        {
          ScheduledActionName: Match.stringLikeRegexp('off-hours-end'),
          Schedule: 'cron(0 7 ? * MON,TUE,WED,THU,FRI *)',
          ScalableTargetAction: { MinCapacity: 2, MaxCapacity: 4 },
        },
      ],
    });
  });

  it('deploys a step policy as two alarms and two step actions with their own cooldowns', () => {
    const t = synth({
      autoscaling: {
        policy: {
          type: 'step',
          scaleOut: [
            { lowerBound: 300, change: 1 },
            { lowerBound: 600, change: 2 },
          ],
          scaleIn: [{ upperBound: 100, change: 1 }],
        },
      },
    });
    t.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 2);
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: Match.objectLike({
        AdjustmentType: 'ChangeInCapacity',
        Cooldown: 30,
        StepAdjustments: [
          { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 300, ScalingAdjustment: 1 },
          { MetricIntervalLowerBound: 300, ScalingAdjustment: 2 },
        ],
      }),
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      StepScalingPolicyConfiguration: Match.objectLike({
        Cooldown: 300,
        StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: -1 }],
      }),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'InvocationsPerInstance',
      Threshold: 300,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'InvocationsPerInstance',
      Threshold: 100,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 15,
    });
    const tracking = t.findResources('AWS::ApplicationAutoScaling::ScalingPolicy', {
      Properties: { PolicyType: 'TargetTrackingScaling' },
    });
    expect(Object.keys(tracking)).toHaveLength(0);
  });
});
