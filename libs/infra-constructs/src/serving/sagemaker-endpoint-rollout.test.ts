/**
 * The endpoint's guarded rollout on the synthesized template: the DeploymentConfig per mode, the rollback alarms
 * from the spec (and that they read what the invoker publishes), data capture, and every SageMaker constraint that
 * `rollout.ts` checks at synth refused with an `InfraPropsError` naming the construct and the field.
 */
import {
  App,
  aws_cloudwatch as cloudwatch,
  aws_ec2 as ec2,
  aws_ecr as ecr,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_s3 as s3,
  aws_sns as sns,
  Stack,
} from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  INVOKER_METRICS,
  ROLLBACK_ALARM_KINDS,
  rollbackAlarmName,
  shadowVariantName,
  type DeploymentSpec,
  type EndpointSpec,
  type PlatformSpec,
  type SpecOverride,
} from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { InfraPropsError } from '../errors.js';
import { testInputs } from '../testing/inputs.js';
import { Invoker } from './invoker.js';
import { SageMakerEndpoint, type SageMakerEndpointProps } from './sagemaker-endpoint.js';

const STACK = 'Test';
type Json = Record<string, unknown>;

interface Built {
  readonly stack: Stack;
  readonly endpoint: SageMakerEndpoint;
  readonly template: () => Template;
}

/** Props to change, made in the endpoint's stack. */
type Patch = Partial<SageMakerEndpointProps> | ((stack: Stack) => Partial<SageMakerEndpointProps>);

/** The single endpoint of `spec` in a bare stack, with `patch` applied to its props (and the invoker, if asked). */
function build(spec: PlatformSpec, patch: Patch = {}, withInvoker = false): Built {
  const stack = new Stack(new App(), STACK, { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    natGateways: 0,
    subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const subnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
  const securityGroup = new ec2.SecurityGroup(stack, 'Sg', { vpc });
  const invokerMetrics = { namespace: spec.project.name, serviceName: spec.invoker.functionName };
  const endpoint = new SageMakerEndpoint(stack, 'Single', {
    endpoint: spec.endpoints.single,
    autoscaling: spec.autoscaling,
    dataCapture: spec.rollout.dataCapture,
    invokerMetrics,
    modelServer: spec.modelServer,
    image: {
      imageUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/model-server:1',
      repository: ecr.Repository.fromRepositoryName(stack, 'Repo', 'model-server'),
    },
    modelBucket: new s3.Bucket(stack, 'Models'),
    key: new kms.Key(stack, 'Key'),
    vpc,
    subnets,
    securityGroup,
    ...(typeof patch === 'function' ? patch(stack) : patch),
  });
  if (withInvoker) {
    new Invoker(stack, 'Invoker', {
      invoker: spec.invoker,
      code: lambda.Code.fromAsset(testInputs().invokerBundleDir),
      endpoints: { single: endpoint, multi: endpoint },
      vpc,
      subnets,
      securityGroup,
      metricSource: invokerMetrics,
    });
  }
  return { stack, endpoint, template: () => Template.fromStack(stack) };
}

const synth = (override: SpecOverride, patch: Patch = {}) => build(specWith(override), patch).template();

/** A fleet of two, which canary and linear need. */
const FLEET_OF_TWO = { initialInstanceCount: 2 } as const;

const alarmRef = (t: Template, name: string) => {
  const [id] = Object.keys(t.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: name } }));
  if (!id) throw new Error(`no alarm named ${name}`);
  return { Ref: id };
};

