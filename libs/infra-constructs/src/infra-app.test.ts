import { Match } from 'aws-cdk-lib/assertions';
import { CiStage, INVOKER_ENV, ciSubjectClaim, ssmParameterNames } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST } from './ci/github-oidc.js';
import { nagFindings, synthInfra, type SynthedInfra } from './testing/synth.js';

// The defaults plus a pinned AMI, so the optional EC2 trainer is part of the composition under test.
const spec = specWith({ training: { ec2AmiId: 'ami-0123456789abcdef0' } });
let infra: SynthedInfra;

// One synth of the whole app with the default spec, shared by every test in this file.
beforeAll(() => {
  infra = synthInfra(spec);
});

type Json = Record<string, unknown>;
const resources = (t: SynthedInfra['templates'][keyof SynthedInfra['templates']], type: string) =>
  Object.entries(t.findResources(type)) as [string, { Properties: Json }][];
const first = <T>(items: T[]): T => {
  const [head] = items;
  if (head === undefined) throw new Error('expected at least one item');
  return head;
};
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

describe('endpoints: autoscaling from the spec', () => {
  it('registers one scalable target per endpoint with min/max from the spec', () => {
    const targets = resources(infra.templates.serving, 'AWS::ApplicationAutoScaling::ScalableTarget');
    expect(targets).toHaveLength(2);
    for (const [, t] of targets) {
      expect(t.Properties).toMatchObject({
        ServiceNamespace: 'sagemaker',
        ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
        MinCapacity: spec.autoscaling.minInstances,
        MaxCapacity: spec.autoscaling.maxInstances,
      });
    }
  });

  it('tracks the spec metric and target with the spec cooldowns', () => {
    const policies = resources(infra.templates.serving, 'AWS::ApplicationAutoScaling::ScalingPolicy');
    expect(policies).toHaveLength(2);
    for (const [, p] of policies) {
      expect(p.Properties['TargetTrackingScalingPolicyConfiguration']).toEqual({
        PredefinedMetricSpecification: { PredefinedMetricType: spec.autoscaling.metric },
        TargetValue: spec.autoscaling.targetValue,
        ScaleOutCooldown: spec.autoscaling.scaleOutCooldownSeconds,
        ScaleInCooldown: spec.autoscaling.scaleInCooldownSeconds,
      });
    }
  });

  it('creates both endpoints by their spec names with the spec instance type, VPC, isolation and KMS data capture', () => {
    for (const ep of [spec.endpoints.single, spec.endpoints.multi]) {
      infra.templates.serving.hasResourceProperties('AWS::SageMaker::Endpoint', { EndpointName: ep.name });
      infra.templates.serving.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
        ProductionVariants: [
          Match.objectLike({
            VariantName: ep.variantName,
            InstanceType: ep.instanceType,
            InitialInstanceCount: ep.initialInstanceCount,
          }),
        ],
        DataCaptureConfig: Match.objectLike({ EnableCapture: true, KmsKeyId: Match.anyValue() }),
        KmsKeyId: Match.anyValue(),
      });
    }
    for (const [, m] of resources(infra.templates.serving, 'AWS::SageMaker::Model')) {
      expect(m.Properties['EnableNetworkIsolation']).toBe(true);
      expect(m.Properties['VpcConfig']).toBeDefined();
    }
  });

  it('alarms on 5xx, model latency, and the instance count reaching the spec maximum', () => {
    const alarms = resources(infra.templates.serving, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    expect(alarms.filter((a) => a['MetricName'] === 'Invocation5XXErrors')).toHaveLength(2);
    expect(alarms.filter((a) => a['MetricName'] === 'ModelLatency')).toHaveLength(2);
    // Two metric-math alarms per endpoint: the instance count at the maximum, and the invoker's error rate.
    const atMax = alarms.filter((a) =>
      JSON.stringify(a['Metrics'] ?? null).includes('invocations / perInstance'),
    );
    expect(atMax).toHaveLength(2);
    for (const a of atMax) expect(a['Threshold']).toBe(spec.autoscaling.maxInstances - 0.5);
  });

  it('sends alarms to a topic whose key CloudWatch may use (else an encrypted topic drops every alarm), subscribing nobody by default', () => {
    const t = infra.templates.serving;
    const [[topicId, topic]] = resources(t, 'AWS::SNS::Topic') as [[string, { Properties: Json }]];
    const keyId = (topic.Properties['KmsMasterKeyId'] as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements =
      (t.toJSON() as { Resources: Record<string, { Properties: { KeyPolicy: { Statement: Json[] } } }> })
        .Resources[keyId]?.Properties.KeyPolicy.Statement ?? [];
    expect(
      statements
        .filter((st) => JSON.stringify(st['Principal']) === '{"Service":"cloudwatch.amazonaws.com"}')
        .map((st) => st['Action']),
    ).toEqual([['kms:Decrypt', 'kms:GenerateDataKey*']]);
    for (const [, alarm] of resources(t, 'AWS::CloudWatch::Alarm').filter(
      ([, a]) => a.Properties['MetricName'] === 'Invocation5XXErrors',
    )) {
      expect(alarm.Properties['AlarmActions']).toEqual([{ Ref: topicId }]);
    }
    t.resourceCountIs('AWS::SNS::Subscription', spec.alarms.emails.length);
    expect(spec.alarms.emails).toEqual([]);
  });
});

