import { App, Stack, aws_ec2 as ec2, aws_lambda as lambda } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { INVOKER_ENV, PLATFORM_SPEC, type PlatformSpec } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { InfraPropsError } from './errors.js';
import { MODEL_DATA_CONTEXT, modelKeysFromContext, OIDC_PROVIDER_CONTEXT } from './infra-app.js';
import { Network } from './network/network.js';
import { Invoker } from './serving/invoker.js';
import { instanceHasLocalStorage } from './serving/sagemaker-endpoint.js';
import { synthInfra, type SynthedInfra } from './testing/synth.js';

// A spec that differs from the defaults in every number the serving stack reads.
const changed: PlatformSpec = specWith({
  autoscaling: {
    minInstances: 2,
    maxInstances: 6,
    metric: 'SageMakerVariantConcurrentRequestsPerModelHighResolution',
    targetValue: 4,
    scaleOutCooldownSeconds: 45,
    scaleInCooldownSeconds: 600,
  },
  endpoints: { single: { initialInstanceCount: 2 }, multi: { initialInstanceCount: 3 } },
  invoker: {
    reservedConcurrency: 11,
    provisionedConcurrency: 2,
    logRetentionDays: 14,
    s3Input: { enabled: true, prefix: 'uploads/' },
  },
  alarms: { emails: ['oncall@example.com'] },
});

const EXISTING_OIDC_PROVIDER = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
const TRAINED_KEY = 'jobs/dogbreed-single-20261124/output/model.tar.gz';

let infra: SynthedInfra;
beforeAll(() => {
  // As the deploy pipeline does after its train stage: the single endpoint gets the new artifact.
  infra = synthInfra(changed, {
    [MODEL_DATA_CONTEXT.single]: `s3://dogbreed-models-example/${TRAINED_KEY}`,
    // An account that already has GitHub's OIDC provider.
    [OIDC_PROVIDER_CONTEXT]: EXISTING_OIDC_PROVIDER,
  });
});

describe('a spec change reaches the template', () => {
  it('the changed values differ from the defaults (the test would otherwise prove nothing)', () => {
    expect(changed.autoscaling.maxInstances).not.toBe(PLATFORM_SPEC.autoscaling.maxInstances);
    expect(changed.autoscaling.scaleOutCooldownSeconds).not.toBe(
      PLATFORM_SPEC.autoscaling.scaleOutCooldownSeconds,
    );
    expect(changed.invoker.reservedConcurrency).not.toBe(PLATFORM_SPEC.invoker.reservedConcurrency);
  });

  it('the CI stack imports the existing OIDC provider named by the context instead of creating one', () => {
    infra.templates.ci.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    expect(JSON.stringify(infra.templates.ci.toJSON())).toContain(`"Federated":"${EXISTING_OIDC_PROVIDER}"`);
  });

  it('the alarm e-mail list becomes subscriptions of the alarm topic', () => {
    infra.templates.serving.resourceCountIs('AWS::SNS::Subscription', 1);
    infra.templates.serving.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });

  it('autoscaling bounds, metric, target and cooldowns follow', () => {
    const t = infra.templates.serving;
    t.resourcePropertiesCountIs(
      'AWS::ApplicationAutoScaling::ScalableTarget',
      { MinCapacity: changed.autoscaling.minInstances, MaxCapacity: changed.autoscaling.maxInstances },
      2,
    );
    t.resourcePropertiesCountIs(
      'AWS::ApplicationAutoScaling::ScalingPolicy',
      {
        TargetTrackingScalingPolicyConfiguration: {
          PredefinedMetricSpecification: { PredefinedMetricType: changed.autoscaling.metric },
          TargetValue: changed.autoscaling.targetValue,
          ScaleOutCooldown: changed.autoscaling.scaleOutCooldownSeconds,
          ScaleInCooldown: changed.autoscaling.scaleInCooldownSeconds,
        },
      },
      2,
    );
    t.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [
        Match.objectLike({ InitialInstanceCount: changed.endpoints.multi.initialInstanceCount }),
      ],
    });
    t.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { Threshold: changed.autoscaling.maxInstances - 0.5 },
      2,
    );
  });

  it('reserved concurrency, provisioned concurrency on the live alias, and log retention follow', () => {
    const t = infra.templates.serving;
    t.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: changed.invoker.reservedConcurrency,
    });
    t.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      ProvisionedConcurrencyConfig: {
        ProvisionedConcurrentExecutions: changed.invoker.provisionedConcurrency,
      },
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: changed.invoker.logRetentionDays });
  });

  it('s3Uri input on: read-only access to the input prefix and the environment to find it', () => {
    const t = infra.templates.serving;
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [INVOKER_ENV.inputPrefix]: changed.invoker.s3Input.prefix,
          [INVOKER_ENV.inputBucket]: Match.anyValue(),
        }),
      },
    });
    const role = infra.stacks.serving.getLogicalId(
      infra.stacks.serving.invoker.role.node.defaultChild as never,
    );
    const policy = Object.values(
      t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: role }] } }),
    )[0] as {
      Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } };
    };
    const s3 = policy.Properties.PolicyDocument.Statement.filter((s) =>
      [s.Action].flat().some((a) => a.startsWith('s3:')),
    );
    expect(s3.length).toBeGreaterThan(0);
    for (const s of s3) for (const a of [s.Action].flat()) expect(a).toMatch(/^s3:(Get|List)/);
    expect(JSON.stringify(s3)).toContain(`/${changed.invoker.s3Input.prefix}*`);
  });
});