describe('SageMakerEndpoint rollout: DeploymentConfig per mode', () => {
  it('all-at-once (the default): blue/green, one bake, rolled back by the four alarms in order', () => {
    const spec = specWith({});
    const d = spec.endpoints.single.deployment;
    const t = build(spec).template();
    const names = ROLLBACK_ALARM_KINDS.map((k) => rollbackAlarmName(STACK, spec.endpoints.single.name, k));
    t.hasResourceProperties('AWS::SageMaker::Endpoint', {
      RetainAllVariantProperties: true,
      DeploymentConfig: {
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: {
            Type: 'ALL_AT_ONCE',
            WaitIntervalInSeconds: d.bakeSeconds,
            CanarySize: Match.absent(),
            LinearStepSize: Match.absent(),
          },
          TerminationWaitInSeconds: d.terminationWaitSeconds,
          MaximumExecutionTimeoutInSeconds: d.maxExecutionSeconds,
        },
        AutoRollbackConfiguration: { Alarms: names.map((n) => ({ AlarmName: alarmRef(t, n) })) },
      },
    });
  });

  it('canary: CanarySize is canaryPercent of the fleet’s capacity', () => {
    const t = synth({
      endpoints: {
        single: {
          ...FLEET_OF_TWO,
          deployment: { mode: 'canary', canaryPercent: 25, bakeSeconds: 900, terminationWaitSeconds: 120 },
        },
      },
      autoscaling: { minInstances: 2 },
    });
    t.hasResourceProperties('AWS::SageMaker::Endpoint', {
      DeploymentConfig: Match.objectLike({
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: {
            Type: 'CANARY',
            WaitIntervalInSeconds: 900,
            CanarySize: { Type: 'CAPACITY_PERCENT', Value: 25 },
            LinearStepSize: Match.absent(),
          },
          TerminationWaitInSeconds: 120,
          MaximumExecutionTimeoutInSeconds: 3600,
        },
      }),
    });
  });

  it('linear: LinearStepSize is linearStepPercent of the fleet’s capacity', () => {
    const t = synth({
      endpoints: {
        single: {
          ...FLEET_OF_TWO,
          deployment: { mode: 'linear', linearStepPercent: 20, bakeSeconds: 300, maxExecutionSeconds: 5000 },
        },
      },
      autoscaling: { minInstances: 2 },
    });
    t.hasResourceProperties('AWS::SageMaker::Endpoint', {
      DeploymentConfig: Match.objectLike({
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: {
            Type: 'LINEAR',
            WaitIntervalInSeconds: 300,
            LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 20 },
            CanarySize: Match.absent(),
          },
          TerminationWaitInSeconds: 0,
          MaximumExecutionTimeoutInSeconds: 5000,
        },
      }),
    });
  });

  it('keeps the variant name across endpoint configs: a new model changes the config, not the variant', () => {
    const spec = specWith({});
    const variants = ['models/a/model.tar.gz', 'models/b/model.tar.gz'].map((modelKey) => {
      const t = build(spec, { modelKey }).template();
      const [config] = Object.values(t.findResources('AWS::SageMaker::EndpointConfig')) as {
        Properties: { ProductionVariants: Json[] };
      }[];
      const [target] = Object.values(t.findResources('AWS::ApplicationAutoScaling::ScalableTarget')) as {
        Properties: { ResourceId: unknown };
      }[];
      const [model] = Object.values(t.findResources('AWS::SageMaker::Model'));
      return {
        variants: config?.Properties.ProductionVariants.map((v) => v['VariantName']),
        resourceId: JSON.stringify(target?.Properties.ResourceId),
        model: JSON.stringify(model),
      };
    });
    expect(variants[0]?.variants).toEqual([spec.endpoints.single.variantName]);
    expect(variants[1]?.variants).toEqual(variants[0]?.variants);
    expect(variants[1]?.resourceId).toEqual(variants[0]?.resourceId);
    expect(variants[0]?.resourceId).toContain(`/variant/${spec.endpoints.single.variantName}`);
    expect(variants[1]?.model).not.toEqual(variants[0]?.model);
  });
});

