import { runSimulation } from '@cloud-copilot/iam-simulate';
import { S3_PREFIXES } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { App, aws_ec2 as ec2, aws_kms as kms, aws_s3 as s3, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildAccessApp } from '../testing/access-app.js';
import { DevelopmentWorkspace } from './development-workspace.js';
import { IDLE_STOP_PATHS } from './idle-stop-script.js';
import { accessNames } from './names.js';
import { resolveCfn, type PolicyDocument } from '../testing/template-policies.js';

const spec = specWith({});
const names = accessNames(spec);

function notebookTemplate(s = spec) {
  return Template.fromStack(buildAccessApp(s).stack);
}

function onStartScript(t: Template): string {
  const configs = Object.values(t.findResources('AWS::SageMaker::NotebookInstanceLifecycleConfig'));
  expect(configs).toHaveLength(1);
  const content =
    (configs[0] as { Properties: { OnStart: { Content: string }[] } }).Properties.OnStart[0]?.Content ?? '';
  return Buffer.from(content, 'base64').toString('utf8');
}

describe('development workspace', () => {
  const t = notebookTemplate();

  it('is a notebook of the spec type, without direct internet or root, KMS-encrypted, in a private subnet', () => {
    t.resourceCountIs('AWS::SageMaker::NotebookInstance', 1);
    t.hasResourceProperties('AWS::SageMaker::NotebookInstance', {
      NotebookInstanceName: names.notebookInstance,
      InstanceType: spec.access.notebook.instanceType,
      VolumeSizeInGB: spec.access.notebook.volumeSizeGb,
      DirectInternetAccess: 'Disabled',
      RootAccess: 'Disabled',
      KmsKeyId: { 'Fn::ImportValue': Match.stringLikeRegexp('Key') },
      SubnetId: { 'Fn::ImportValue': Match.stringLikeRegexp('privateSubnet') },
      SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('WorkspaceSecurityGroup'), 'GroupId'] }],
      LifecycleConfigName: {
        'Fn::GetAtt': [Match.stringLikeRegexp('WorkspaceIdleStop'), 'NotebookInstanceLifecycleConfigName'],
      },
    });
  });

  it('has the idle-stop lifecycle configuration with the spec idle time', () => {
    t.hasResourceProperties('AWS::SageMaker::NotebookInstanceLifecycleConfig', {
      NotebookInstanceLifecycleConfigName: names.notebookLifecycleConfig,
    });
    const script = onStartScript(t);
    expect(script).toContain(`IDLE_STOP_MINUTES", "${spec.access.notebook.idleStopMinutes}"`);
    expect(script).toContain('stop-notebook-instance');
    expect(script).toContain(IDLE_STOP_PATHS.metadata);
    expect(script).toContain('/api/sessions');
    expect(script).toContain(IDLE_STOP_PATHS.cron);
  });

  it('its security group has no ingress and only HTTPS egress', () => {
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: [Match.objectLike({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 })],
    });
    const groups = Object.values(t.findResources('AWS::EC2::SecurityGroup')) as {
      Properties: Record<string, unknown>;
    }[];
    for (const g of groups) expect(g.Properties['SecurityGroupIngress']).toBeUndefined();
    // The one ingress rule in the stack admits the notebook to the VPC endpoints' group, not anything to the notebook.
    const rules = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')) as {
      Properties: Record<string, unknown>;
    }[];
    expect(rules).toHaveLength(1);
    expect(JSON.stringify(rules[0]?.Properties['GroupId'])).toMatch(/EndpointSg/);
  });

  it('its role may stop and describe only itself', () => {
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'StopAndDescribeItselfOnly',
            Action: ['sagemaker:StopNotebookInstance', 'sagemaker:DescribeNotebookInstance'],
            Resource: {
              'Fn::Join': [
                '',
                Match.arrayWith([Match.stringLikeRegexp(`:notebook-instance/${names.notebookInstance}$`)]),
              ],
            },
          }),
        ]),
      },
    });
  });

  it('its role reaches S3 only in the data and model buckets', () => {
    const policies = Object.values(t.findResources('AWS::IAM::Policy')) as {
      Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } };
    }[];
    const s3Resources = policies
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')))
      .flatMap((s) => [s.Resource].flat());
    expect(s3Resources.length).toBeGreaterThan(0);
    const text = JSON.stringify(s3Resources);
    expect(text).not.toContain('"*"');
    const buckets = new Set(
      [...text.matchAll(/ExportsOutputFnGetAtt(\w+?)[0-9A-F]{8}Arn/g)].map((m) => m[1]),
    );
    expect([...buckets].sort()).toEqual(['Data', 'Models']);
  });

  it('follows the spec: another instance type, idle time and volume size', () => {
    const s = specWith({
      access: { notebook: { instanceType: 'ml.t3.large', idleStopMinutes: 15, volumeSizeGb: 50 } },
    });
    const other = notebookTemplate(s);
    other.hasResourceProperties('AWS::SageMaker::NotebookInstance', {
      InstanceType: 'ml.t3.large',
      VolumeSizeInGB: 50,
    });
    expect(onStartScript(other)).toContain('IDLE_STOP_MINUTES", "15"');
  });

  it('workspace off: no notebook, no lifecycle configuration, no role for it, and a note', () => {
    const { stack } = buildAccessApp(specWith({ access: { notebook: { enabled: false } } }));
    const off = Template.fromStack(stack);
    off.resourceCountIs('AWS::SageMaker::NotebookInstance', 0);
    off.resourceCountIs('AWS::SageMaker::NotebookInstanceLifecycleConfig', 0);
    off.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    expect(stack.workspace).toBeUndefined();
    expect(
      Annotations.fromStack(stack).findInfo('*', Match.stringLikeRegexp('no development workspace')),
    ).toHaveLength(1);
  });

  describe('props are checked at synth', () => {
    function deps() {
      const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'us-east-1' } });
      const vpc = new ec2.Vpc(stack, 'Vpc', {
        natGateways: 0,
        subnetConfiguration: [
          { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
          { name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        ],
      });
      const kmsKey = new kms.Key(stack, 'Key', { enableKeyRotation: true });
      return {
        stack,
        vpc,
        kmsKey,
        dataBucket: new s3.Bucket(stack, 'D'),
        modelBucket: new s3.Bucket(stack, 'M'),
        endpointSecurityGroup: new ec2.SecurityGroup(stack, 'EndpointSg', { vpc }),
      };
    }

    it('refuses public subnets', () => {
      const d = deps();
      expect(
        () =>
          new DevelopmentWorkspace(d.stack, 'W', {
            spec,
            ...d,
            subnets: { subnetType: ec2.SubnetType.PUBLIC },
          }),
      ).toThrow(/private/);
    });

    it('refuses a disabled workspace', () => {
      const d = deps();
      const off = specWith({ access: { notebook: { enabled: false } } });
      expect(
        () =>
          new DevelopmentWorkspace(d.stack, 'W', {
            spec: off,
            ...d,
            subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
          }),
      ).toThrow(/enabled is false/);
    });

    it('accepts private isolated subnets', () => {
      const d = deps();
      const w = new DevelopmentWorkspace(d.stack, 'W', {
        spec,
        ...d,
        subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      });
      expect(w.notebookName).toBe(names.notebookInstance);
    });
  });
});