describe('invoker', () => {
  it('has the spec runtime, architecture and reserved concurrency', () => {
    infra.templates.serving.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: spec.invoker.functionName,
      Runtime: spec.invoker.runtime,
      Architectures: [spec.invoker.architecture],
      ReservedConcurrentExecutions: spec.invoker.reservedConcurrency,
      Handler: 'index.handler',
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
    });
  });

  it('fills its environment from the endpoint constructs with the shared INVOKER_ENV names', () => {
    const [[, fn]] = resources(infra.templates.serving, 'AWS::Lambda::Function').filter(
      ([, f]) => f.Properties['FunctionName'] === spec.invoker.functionName,
    ) as [[string, { Properties: Json }]];
    const vars = (fn.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
    expect(vars[INVOKER_ENV.endpointSingle]).toBe(spec.endpoints.single.name);
    expect(vars[INVOKER_ENV.endpointMulti]).toBe(spec.endpoints.multi.name);
    expect(vars[INVOKER_ENV.endpointTimeoutMs]).toBe(String(spec.invoker.endpointTimeoutMs));
    expect(vars[INVOKER_ENV.inputBucket]).toBeUndefined();
  });

  it('may call only sagemaker:InvokeEndpoint, on exactly the two endpoint ARNs', () => {
    const stack = infra.stacks.serving;
    const roleId = stack.getLogicalId(infra.stacks.serving.invoker.role.node.defaultChild as never);
    const policies = resources(infra.templates.serving, 'AWS::IAM::Policy').filter(([, p]) =>
      asArray(p.Properties['Roles'] as unknown[]).some(
        (r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId }),
      ),
    );
    expect(policies.length).toBeGreaterThan(0);
    const statements = policies.flatMap(
      ([, p]) => (p.Properties['PolicyDocument'] as { Statement: Json[] }).Statement,
    );
    const sagemaker = statements.filter((s) =>
      asArray(s['Action'] as string[]).some((a) => a.startsWith('sagemaker:')),
    );
    expect(sagemaker).toHaveLength(1);
    expect(first(sagemaker)['Action']).toBe('sagemaker:InvokeEndpoint');
    const endpointIds = [stack.single.endpoint, stack.multi.endpoint].map((e) => ({
      Ref: stack.getLogicalId(e),
    }));
    expect(first(sagemaker)['Resource']).toEqual(endpointIds);
    // Every other statement is logs, X-Ray or the VPC network interfaces.
    const others = statements
      .filter((s) => s !== sagemaker[0])
      .flatMap((s) => asArray(s['Action'] as string[]));
    for (const a of others) expect(a).toMatch(/^(logs|xray|ec2):/);
  });

  it('is reached through a function URL with AWS_IAM auth only', () => {
    const urls = resources(infra.templates.serving, 'AWS::Lambda::Url');
    expect(urls).toHaveLength(1);
    expect(first(urls)[1].Properties['AuthType']).toBe('AWS_IAM');
    infra.templates.serving.resourcePropertiesCountIs('AWS::Lambda::Permission', { Principal: '*' }, 0);
  });

  it('keeps its logs for the spec retention', () => {
    infra.templates.serving.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: `/aws/lambda/${spec.invoker.functionName}`,
      RetentionInDays: spec.invoker.logRetentionDays,
    });
  });
});