describe('SageMakerEndpoint rollout: the rollback alarms from the spec', () => {
  const spec = specWith({
    endpoints: {
      single: {
        deployment: {
          rollbackAlarms: {
            errors5xx: { threshold: 3, periodSeconds: 120, evaluationPeriods: 2 },
            modelLatencyP90Ms: { threshold: 250, periodSeconds: 60, evaluationPeriods: 3 },
            invokerErrorRatePercent: { threshold: 7, periodSeconds: 180, evaluationPeriods: 1 },
            lowQualityPercent: {
              threshold: 30,
              minConfidence: 0.4,
              periodSeconds: 120,
              evaluationPeriods: 2,
            },
          },
        },
      },
    },
  });
  const ep = spec.endpoints.single;
  const t = build(spec, {}, true).template();
  const dims = [
    { Name: 'EndpointName', Value: ep.name },
    { Name: 'VariantName', Value: ep.variantName },
  ];

  it('Invocation5XXErrors: Sum at or above the threshold, the spec’s period and evaluation periods', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: rollbackAlarmName(STACK, ep.name, 'errors5xx'),
      Namespace: 'AWS/SageMaker',
      MetricName: 'Invocation5XXErrors',
      Dimensions: dims,
      Statistic: 'Sum',
      Period: 120,
      EvaluationPeriods: 2,
      Threshold: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('ModelLatency: p90 above the threshold, converted from the spec’s ms to CloudWatch’s µs', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: rollbackAlarmName(STACK, ep.name, 'modelLatencyP90Ms'),
      Namespace: 'AWS/SageMaker',
      MetricName: 'ModelLatency',
      Dimensions: dims,
      ExtendedStatistic: 'p90',
      Period: 60,
      EvaluationPeriods: 3,
      Threshold: 250_000,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('the invoker’s error rate: 100 × FailedRequests / Requests for this endpoint, above the threshold', () => {
    const stat = (metricName: string) => ({
      MetricStat: {
        Metric: {
          Namespace: spec.project.name,
          MetricName: metricName,
          Dimensions: [
            { Name: INVOKER_METRICS.dimensions.endpoint, Value: ep.name },
            { Name: INVOKER_METRICS.dimensions.service, Value: spec.invoker.functionName },
          ],
        },
        Period: 180,
        Stat: 'Sum',
      },
      ReturnData: false,
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: rollbackAlarmName(STACK, ep.name, 'invokerErrorRatePercent'),
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: '100 * failed / requests', ReturnData: true }),
        Match.objectLike({ Id: 'failed', ...stat('FailedRequests') }),
        Match.objectLike({ Id: 'requests', ...stat('Requests') }),
      ]),
      EvaluationPeriods: 1,
      Threshold: 7,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('the quality alarm: the share of the invoker’s answers at or below minConfidence (PR), above the threshold', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: rollbackAlarmName(STACK, ep.name, 'lowQualityPercent'),
      Namespace: spec.project.name,
      MetricName: INVOKER_METRICS.answerConfidence,
      Dimensions: [
        { Name: INVOKER_METRICS.dimensions.endpoint, Value: ep.name },
        { Name: INVOKER_METRICS.dimensions.service, Value: spec.invoker.functionName },
      ],
      ExtendedStatistic: 'PR(:0.4)',
      Period: 120,
      EvaluationPeriods: 2,
      Threshold: 30,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('lets the endpoint’s execution role describe exactly its rollback alarms', () => {
    const arns = ROLLBACK_ALARM_KINDS.map((kind) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          `:cloudwatch:us-east-1:123456789012:alarm:${rollbackAlarmName(STACK, ep.name, kind)}`,
        ],
      ],
    }));
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'DescribeRollbackAlarms',
            Effect: 'Allow',
            Action: 'cloudwatch:DescribeAlarms',
            Resource: arns,
          },
        ]),
      },
    });
  });

  it('reads what the invoker publishes: its environment names the alarm’s namespace and service', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_METRICS_NAMESPACE: spec.project.name,
          POWERTOOLS_SERVICE_NAME: spec.invoker.functionName,
        }),
      },
    });
  });

  // A Ref makes CloudFormation create each alarm before the endpoint, which SageMaker needs to find them.
  it('lists the alarms by Ref, so they exist before the endpoint update that names them', () => {
    const [endpoint] = Object.values(t.findResources('AWS::SageMaker::Endpoint')) as {
      Properties: { DeploymentConfig: { AutoRollbackConfiguration: { Alarms: Json[] } } };
    }[];
    const ids = (endpoint?.Properties.DeploymentConfig.AutoRollbackConfiguration.Alarms ?? []).map(
      (a) => (a['AlarmName'] as { Ref: string }).Ref,
    );
    const alarmIds = Object.keys(t.findResources('AWS::CloudWatch::Alarm'));
    expect(ids).toHaveLength(ROLLBACK_ALARM_KINDS.length);
    for (const id of ids) expect(alarmIds).toContain(id);
  });
});