describe('development workspace: reachability, metadata service and bucket scope', () => {
  const ACCOUNT = '111111111111';
  const DATA = 'dogbreed-data-test';
  const MODELS = 'dogbreed-models-test';
  const KEY_ARN = `arn:aws:kms:${spec.project.region}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
  const stack = new Stack(new App(), 'W', { env: { account: ACCOUNT, region: spec.project.region } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    natGateways: 0,
    subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const endpointSecurityGroup = new ec2.SecurityGroup(stack, 'EndpointSg', { vpc, allowAllOutbound: false });
  const workspace = new DevelopmentWorkspace(stack, 'Workspace', {
    spec,
    vpc,
    subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    kmsKey: kms.Key.fromKeyArn(stack, 'Key', KEY_ARN),
    dataBucket: s3.Bucket.fromBucketName(stack, 'Data', DATA),
    modelBucket: s3.Bucket.fromBucketName(stack, 'Models', MODELS),
    endpointSecurityGroup,
  });
  const t = Template.fromStack(stack);
  const ctx = { partition: 'aws', account: ACCOUNT, region: spec.project.region };
  const roleId = stack.getLogicalId(workspace.role.node.defaultChild as never);
  const policies = Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p['Properties']['Roles']) === JSON.stringify([{ Ref: roleId }]))
    .map((p) => resolveCfn(p['Properties']['PolicyDocument'], ctx) as unknown as PolicyDocument);

  async function notebookMay(action: string, bucket: string, key: string): Promise<string> {
    const result = await runSimulation(
      {
        request: {
          principal: `arn:aws:sts::${ACCOUNT}:assumed-role/workspace/SageMaker`,
          action,
          resource: { resource: `arn:aws:s3:::${bucket}/${key}`, accountId: ACCOUNT },
          contextVariables: {},
        },
        identityPolicies: policies.map((policy, i) => ({ name: `p${i}`, policy })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      {},
    );
    if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
    return result.overallResult;
  }

  it('the VPC endpoints admit the notebook on 443 (the idle stop reaches sagemaker.api)', () => {
    const sgId = (sg: ec2.ISecurityGroup) => stack.getLogicalId(sg.node.defaultChild as never);
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [sgId(endpointSecurityGroup), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [sgId(workspace.securityGroup), 'GroupId'] },
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
    });
  });

  it('requires IMDSv2 (checkov CKV_AWS_371)', () => {
    t.hasResourceProperties('AWS::SageMaker::NotebookInstance', {
      InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: '2' },
    });
  });

  it('reads the models the endpoints serve but can neither overwrite nor delete them (iam-simulate)', async () => {
    const deployed = spec.endpoints.single.modelArtifact.s3Key;
    expect(await notebookMay('s3:GetObject', MODELS, deployed)).toBe('Allowed');
    expect(await notebookMay('s3:PutObject', MODELS, deployed)).not.toBe('Allowed');
    expect(await notebookMay('s3:DeleteObject', MODELS, deployed)).not.toBe('Allowed');
    expect(
      await notebookMay(
        's3:DeleteObject',
        MODELS,
        `${S3_PREFIXES.trainingOutput}multi/job/output/model.tar.gz`,
      ),
    ).not.toBe('Allowed');
    expect(
      await notebookMay('s3:PutObject', MODELS, `${S3_PREFIXES.trainingSource}abc/sourcedir.tar.gz`),
    ).not.toBe('Allowed');
  });

  it('works on datasets and writes its own notebook/ prefix (iam-simulate)', async () => {
    expect(await notebookMay('s3:PutObject', DATA, `${S3_PREFIXES.datasets}train/pug/1.jpg`)).toBe('Allowed');
    expect(await notebookMay('s3:GetObject', DATA, `${S3_PREFIXES.datasets}train/pug/1.jpg`)).toBe('Allowed');
    expect(await notebookMay('s3:PutObject', MODELS, `${S3_PREFIXES.notebook}experiments/model.onnx`)).toBe(
      'Allowed',
    );
    expect(await notebookMay('s3:PutObject', DATA, 'elsewhere/x')).not.toBe('Allowed');
  });
});
