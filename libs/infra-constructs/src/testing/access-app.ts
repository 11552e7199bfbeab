/** Test fixture: the AccessStack built standalone against a stand-in VPC, key and buckets. */
import { App, aws_ec2 as ec2, aws_kms as kms, aws_s3 as s3, Stack } from 'aws-cdk-lib';
import type { PlatformSpec } from '@dogbreed/platform-spec';
import { AccessStack, type AccessStackProps } from '../access/access-stack.js';
import { applyPermissionsBoundary } from '../access/permissions-boundary.js';

/** Test fixture: the account the test stacks deploy to. */
export const TEST_ACCOUNT = '111111111111';

/** The training role the fixture hands the AccessStack. */
export const TEST_TRAINING_ROLE = (spec: PlatformSpec) =>
  `arn:aws:iam::${TEST_ACCOUNT}:role/${spec.project.name}-training`;

/** The invoker function ARN the fixture hands the AccessStack. */
export const TEST_INVOKER_ARN = (spec: PlatformSpec) =>
  `arn:aws:lambda:${spec.project.region}:${TEST_ACCOUNT}:function:${spec.invoker.functionName}`;

export interface AccessFixture {
  readonly app: App;
  /** A sibling stack with a VPC (private isolated subnets), a KMS key and the two buckets. */
  readonly deps: Stack;
  readonly stack: AccessStack;
}

/**
 * An app with the AccessStack built standalone against a test VPC/key/buckets, the permissions boundary applied
 * to the whole app.
 */
export function buildAccessApp(
  spec: PlatformSpec,
  options: { readonly props?: Partial<AccessStackProps> } = {},
): AccessFixture {
  const app = new App();
  const env = { account: TEST_ACCOUNT, region: spec.project.region };
  const deps = new Stack(app, 'AccessTestDeps', { env });
  const stack = new AccessStack(app, 'AccessTest', {
    env,
    spec,
    ...accessDependencies(deps),
    invokerFunctionArn: TEST_INVOKER_ARN(spec),
    endpointNames: [spec.endpoints.single.name, spec.endpoints.multi.name],
    trainingRoleArn: TEST_TRAINING_ROLE(spec),
    ...options.props,
  });
  applyPermissionsBoundary(app, spec);
  return { app, deps, stack };
}

/** The resources an AccessStack consumes from other stacks. */
export type AccessDependencies = Pick<
  AccessStackProps,
  'vpc' | 'subnets' | 'kmsKey' | 'dataBucket' | 'modelBucket' | 'endpointSecurityGroup'
>;

/**
 * Creates in `deps` what an AccessStack consumes: a VPC with private isolated subnets, a KMS key, the data and model
 * buckets (with `bucketProps` added, e.g. auto-deleted objects) and the interface endpoints' security group.
 */
export function accessDependencies(
  deps: Stack,
  options: { readonly bucketProps?: Partial<s3.BucketProps> } = {},
): AccessDependencies {
  const vpc = new ec2.Vpc(deps, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });
  const kmsKey = new kms.Key(deps, 'Key', { enableKeyRotation: true });
  const bucket = (id: string) =>
    new s3.Bucket(deps, id, {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: kmsKey,
      enforceSSL: true,
      ...options.bucketProps,
    });
  return {
    vpc,
    subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    kmsKey,
    dataBucket: bucket('Data'),
    modelBucket: bucket('Models'),
    endpointSecurityGroup: new ec2.SecurityGroup(deps, 'EndpointSg', { vpc, allowAllOutbound: false }),
  };
}