describe('SageMakerEndpoint rollout: the alarm topic and extra alarms', () => {
  it('every rollback alarm notifies the alarm topic', () => {
    const spec = specWith({});
    let topic: sns.Topic | undefined;
    const b = build(spec, (stack) => ({ alarmTopic: (topic = new sns.Topic(stack, 'Alarms')) }));
    const t = b.template();
    const topicRef = { Ref: b.stack.getLogicalId(topic?.node.defaultChild as sns.CfnTopic) };
    for (const kind of ROLLBACK_ALARM_KINDS) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: rollbackAlarmName(STACK, spec.endpoints.single.name, kind),
        AlarmActions: [topicRef],
      });
    }
  });

  it('lists extra rollback alarms after the spec’s', () => {
    const b = build(specWith({}), (stack) => ({
      extraRollbackAlarms: [cloudwatch.Alarm.fromAlarmName(stack, 'Extra', 'extra')],
    }));
    const [endpoint] = Object.values(b.template().findResources('AWS::SageMaker::Endpoint')) as {
      Properties: { DeploymentConfig: { AutoRollbackConfiguration: { Alarms: Json[] } } };
    }[];
    const listed = endpoint?.Properties.DeploymentConfig.AutoRollbackConfiguration.Alarms ?? [];
    expect(listed).toHaveLength(ROLLBACK_ALARM_KINDS.length + 1);
    expect(listed[ROLLBACK_ALARM_KINDS.length]).toEqual({ AlarmName: 'extra' });
  });
});

describe('SageMakerEndpoint rollout: data capture from the spec', () => {
  it('captures samplingPercent of requests under the data-capture prefix (SageMaker adds endpoint and variant)', () => {
    const t = synth({ rollout: { dataCapture: { enabled: true, samplingPercent: 35 } } });
    t.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      DataCaptureConfig: Match.objectLike({
        EnableCapture: true,
        InitialSamplingPercentage: 35,
        KmsKeyId: Match.anyValue(),
        DestinationS3Uri: {
          'Fn::Join': ['', ['s3://', Match.anyValue(), '/data-capture']],
        },
      }),
    });
    expect(JSON.stringify(t.findResources('AWS::IAM::Policy'))).toContain('/data-capture/dogbreed-single');
  });

  it('captures nothing, and may write nothing there, when capture is off', () => {
    const t = synth({ rollout: { dataCapture: { enabled: false } } });
    t.hasResourceProperties('AWS::SageMaker::EndpointConfig', { DataCaptureConfig: Match.absent() });
    expect(JSON.stringify(t.findResources('AWS::IAM::Policy'))).not.toContain('data-capture');
  });
});

