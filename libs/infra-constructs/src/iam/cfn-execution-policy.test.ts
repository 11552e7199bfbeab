/**
 * The scoped CloudFormation execution policies (what `cdk bootstrap --cloudformation-execution-policies` attaches
 * instead of AdministratorAccess): every resource type of the synthesized pipeline templates has a row in the table
 * and every row is used; the policies fit IAM's size limit; and a real IAM engine (@cloud-copilot/iam-simulate)
 * allows the creates of each pipeline stack and denies roles without the project's boundary, users, other services,
 * other regions and what the administrator owns.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { cfnExecutionPolicyNames, type PlatformSpec } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { accessNames } from '../access/names.js';
import { InfraPropsError } from '../errors.js';
import { PIPELINE_STACKS } from '../infra-app.js';
import { synthInfra, type SynthedInfra } from '../testing/synth.js';
import { resolveCfn, type PolicyDocument, type TemplateJson } from '../testing/template-policies.js';
import { CFN_RESOURCE_ACTIONS } from './cfn-resource-actions.js';
import {
  cfnExecutionStatements,
  MANAGED_POLICY_MAX_CHARS,
  unknownResourceTypes,
} from './cfn-execution-policy.js';

// Every optional part on (EC2 trainer, alarm e-mails), so every resource type the pipeline can deploy is present.
const spec: PlatformSpec = specWith({
  training: { ec2AmiId: 'ami-0123456789abcdef0' },
  alarms: { emails: ['oncall@example.com'] },
});
const ACCOUNT = '123456789012';
const REGION = spec.project.region;
const ctx = { partition: 'aws', account: ACCOUNT, region: REGION };
const p = spec.project.name;
const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/${accessNames(spec).permissionsBoundaryPolicy}`;

let infra: SynthedInfra;
let policies: PolicyDocument[];

beforeAll(() => {
  infra = synthInfra(spec);
  const boundary = infra.templates.boundary.toJSON() as TemplateJson;
  policies = cfnExecutionPolicyNames(spec).map((name) => {
    const found = Object.values(boundary.Resources).find(
      (r) => r.Type === 'AWS::IAM::ManagedPolicy' && r.Properties?.['ManagedPolicyName'] === name,
    );
    if (!found) throw new Error(`the boundary stack holds no policy ${name}`);
    return resolveCfn(found.Properties?.['PolicyDocument'] ?? null, ctx) as unknown as PolicyDocument;
  });
});

const pipelineTypes = (): Set<string> =>
  new Set(
    PIPELINE_STACKS.flatMap((k) =>
      Object.values((infra.templates[k].toJSON() as TemplateJson).Resources).map((r) => r.Type),
    ),
  );

describe('the resource-type table', () => {
  it('has a row for every resource type of the synthesized pipeline templates', () => {
    expect(unknownResourceTypes([...pipelineTypes()])).toEqual([]);
  });

  it('has no row that no pipeline template uses (nothing else is granted)', () => {
    const used = pipelineTypes();
    expect(Object.keys(CFN_RESOURCE_ACTIONS).filter((t) => !used.has(t))).toEqual([]);
  });

  it('refuses a resource type it lacks, naming it and the table', () => {
    expect(() => cfnExecutionStatements(spec, ['AWS::DynamoDB::Table'])).toThrow(InfraPropsError);
    expect(() => cfnExecutionStatements(spec, ['AWS::DynamoDB::Table'])).toThrow(
      /AWS::DynamoDB::Table.*CFN_RESOURCE_ACTIONS/,
    );
  });

  it('is what the boundary stack holds: two policies named from the spec, no admin or user actions', () => {
    expect(policies).toHaveLength(2);
    for (const doc of policies) {
      for (const st of doc.Statement.filter((s) => s.Effect === 'Allow')) {
        const actions = [st.Action ?? []].flat() as string[];
        for (const a of actions) {
          expect(a).not.toMatch(/^\*$|^[a-z0-9-]+:\*$/);
          expect(a).not.toMatch(/^organizations:|^iam:CreateUser$|^iam:\*/);
        }
        expect(st.NotAction).toBeUndefined();
      }
    }
  });

  it('fits IAM’s managed policy limit even with the longest partition, account and region names', () => {
    const long = { partition: 'aws-iso-b', account: ACCOUNT, region: 'ap-southeast-4' };
    const boundary = infra.templates.boundary.toJSON() as TemplateJson;
    for (const r of Object.values(boundary.Resources).filter((x) => x.Type === 'AWS::IAM::ManagedPolicy')) {
      const doc = resolveCfn(r.Properties?.['PolicyDocument'] ?? null, long);
      expect(JSON.stringify(doc).replace(/\s/g, '').length).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
    }
  });
});