describe('network', () => {
  it('has no security group open to 0.0.0.0/0 or ::/0 for ingress, in any stack', () => {
    for (const t of Object.values(infra.templates)) {
      for (const [, sg] of resources(t, 'AWS::EC2::SecurityGroup')) {
        for (const rule of asArray(sg.Properties['SecurityGroupIngress'] as Json[])) {
          expect(rule['CidrIp']).not.toBe('0.0.0.0/0');
          expect(rule['CidrIpv6']).not.toBe('::/0');
        }
      }
      for (const [, rule] of resources(t, 'AWS::EC2::SecurityGroupIngress')) {
        expect(rule.Properties['CidrIp']).not.toBe('0.0.0.0/0');
        expect(rule.Properties['CidrIpv6']).not.toBe('::/0');
      }
    }
  });

  it('has no public subnet, internet gateway or NAT, and the interface endpoints the workloads need', () => {
    const t = infra.templates.network;
    t.resourceCountIs('AWS::EC2::InternetGateway', 0);
    t.resourceCountIs('AWS::EC2::NatGateway', 0);
    for (const [, s] of resources(t, 'AWS::EC2::Subnet'))
      expect(s.Properties['MapPublicIpOnLaunch']).toBe(false);
    const services = resources(t, 'AWS::EC2::VPCEndpoint').map(([, e]) =>
      JSON.stringify(e.Properties['ServiceName']),
    );
    for (const name of ['sagemaker.runtime', 'sagemaker.api', 'sts', 'logs', 'ecr.api', 'ecr.dkr', 's3']) {
      expect(services.some((s) => s.includes(`.${name}"`))).toBe(true);
    }
  });

  it('places all compute in the private isolated subnets, never with a public address', () => {
    const privateIds = infra.stacks.network.network.vpc.isolatedSubnets.map((s) =>
      infra.stacks.network.resolve(s.subnetId),
    );
    expect(infra.stacks.network.network.vpc.publicSubnets).toHaveLength(0);
    expect(privateIds).toHaveLength(2);
    // Every subnet a compute resource names is one of the VPC's private isolated subnets (cross-stack imports).
    const subnetRefs = (v: unknown) => JSON.stringify(v).match(/VpcprivateSubnet\d/g) ?? [];
    const [[, instance0]] = resources(infra.templates.training, 'AWS::EC2::Instance') as [
      [string, { Properties: Json }],
    ];
    const nic = first(instance0.Properties['NetworkInterfaces'] as Json[]);
    expect(nic['AssociatePublicIpAddress']).toBe(false);
    expect(subnetRefs(nic['SubnetId'])).toHaveLength(1);
    const [[, fn]] = resources(infra.templates.serving, 'AWS::Lambda::Function').filter(
      ([, f]) => f.Properties['VpcConfig'],
    ) as [[string, { Properties: Json }]];
    expect(subnetRefs(fn.Properties['VpcConfig'])).toHaveLength(2);
    for (const [, m] of resources(infra.templates.serving, 'AWS::SageMaker::Model'))
      expect(subnetRefs(m.Properties['VpcConfig'])).toHaveLength(2);
    for (const t of Object.values(infra.templates))
      expect(JSON.stringify(t.toJSON())).not.toMatch(/publicSubnet/i);
    infra.templates.training.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ MetadataOptions: { HttpTokens: 'required' } }),
    });
    const [[, instance]] = resources(infra.templates.training, 'AWS::EC2::Instance') as [
      [string, { Properties: Json }],
    ];
    expect(instance.Properties['KeyName']).toBeUndefined();
    expect(JSON.stringify(instance.Properties['BlockDeviceMappings'])).toContain('"Encrypted":true');
  });
});

describe('data', () => {
  it('encrypts every data bucket with the customer key, blocks public access and denies non-TLS requests', () => {
    const t = infra.templates.data;
    const buckets = resources(t, 'AWS::S3::Bucket');
    expect(buckets).toHaveLength(4);
    let kmsBuckets = 0;
    for (const [id, b] of buckets) {
      expect(b.Properties['PublicAccessBlockConfiguration']).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(b.Properties['VersioningConfiguration']).toEqual({ Status: 'Enabled' });
      const enc = JSON.stringify(b.Properties['BucketEncryption']);
      if (enc.includes('aws:kms')) kmsBuckets += 1;
      t.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
    expect(kmsBuckets).toBe(3);
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Id: 'expire-checkpoints', Status: 'Enabled' })]),
      },
    });
  });

  it('publishes every SSM parameter named by ssmParameterNames(spec)', () => {
    const names = Object.values(infra.templates)
      .flatMap((t) => resources(t, 'AWS::SSM::Parameter'))
      .map(([, p]) => p.Properties['Name']);
    expect(new Set(names)).toEqual(new Set(Object.values(ssmParameterNames(spec))));
  });
});

/** Evaluates a trust policy's StringEquals condition against a token's claims, as STS does. */
function trusts(statement: Json, claims: Record<string, string>): boolean {
  const cond =
    (statement['Condition'] as { StringEquals?: Record<string, string | string[]> } | undefined)
      ?.StringEquals ?? {};
  return Object.entries(cond).every(([key, expected]) => asArray(expected).includes(claims[key] ?? ''));
}