describe('SageMakerEndpoint rollout: the candidate as a shadow variant', () => {
  const CANDIDATE = 'jobs/candidate/output/model.tar.gz';
  const spec = specWith({ rollout: { dataCapture: { enabled: true, samplingPercent: 20 } } });
  const ep = spec.endpoints.single;
  const t = build(spec, { shadowModelKey: CANDIDATE, shadowSamplingPercent: 40 }).template();
  const config = () =>
    (
      Object.values(t.findResources('AWS::SageMaker::EndpointConfig'))[0] as {
        Properties: { ProductionVariants: Json[]; ShadowProductionVariants: Json[] };
      }
    ).Properties;

  it('runs the candidate beside the serving model, its weight the sampling share of the production weight', () => {
    const { ProductionVariants: prod, ShadowProductionVariants: shadow } = config();
    expect(prod).toHaveLength(1);
    expect(prod[0]).toMatchObject({ VariantName: ep.variantName, InitialVariantWeight: 1 });
    expect(shadow).toEqual([
      {
        VariantName: shadowVariantName(ep.variantName),
        ModelName: { 'Fn::GetAtt': [expect.stringMatching(/^SingleShadowModel/), 'ModelName'] },
        InstanceType: ep.instanceType,
        InitialInstanceCount: ep.initialInstanceCount,
        InitialVariantWeight: 0.4,
      },
    ]);
  });

  it('the shadow model reads the candidate artifact, with the same image and settings as the serving model', () => {
    const models = Object.values(t.findResources('AWS::SageMaker::Model')) as {
      Properties: { PrimaryContainer: { ModelDataUrl: unknown; Image: string; Environment: Json } };
    }[];
    expect(models).toHaveLength(2);
    const [serving, candidate] = models.map((m) => m.Properties.PrimaryContainer);
    expect(JSON.stringify(candidate?.ModelDataUrl)).toContain(CANDIDATE);
    expect(JSON.stringify(serving?.ModelDataUrl)).toContain(ep.modelArtifact.s3Key);
    expect(candidate?.Image).toBe(serving?.Image);
    expect(candidate?.Environment).toEqual(serving?.Environment);
    expect(JSON.stringify(t.findResources('AWS::IAM::Policy'))).toContain(CANDIDATE);
  });

  it('captures every request while the shadow runs, so both sides of a request are captured and pair', () => {
    t.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      DataCaptureConfig: Match.objectLike({ EnableCapture: true, InitialSamplingPercentage: 100 }),
    });
  });

  it('without a candidate: the serving model alone, captured at the spec’s sampling', () => {
    const plain = build(spec).template();
    plain.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ShadowProductionVariants: Match.absent(),
      DataCaptureConfig: Match.objectLike({ InitialSamplingPercentage: 20 }),
    });
    plain.resourceCountIs('AWS::SageMaker::Model', 1);
  });

  it('refuses a shadow without data capture (nothing to judge it on) and a sampling outside 1-100', () => {
    const off = specWith({ rollout: { dataCapture: { enabled: false } } });
    expect(() => build(off, { shadowModelKey: CANDIDATE })).toThrow(
      /shadowModelKey needs dataCapture\.enabled/,
    );
    expect(() => build(spec, { shadowModelKey: CANDIDATE, shadowSamplingPercent: 0 })).toThrow(
      /shadowSamplingPercent must be an integer 1-100/,
    );
    expect(() => build(spec, { shadowModelKey: 'not-a-tarball' })).toThrow(InfraPropsError);
  });
});

/** The default spec with `patch` applied to the single endpoint's deployment, past the spec's own validation. */
function withDeployment(patch: Partial<DeploymentSpec>, endpoint: Partial<EndpointSpec> = {}): PlatformSpec {
  const spec = specWith({});
  const single = spec.endpoints.single;
  return {
    ...spec,
    endpoints: {
      ...spec.endpoints,
      single: { ...single, ...endpoint, deployment: { ...single.deployment, ...patch } },
    },
  };
}
const alarms = (patch: Partial<DeploymentSpec['rollbackAlarms']>) =>
  withDeployment({
    rollbackAlarms: { ...specWith({}).endpoints.single.deployment.rollbackAlarms, ...patch },
  });
const twoWide = (patch: Partial<DeploymentSpec>) =>
  ({
    ...withDeployment(patch, { initialInstanceCount: 2 }),
    autoscaling: { ...specWith({}).autoscaling, minInstances: 2 },
  }) as PlatformSpec;