describe('props are checked at synth with clear messages', () => {
  const vpcStack = () => {
    const stack = new Stack(new App(), 'T');
    return {
      stack,
      vpc: new ec2.Vpc(stack, 'Vpc', {
        natGateways: 0,
        subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
      }),
    };
  };

  it('Network refuses a single AZ', () => {
    expect(() => new Network(new Stack(new App(), 'N'), 'Net', { maxAzs: 1 })).toThrow(
      /maxAzs must be an integer of at least 2/,
    );
  });

  it('Network refuses to drop an endpoint the workloads need', () => {
    expect(() => new Network(new Stack(new App(), 'N'), 'Net', { interfaceEndpoints: ['sts'] })).toThrow(
      /must include sagemaker.runtime/,
    );
  });

  it('Invoker needs a bucket when s3Uri input is on, and a valid log retention', () => {
    const { stack, vpc } = vpcStack();
    const base = {
      code: lambda.Code.fromInline('export const handler = async () => ({})'),
      endpoints: {
        single: { endpointName: 'a', endpointArn: 'arn:a' },
        multi: { endpointName: 'b', endpointArn: 'arn:b' },
      },
      vpc,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroup: new ec2.SecurityGroup(stack, 'Sg', { vpc }),
    };
    const on = specWith({ invoker: { s3Input: { enabled: true, prefix: 'x/' } } }).invoker;
    expect(() => new Invoker(stack, 'I1', { ...base, invoker: on })).toThrow(InfraPropsError);
    expect(() => new Invoker(stack, 'I1b', { ...base, invoker: on })).toThrow(/inputBucket is required/);
    const badRetention = specWith({ invoker: { logRetentionDays: 11 } }).invoker;
    expect(() => new Invoker(stack, 'I2', { ...base, invoker: badRetention })).toThrow(
      /logRetentionDays 11 is not a CloudWatch Logs retention/,
    );
    expect(
      () =>
        new Invoker(stack, 'I3', {
          ...base,
          invoker: PLATFORM_SPEC.invoker,
          subnets: { subnetType: ec2.SubnetType.PUBLIC },
        }),
    ).toThrow(/must not be public/);
  });

  it('knows which instance types reject a volume KMS key', () => {
    expect(instanceHasLocalStorage('ml.m5.large')).toBe(false);
    expect(instanceHasLocalStorage('ml.g4dn.xlarge')).toBe(true);
    expect(instanceHasLocalStorage('ml.m5d.large')).toBe(true);
  });
});

describe('model artifacts from the deploy pipeline', () => {
  const modelDataUrls = () =>
    Object.values(infra.templates.serving.findResources('AWS::SageMaker::Model')).map((r) =>
      JSON.stringify(
        (r as { Properties: { PrimaryContainer: { ModelDataUrl: unknown } } }).Properties.PrimaryContainer
          .ModelDataUrl,
      ),
    );

  it('a trained artifact given as context replaces the spec key of its endpoint only', () => {
    const urls = modelDataUrls();
    expect(urls.filter((u) => u.includes(TRAINED_KEY))).toHaveLength(1);
    expect(urls.filter((u) => u.includes(changed.endpoints.multi.modelArtifact.s3Key))).toHaveLength(1);
    expect(urls.some((u) => u.includes(changed.endpoints.single.modelArtifact.s3Key))).toBe(false);
  });

  it('endpoint updates keep the instance count autoscaling set', () => {
    infra.templates.serving.allResourcesProperties('AWS::SageMaker::Endpoint', {
      RetainAllVariantProperties: true,
    });
  });

  it.each(['https://example.com/model.tar.gz', 's3://bucket/model.zip', 's3://bucket/'])(
    'rejects context %s',
    (bad) => {
      const app = new App({ context: { [MODEL_DATA_CONTEXT.multi]: bad } });
      expect(() => modelKeysFromContext(app)).toThrow(InfraPropsError);
    },
  );
});