type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

const ROOT_DELEGATING_KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
  ],
};

/** A call by CDK's CloudFormation execution role, which carries the two policies (and no boundary). */
async function asCloudFormation(
  action: string,
  resource: string,
  context: Record<string, string | string[]> = {},
  region = REGION,
): Promise<Decision> {
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-${REGION}/session`,
        action,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: { 'aws:RequestedRegion': region, ...context },
      },
      identityPolicies: policies.map((policy, i) => ({ name: `cfn-execution-${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      // A KMS key answers only what its key policy allows: CDK's default delegates to the account's IAM policies.
      ...(resource.startsWith('arn:aws:kms:') ? { resourcePolicy: ROOT_DELEGATING_KEY_POLICY } : {}),
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(`simulation rejected: ${JSON.stringify(result.errors)}`);
  return result.overallResult as Decision;
}

const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

describe('decisions of a real IAM engine', () => {
  it.each([
    // network
    ['ec2:CreateVpc', '*', {}],
    ['ec2:CreateSubnet', arn('ec2', 'vpc/vpc-0abc'), {}],
    ['ec2:CreateVpcEndpoint', arn('ec2', 'vpc-endpoint/*'), {}],
    ['ec2:CreateFlowLogs', arn('ec2', 'vpc-flow-log/*'), {}],
    ['lambda:InvokeFunction', arn('lambda', `function:${p}-network-CustomVpcRestrictDefaultSGCu-abc`), {}],
    // data
    ['kms:CreateKey', '*', {}],
    ['kms:PutKeyPolicy', arn('kms', 'key/1111-2222'), {}],
    ['s3:CreateBucket', `arn:aws:s3:::${p}-data-storesdata9350b040-1abc`, {}],
    ['s3:PutBucketPolicy', `arn:aws:s3:::${p}-data-storesmodelsfafd4ad9-2def`, {}],
    ['ssm:PutParameter', arn('ssm', `parameter/${p}/buckets/data`), {}],
    // training
    ['iam:CreateRole', role(`${p}-sagemaker-training`), { 'iam:PermissionsBoundary': BOUNDARY }],
    ['iam:PutRolePolicy', role(`${p}-training-Ec2TrainerRole-abc`), { 'iam:PermissionsBoundary': BOUNDARY }],
    ['iam:CreateInstanceProfile', `arn:aws:iam::${ACCOUNT}:instance-profile/${p}-training-Ec2-abc`, {}],
    ['ec2:RunInstances', arn('ec2', 'instance/*'), {}],
    [
      'iam:PassRole',
      role(`${p}-training-Ec2TrainerRole-abc`),
      { 'iam:PassedToService': 'ec2.amazonaws.com' },
    ],
    // serving
    ['sagemaker:CreateModel', arn('sagemaker', 'model/singlemodel8dbe153e-abc'), {}],
    ['sagemaker:CreateEndpointConfig', arn('sagemaker', 'endpoint-config/singleconfig-abc'), {}],
    ['sagemaker:CreateEndpoint', arn('sagemaker', `endpoint/${spec.endpoints.single.name}`), {}],
    ['sagemaker:UpdateEndpoint', arn('sagemaker', `endpoint/${spec.endpoints.multi.name}`), {}],
    ['kms:CreateGrant', arn('kms', 'key/1111-2222'), { 'kms:GrantIsForAWSResource': 'true' }],
    [
      'iam:PassRole',
      role(`${p}-serving-SingleRole-abc`),
      { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
    ],
    ['lambda:CreateFunction', arn('lambda', `function:${spec.invoker.functionName}`), {}],
    ['lambda:CreateFunctionUrlConfig', arn('lambda', `function:${spec.invoker.functionName}`), {}],
    ['s3:GetObject', `arn:aws:s3:::cdk-hnb659fds-assets-${ACCOUNT}-${REGION}/abc.zip`, {}],
    ['sns:CreateTopic', arn('sns', `${p}-alarms`), {}],
    ['cloudwatch:PutMetricAlarm', arn('cloudwatch', `alarm:${p}-serving-single-rollback-5xx`), {}],
    ['application-autoscaling:RegisterScalableTarget', '*', {}],
    [
      'cloudwatch:PutMetricAlarm',
      arn(
        'cloudwatch',
        `alarm:TargetTracking-endpoint/${spec.endpoints.single.name}/variant/AllTraffic-AlarmHigh-1`,
      ),
      {},
    ],
    [
      'iam:CreateServiceLinkedRole',
      `arn:aws:iam::${ACCOUNT}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint`,
      { 'iam:AWSServiceName': 'sagemaker.application-autoscaling.amazonaws.com' },
    ],
    ['logs:CreateLogGroup', arn('logs', `log-group:/aws/lambda/${spec.invoker.functionName}`), {}],
  ] as const)('allows %s on %s', async (action, resource, context) => {
    expect(await asCloudFormation(action, resource, context)).toBe('Allowed');
  });

  it.each([
    ['iam:CreateRole without the boundary', 'iam:CreateRole', role(`${p}-network-x`), {}],
    [
      'iam:CreateRole with another boundary',
      'iam:CreateRole',
      role(`${p}-network-x`),
      { 'iam:PermissionsBoundary': `arn:aws:iam::${ACCOUNT}:policy/AdministratorAccess` },
    ],
    ['iam:AttachRolePolicy without the boundary', 'iam:AttachRolePolicy', role(`${p}-network-x`), {}],
    [
      'iam:CreateRole outside the project',
      'iam:CreateRole',
      role('admin'),
      { 'iam:PermissionsBoundary': BOUNDARY },
    ],
    ['iam:CreateUser', 'iam:CreateUser', `arn:aws:iam::${ACCOUNT}:user/${p}-x`, {}],
    [
      'a CI role changed',
      'iam:PutRolePolicy',
      role(spec.ci.roles.deployInfra.roleName),
      { 'iam:PermissionsBoundary': BOUNDARY },
    ],
    ['a CI role trust changed', 'iam:UpdateAssumeRolePolicy', role(spec.ci.roles.train.roleName), {}],
    ['the boundary changed', 'iam:CreatePolicyVersion', BOUNDARY, {}],
    ['the OIDC provider', 'iam:CreateOpenIDConnectProvider', `arn:aws:iam::${ACCOUNT}:oidc-provider/x`, {}],
    [
      'a role passed to CloudFormation',
      'iam:PassRole',
      role(`${p}-network-x`),
      { 'iam:PassedToService': 'cloudformation.amazonaws.com' },
    ],
    ['kms:CreateGrant for a principal', 'kms:CreateGrant', arn('kms', 'key/1111-2222'), {}],
    ['organizations', 'organizations:CreateAccount', '*', {}],
    ['DynamoDB', 'dynamodb:CreateTable', arn('dynamodb', 'table/x'), {}],
    ['RDS', 'rds:CreateDBInstance', arn('rds', 'db:x'), {}],
    ['another bucket', 's3:CreateBucket', 'arn:aws:s3:::someone-elses-bucket', {}],
    ['data in a project bucket', 's3:GetObject', `arn:aws:s3:::${p}-data-storesdata-1abc/datasets/x.jpg`, {}],
    ['another endpoint', 'sagemaker:CreateEndpoint', arn('sagemaker', 'endpoint/other'), {}],
    ['another function', 'lambda:CreateFunction', arn('lambda', 'function:other'), {}],
    ['another parameter', 'ssm:PutParameter', arn('ssm', 'parameter/other/x'), {}],
  ] as const)('denies %s', async (_what, action, resource, context) => {
    expect(await asCloudFormation(action, resource, context)).not.toBe('Allowed');
  });

  it('denies every regional call outside the spec region', async () => {
    expect(await asCloudFormation('ec2:CreateVpc', '*', {}, 'eu-west-1')).toBe('ExplicitlyDenied');
    expect(await asCloudFormation('kms:CreateKey', '*', {}, 'eu-west-1')).toBe('ExplicitlyDenied');
  });
});