describe('GitHub OIDC', () => {
  const trustStatement = (stage: CiStage): Json => {
    const roles = resources(infra.templates.ci, 'AWS::IAM::Role').filter(
      ([, r]) => r.Properties['RoleName'] === spec.ci.roles[stage].roleName,
    );
    expect(roles).toHaveLength(1);
    const stmts = (first(roles)[1].Properties['AssumeRolePolicyDocument'] as { Statement: Json[] }).Statement;
    expect(stmts).toHaveLength(1);
    return first(stmts);
  };

  it.each(CiStage.options)(
    'role for %s trusts only aud=sts.amazonaws.com and its exact sub claim, with StringEquals',
    (stage) => {
      const s = trustStatement(stage);
      expect(s['Action']).toBe('sts:AssumeRoleWithWebIdentity');
      expect(s['Condition']).toEqual({
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
          [`${GITHUB_OIDC_HOST}:sub`]: ciSubjectClaim(spec, stage),
        },
      });
      expect(JSON.stringify(s['Condition'])).not.toMatch(/[*?]/);
    },
  );

  // The repository's subject template holds repo, context and ref (GITHUB_OIDC_SUBJECT_CLAIM_KEYS): the branch is in
  // every subject, so a job on another branch cannot assume a role, in an environment or not.
  it('the validate role (deploy branch, no environment) trusts refs/heads/main but not refs/heads/feature', () => {
    const s = trustStatement('validate');
    const { owner, repo, deployBranch } = spec.ci.github;
    const claims = (sub: string, aud = GITHUB_OIDC_AUDIENCE) => ({
      [`${GITHUB_OIDC_HOST}:aud`]: aud,
      [`${GITHUB_OIDC_HOST}:sub`]: sub,
    });
    const on = (branch: string, r = repo) =>
      `repo:${owner}/${r}:ref:refs/heads/${branch}:ref:refs/heads/${branch}`;
    expect(deployBranch).toBe('main');
    expect(trusts(s, claims(on('main')))).toBe(true);
    expect(trusts(s, claims(on('feature')))).toBe(false);
    expect(trusts(s, claims(on('main', 'other')))).toBe(false);
    expect(trusts(s, claims(on('main'), 'someone-else'))).toBe(false);
    // The default template's subject (no ref claim key) is refused: the repository must use the custom one.
    expect(trusts(s, claims(`repo:${owner}/${repo}:ref:refs/heads/main`))).toBe(false);
  });

  it('an environment-gated role trusts its environment on the deploy branch and nothing else', () => {
    const s = trustStatement('deployEndpoints');
    const { owner, repo } = spec.ci.github;
    const env = spec.ci.roles.deployEndpoints.environment;
    const claims = (sub: string) => ({
      [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
      [`${GITHUB_OIDC_HOST}:sub`]: sub,
    });
    expect(trusts(s, claims(`repo:${owner}/${repo}:environment:${env}:ref:refs/heads/main`))).toBe(true);
    expect(trusts(s, claims(`repo:${owner}/${repo}:environment:${env}:ref:refs/heads/feature`))).toBe(false);
    expect(trusts(s, claims(`repo:${owner}/${repo}:environment:${env}`))).toBe(false);
    expect(trusts(s, claims(`repo:${owner}/${repo}:environment:staging:ref:refs/heads/main`))).toBe(false);
    expect(trusts(s, claims(`repo:${owner}/${repo}:ref:refs/heads/main:ref:refs/heads/main`))).toBe(false);
  });

  it.each(CiStage.options)('every subject of %s names the deploy branch', (stage) => {
    expect(ciSubjectClaim(spec, stage).endsWith(`:ref:refs/heads/${spec.ci.github.deployBranch}`)).toBe(true);
  });

  it('gives each stage only its own permissions', () => {
    const actionsOf = (stage: CiStage) => {
      const [[, role]] = resources(infra.templates.ci, 'AWS::IAM::Role').filter(
        ([, r]) => r.Properties['RoleName'] === spec.ci.roles[stage].roleName,
      ) as [[string, { Properties: Json }]];
      return (role.Properties['Policies'] as { PolicyDocument: { Statement: Json[] } }[]).flatMap((p) =>
        p.PolicyDocument.Statement.flatMap((s) => asArray(s['Action'] as string[])),
      );
    };
    expect(actionsOf('loadTest')).toContain('lambda:InvokeFunctionUrl');
    expect(actionsOf('validate')).not.toContain('lambda:InvokeFunctionUrl');
    expect(actionsOf('train')).toContain('sagemaker:CreateTrainingJob');
    for (const stage of ['validate', 'deployInfra', 'deployEndpoints', 'loadTest'] as const) {
      expect(actionsOf(stage)).not.toContain('sagemaker:CreateTrainingJob');
      expect(actionsOf(stage)).not.toContain('iam:PassRole');
    }
    for (const stage of CiStage.options) {
      for (const a of actionsOf(stage)) expect(a).not.toMatch(/^\*$|:\*$/);
    }
  });
});

describe('cdk-nag', () => {
  it('reports zero unacknowledged AwsSolutions findings on every stack', () => {
    expect(nagFindings(infra.app)).toEqual([]);
  });
});
