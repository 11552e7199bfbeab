/**
 * The EC2 trainer on its own: one training mechanism (the launcher's SSM command; the instance's boot runs nothing),
 * the AMI pinned from the spec (no `latest` parameter resolved at deploy time), and a role that may do exactly what
 * that command does, evaluated by iam-simulate: read training-source/, datasets/ and pretrained/, write
 * training-output/ec2-*, and nothing else (no deployed model is writable).
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, aws_ec2 as ec2, aws_kms as kms, aws_s3 as s3, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PLATFORM_SPEC, S3_PREFIXES } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveCfn, type PolicyDocument } from '../testing/template-policies.js';
import { InfraPropsError } from '../errors.js';
import { Ec2Trainer, EC2_OUTPUT_PREFIX } from './ec2-trainer.js';

const ACCOUNT = '123456789012';
const REGION = PLATFORM_SPEC.project.region;
const AMI = 'ami-0123456789abcdef0';
const DATA = 'dogbreed-data-test';
const MODELS = 'dogbreed-models-test';
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;

function trainerStack(ec2AmiId: string | undefined) {
  const app = new App();
  const stack = new Stack(app, 'T', { env: { account: ACCOUNT, region: REGION } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const trainer = new Ec2Trainer(stack, 'Trainer', {
    vpc,
    subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    securityGroup: new ec2.SecurityGroup(stack, 'Sg', { vpc }),
    training: specWith({ training: { ec2AmiId } }).training,
    dataBucket: s3.Bucket.fromBucketName(stack, 'Data', DATA),
    modelBucket: s3.Bucket.fromBucketName(stack, 'Models', MODELS),
    key: kms.Key.fromKeyArn(stack, 'Key', KEY_ARN),
  });
  return { stack, trainer, template: Template.fromStack(stack) };
}

let built: ReturnType<typeof trainerStack>;
let policies: PolicyDocument[];

beforeAll(() => {
  built = trainerStack(AMI);
  const roleId = built.stack.getLogicalId(built.trainer.role.node.defaultChild as never);
  policies = Object.values(built.template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p['Properties']['Roles']) === JSON.stringify([{ Ref: roleId }]))
    .map(
      (p) =>
        resolveCfn(p['Properties']['PolicyDocument'], {
          partition: 'aws',
          account: ACCOUNT,
          region: REGION,
        }) as unknown as PolicyDocument,
    );
});

async function decide(action: string, resource: string): Promise<string> {
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/trainer/i-0abc`,
        action,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: { 'aws:RequestedRegion': REGION },
      },
      identityPolicies: policies.map((policy, i) => ({ name: `p${i}`, policy })),
      // KMS needs a key policy too: the CDK default, which delegates to the account's IAM policies.
      ...(action.startsWith('kms:')
        ? {
            resourcePolicy: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
                  Action: 'kms:*',
                  Resource: '*',
                },
              ],
            },
          }
        : {}),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

describe('one training mechanism', () => {
  it('the instance boots without a training script (the launcher sends the only one through SSM)', () => {
    const [instance] = Object.values(built.template.findResources('AWS::EC2::Instance'));
    const text = JSON.stringify(instance);
    expect(text).not.toMatch(/train\.py|shutdown|per-boot|aws s3/);
    // CDK's default user data of a Linux instance: the shebang line and nothing else.
    expect(instance?.['Properties']['UserData']).toEqual({ 'Fn::Base64': '#!/bin/bash' });
  });
});

describe('pinned AMI', () => {
  it('uses the spec AMI id literally: no SSM parameter resolved at deploy time can replace the instance', () => {
    built.template.hasResourceProperties('AWS::EC2::Instance', { ImageId: AMI });
    expect(JSON.stringify(built.template.toJSON())).not.toMatch(/\/aws\/service\/|AWS::EC2::Image::Id/);
  });

  it('refuses to build without a pinned AMI', () => {
    expect(() => trainerStack(undefined)).toThrow(InfraPropsError);
  });
});

describe('trainer role (iam-simulate)', () => {
  const obj = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;

  it('reads the launcher-uploaded code, the datasets and the pretrained weights', async () => {
    expect(
      await decide(
        's3:GetObject',
        obj(MODELS, `${S3_PREFIXES.trainingSource}0123456789abcdef/sourcedir.tar.gz`),
      ),
    ).toBe('Allowed');
    expect(await decide('s3:GetObject', obj(DATA, `${S3_PREFIXES.datasets}train/pug/1.jpg`))).toBe('Allowed');
    expect(await decide('s3:ListBucket', `arn:aws:s3:::${DATA}`)).toBe('Allowed');
    expect(await decide('s3:GetObject', obj(MODELS, `${S3_PREFIXES.pretrained}abc/weights.pth`))).toBe(
      'Allowed',
    );
    expect(await decide('kms:Decrypt', KEY_ARN)).toBe('Allowed');
  });

  it('writes its own outputs under training-output/ec2-', async () => {
    expect(EC2_OUTPUT_PREFIX).toBe(`${S3_PREFIXES.trainingOutput}ec2-`);
    expect(
      await decide(
        's3:PutObject',
        obj(MODELS, `${S3_PREFIXES.trainingOutput}ec2-single/single-1/model.tar.gz`),
      ),
    ).toBe('Allowed');
    expect(await decide('kms:GenerateDataKey', KEY_ARN)).toBe('Allowed');
  });

  it('cannot overwrite or delete what the endpoints serve, SageMaker job outputs, or the datasets', async () => {
    expect(
      await decide('s3:PutObject', obj(MODELS, PLATFORM_SPEC.endpoints.single.modelArtifact.s3Key)),
    ).not.toBe('Allowed');
    expect(
      await decide('s3:DeleteObject', obj(MODELS, PLATFORM_SPEC.endpoints.multi.modelArtifact.s3Key)),
    ).not.toBe('Allowed');
    expect(
      await decide('s3:PutObject', obj(MODELS, `${S3_PREFIXES.trainingOutput}multi/job/output/model.tar.gz`)),
    ).not.toBe('Allowed');
    expect(await decide('s3:PutObject', obj(DATA, `${S3_PREFIXES.datasets}train/x.jpg`))).not.toBe('Allowed');
    expect(
      await decide(
        's3:DeleteObject',
        obj(MODELS, `${S3_PREFIXES.trainingOutput}ec2-single/single-1/model.tar.gz`),
      ),
    ).not.toBe('Allowed');
  });
});