describe('SageMakerEndpoint rollout: SageMaker’s constraints are checked at synth', () => {
  it.each<[string, PlatformSpec, RegExp]>([
    [
      'a canary on a fleet of one',
      withDeployment({ mode: 'canary' }),
      /deployment\.mode: canary needs a fleet of at least 2/,
    ],
    [
      'a linear rollout on a fleet of one',
      withDeployment({ mode: 'linear' }),
      /deployment\.mode: linear needs a fleet of at least 2/,
    ],
    [
      'a canary over half the fleet',
      twoWide({ mode: 'canary', canaryPercent: 60 }),
      /deployment\.canaryPercent: must be an integer 1-50/,
    ],
    [
      'a linear step under 10 %',
      twoWide({ mode: 'linear', linearStepPercent: 5 }),
      /deployment\.linearStepPercent: must be an integer 10-50/,
    ],
    [
      'a linear step over 50 %',
      twoWide({ mode: 'linear', linearStepPercent: 60 }),
      /deployment\.linearStepPercent: must be an integer 10-50/,
    ],
    [
      'a bake over an hour',
      withDeployment({ bakeSeconds: 3601 }),
      /deployment\.bakeSeconds: must be an integer 0-3600/,
    ],
    [
      'a termination wait over an hour',
      withDeployment({ terminationWaitSeconds: 3601 }),
      /deployment\.terminationWaitSeconds: must be an integer 0-3600/,
    ],
    [
      'a maximum execution under 600 s',
      withDeployment({ maxExecutionSeconds: 599, bakeSeconds: 60 }),
      /deployment\.maxExecutionSeconds: must be an integer 600-28800/,
    ],
    [
      'a maximum execution over 28800 s',
      withDeployment({ maxExecutionSeconds: 28801 }),
      /deployment\.maxExecutionSeconds: must be an integer 600-28800/,
    ],
    [
      'a maximum execution shorter than the waits',
      withDeployment({ maxExecutionSeconds: 900, terminationWaitSeconds: 600 }),
      /deployment\.maxExecutionSeconds: 900 must exceed the rollout's bakes and termination wait \(1200 s\)/,
    ],
    [
      'an alarm period of 30 s on 1-minute metrics',
      alarms({ errors5xx: { threshold: 1, periodSeconds: 30, evaluationPeriods: 1 } }),
      /rollbackAlarms\.errors5xx\.periodSeconds: must be a multiple of 60/,
    ],
    [
      'an alarm that cannot fire within the bake',
      alarms({ modelLatencyP90Ms: { threshold: 1, periodSeconds: 300, evaluationPeriods: 3 } }),
      /rollbackAlarms\.modelLatencyP90Ms\.evaluationPeriods: periodSeconds × evaluationPeriods \(900 s\) must fit in bakeSeconds \(600 s\)/,
    ],
    [
      'a non-positive threshold',
      alarms({ errors5xx: { threshold: 0, periodSeconds: 60, evaluationPeriods: 1 } }),
      /rollbackAlarms\.errors5xx\.threshold: must be positive/,
    ],
    [
      'an error rate over 100 %',
      alarms({ invokerErrorRatePercent: { threshold: 150, periodSeconds: 60, evaluationPeriods: 1 } }),
      /invokerErrorRatePercent\.threshold: is a percentage/,
    ],
    [
      'an Inf1 instance type (no guardrails there)',
      withDeployment({}, { instanceType: 'ml.inf1.xlarge' }),
      /endpoint\.instanceType ml\.inf1\.xlarge is an Inf1 type/,
    ],
  ])('refuses %s', (_what, spec, message) => {
    let error: unknown;
    try {
      build(spec);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InfraPropsError);
    expect((error as Error).message).toMatch(
      new RegExp(`^SageMakerEndpoint ${spec.endpoints.single.name}: `),
    );
    expect((error as Error).message).toMatch(message);
  });

  it('refuses a canary when a scheduled window lets the fleet shrink to one, as the spec does', () => {
    const night = { name: 'night', start: '0 20 * * *', end: '0 7 * * *', minInstances: 1 };
    const canaryOnTwo = { endpoints: { single: { ...FLEET_OF_TWO, deployment: { mode: 'canary' } } } };
    expect(() => specWith({ ...canaryOnTwo, autoscaling: { minInstances: 2, schedule: [night] } })).toThrow(
      /endpoints\.single\.deployment\.mode:/,
    );
    // A spec object built by hand skips the schema: the construct checks again.
    const spec = specWith({ ...canaryOnTwo, autoscaling: { minInstances: 2 } });
    const shrunk = { ...spec, autoscaling: { ...spec.autoscaling, schedule: [night] } };
    expect(() => build(shrunk)).toThrow(/scheduled windows allow 1/);
  });

  it('refuses more than 10 rollback alarms in all (SageMaker AutoRollbackConfiguration)', () => {
    const extra = (stack: Stack) => ({
      extraRollbackAlarms: Array.from({ length: 11 - ROLLBACK_ALARM_KINDS.length }, (_, i) =>
        cloudwatch.Alarm.fromAlarmName(stack, `Extra${i}`, `extra-${i}`),
      ),
    });
    expect(() => build(specWith({}), extra)).toThrow(
      /deployment\.rollbackAlarms: 11 alarms in all; SageMaker AutoRollbackConfiguration takes 1-10/,
    );
  });

  it('refuses a data-capture sampling outside 0-100', () => {
    const spec = specWith({});
    expect(() => build(spec, { dataCapture: { ...spec.rollout.dataCapture, samplingPercent: 101 } })).toThrow(
      /dataCapture\.samplingPercent must be an integer 0-100/,
    );
  });
});
