/**
 * The synthesized policies evaluated by a real offline IAM engine (@cloud-copilot/iam-simulate: identity
 * policies, resource/trust policies, permissions boundaries, every condition operator), not by our own matching.
 */
import { specWith } from '@dogbreed/testing';
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_ACCOUNT, TEST_INVOKER_ARN, TEST_TRAINING_ROLE, buildAccessApp } from '../testing/access-app.js';
import { accessNames } from './names.js';
import {
  inlinePolicies,
  resolveCfn,
  roleNamed,
  type PolicyDocument,
  type TemplateJson,
} from '../testing/template-policies.js';

const OPERATOR = 'arn:aws:iam::222222222222:role/ops-alice';
const VIEWER = 'arn:aws:iam::222222222222:user/bob';
const CLIENT = 'arn:aws:iam::333333333333:root';
const spec = specWith({ access: { operators: [OPERATOR], viewers: [VIEWER], clients: [CLIENT] } });
const region = spec.project.region;
const names = accessNames(spec);
const ctx = { partition: 'aws', account: TEST_ACCOUNT, region };
const sm = (resource: string) => `arn:aws:sagemaker:${region}:${TEST_ACCOUNT}:${resource}`;
const ourEndpoints = [spec.endpoints.single.name, spec.endpoints.multi.name].map((n) => sm(`endpoint/${n}`));
const otherEndpoint = sm('endpoint/someone-elses-endpoint');
const invoker = TEST_INVOKER_ARN(spec);

type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

let template: TemplateJson;
let boundary: PolicyDocument;
const identity: Record<'operator' | 'viewer' | 'client', PolicyDocument[]> = {
  operator: [],
  viewer: [],
  client: [],
};
const trust: Record<'operator' | 'viewer' | 'client', PolicyDocument | undefined> = {
  operator: undefined,
  viewer: undefined,
  client: undefined,
};

beforeAll(() => {
  const { stack } = buildAccessApp(spec);
  template = Template.fromStack(stack).toJSON() as TemplateJson;
  const managed = Object.values(template.Resources).find((r) => r.Type === 'AWS::IAM::ManagedPolicy');
  boundary = resolveCfn(managed?.Properties?.['PolicyDocument'] ?? null, ctx) as unknown as PolicyDocument;
  for (const kind of ['operator', 'viewer', 'client'] as const) {
    const role = roleNamed(template, names[`${kind}Role`]);
    identity[kind] = inlinePolicies(role.properties).map(
      (d) => resolveCfn(d as never, ctx) as unknown as PolicyDocument,
    );
    trust[kind] = resolveCfn(
      role.properties['AssumeRolePolicyDocument'] ?? null,
      ctx,
    ) as unknown as PolicyDocument;
  }
});

/** One request by a session of a people role, with the role's policies and the permissions boundary. */
async function asRole(
  kind: 'operator' | 'viewer' | 'client',
  action: string,
  resource: string,
  context: Record<string, string> = {},
): Promise<Decision> {
  return decide({
    request: {
      principal: `arn:aws:sts::${TEST_ACCOUNT}:assumed-role/${names[`${kind}Role`]}/session`,
      action,
      resource: { resource, accountId: TEST_ACCOUNT },
      contextVariables: { 'aws:RequestedRegion': region, 'aws:MultiFactorAuthPresent': 'true', ...context },
    },
    identityPolicies: identity[kind].map((policy, i) => ({ name: `${kind}-${i}`, policy })),
    permissionBoundaryPolicies: [{ name: names.permissionsBoundaryPolicy, policy: boundary }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  });
}

async function decide(simulation: Simulation): Promise<Decision> {
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error')
    throw new Error(`simulation input rejected: ${JSON.stringify(result.errors)}`);
  return result.overallResult as Decision;
}

describe('viewer (iam-simulate)', () => {
  it('is denied sagemaker:UpdateEndpoint on our endpoints', async () => {
    for (const endpoint of ourEndpoints)
      expect(await asRole('viewer', 'sagemaker:UpdateEndpoint', endpoint)).not.toBe('Allowed');
  });

  it('may describe our endpoints but not another one', async () => {
    expect(await asRole('viewer', 'sagemaker:DescribeEndpoint', ourEndpoints[0] ?? '')).toBe('Allowed');
    expect(await asRole('viewer', 'sagemaker:DescribeEndpoint', otherEndpoint)).not.toBe('Allowed');
  });

  it('may read the invoker logs', async () => {
    const group = `arn:aws:logs:${region}:${TEST_ACCOUNT}:log-group:/aws/lambda/${spec.invoker.functionName}`;
    expect(await asRole('viewer', 'logs:FilterLogEvents', group)).toBe('Allowed');
    expect(await asRole('viewer', 'logs:StartQuery', group)).toBe('Allowed');
  });
});

describe('operator (iam-simulate)', () => {
  it('may update our endpoints', async () => {
    for (const endpoint of ourEndpoints) {
      expect(await asRole('operator', 'sagemaker:UpdateEndpoint', endpoint)).toBe('Allowed');
      expect(await asRole('operator', 'sagemaker:UpdateEndpointWeightsAndCapacities', endpoint)).toBe(
        'Allowed',
      );
    }
  });

  it('is denied updating another endpoint', async () => {
    expect(await asRole('operator', 'sagemaker:UpdateEndpoint', otherEndpoint)).not.toBe('Allowed');
  });

  it.each([
    'iam:CreateUser',
    'iam:CreateRole',
    'iam:AttachRolePolicy',
    'iam:PutRolePolicy',
    'iam:CreateAccessKey',
  ])('is denied %s', async (action) => {
    const resource =
      action.includes('User') || action.includes('AccessKey')
        ? `arn:aws:iam::${TEST_ACCOUNT}:user/mallory`
        : `arn:aws:iam::${TEST_ACCOUNT}:role/${names.operatorRole}`;
    expect(await asRole('operator', action, resource)).not.toBe('Allowed');
  });

  it('is denied KMS key policy changes and VPC changes', async () => {
    const key = `arn:aws:kms:${region}:${TEST_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    expect(await asRole('operator', 'kms:PutKeyPolicy', key)).not.toBe('Allowed');
    expect(await asRole('operator', 'ec2:CreateVpc', `arn:aws:ec2:${region}:${TEST_ACCOUNT}:vpc/*`)).not.toBe(
      'Allowed',
    );
  });

  it('may start a training job named with the project prefix on a spec instance type, not another', async () => {
    const job = (n: string) => sm(`training-job/${n}`);
    const within = {
      'sagemaker:InstanceTypes': spec.training.singleInstanceType,
      'sagemaker:MaxRuntimeInSeconds': String(spec.training.maxRuntimeSeconds),
    };
    expect(
      await asRole('operator', 'sagemaker:CreateTrainingJob', job(`${names.trainingJobPrefix}run-1`), within),
    ).toBe('Allowed');
    expect(await asRole('operator', 'sagemaker:CreateTrainingJob', job('other-run-1'), within)).not.toBe(
      'Allowed',
    );
    expect(
      await asRole('operator', 'sagemaker:CreateTrainingJob', job(`${names.trainingJobPrefix}run-2`), {
        ...within,
        'sagemaker:InstanceTypes': 'ml.p4d.24xlarge',
      }),
    ).not.toBe('Allowed');
    expect(
      await asRole('operator', 'sagemaker:StopTrainingJob', job(`${names.trainingJobPrefix}run-1`)),
    ).toBe('Allowed');
  });

  it('may pass the training role to SageMaker only', async () => {
    const role = TEST_TRAINING_ROLE(spec);
    expect(
      await asRole('operator', 'iam:PassRole', role, { 'iam:PassedToService': 'sagemaker.amazonaws.com' }),
    ).toBe('Allowed');
    expect(
      await asRole('operator', 'iam:PassRole', role, { 'iam:PassedToService': 'ec2.amazonaws.com' }),
    ).not.toBe('Allowed');
  });

  it('may open the development notebook and no other', async () => {
    const url = 'sagemaker:CreatePresignedNotebookInstanceUrl';
    expect(await asRole('operator', url, sm(`notebook-instance/${names.notebookInstance}`))).toBe('Allowed');
    expect(await asRole('operator', url, sm('notebook-instance/another-notebook'))).not.toBe('Allowed');
    expect(await asRole('viewer', url, sm(`notebook-instance/${names.notebookInstance}`))).not.toBe(
      'Allowed',
    );
  });
});

describe('client (iam-simulate)', () => {
  it('may invoke our function through its URL with AWS_IAM auth', async () => {
    expect(
      await asRole('client', 'lambda:InvokeFunctionUrl', invoker, {
        'lambda:FunctionUrlAuthType': 'AWS_IAM',
      }),
    ).toBe('Allowed');
    expect(
      await asRole('client', 'lambda:InvokeFunction', invoker, { 'lambda:InvokedViaFunctionUrl': 'true' }),
    ).toBe('Allowed');
  });

  it('is denied a URL without IAM auth, a direct Invoke and any other function', async () => {
    expect(
      await asRole('client', 'lambda:InvokeFunctionUrl', invoker, { 'lambda:FunctionUrlAuthType': 'NONE' }),
    ).not.toBe('Allowed');
    expect(await asRole('client', 'lambda:InvokeFunction', invoker)).not.toBe('Allowed');
    const other = invoker.replace(spec.invoker.functionName, 'other-function');
    expect(
      await asRole('client', 'lambda:InvokeFunctionUrl', other, { 'lambda:FunctionUrlAuthType': 'AWS_IAM' }),
    ).not.toBe('Allowed');
  });

  it.each([
    ['sagemaker:InvokeEndpoint', 'endpoint'],
    ['sagemaker:DescribeEndpoint', 'endpoint'],
    ['sagemaker:UpdateEndpoint', 'endpoint'],
    ['lambda:GetFunction', 'invoker'],
    ['lambda:UpdateFunctionCode', 'invoker'],
    ['logs:FilterLogEvents', 'logs'],
    ['s3:GetObject', 's3'],
  ])('is denied %s', async (action, on) => {
    const resource = {
      endpoint: ourEndpoints[0] ?? '',
      invoker,
      logs: `arn:aws:logs:${region}:${TEST_ACCOUNT}:log-group:/aws/lambda/${spec.invoker.functionName}`,
      s3: 'arn:aws:s3:::dogbreed-data/x.jpg',
    }[on as 'endpoint' | 'invoker' | 'logs' | 's3'];
    expect(await asRole('client', action, resource)).not.toBe('Allowed');
  });
});

describe('trust policies (iam-simulate)', () => {
  const cases = [
    ['operator', OPERATOR],
    ['viewer', VIEWER],
    ['client', CLIENT],
  ] as const;

  /** sts:AssumeRole by `principal` (whose own account allows it to assume anything) against the role's trust policy. */
  async function assume(
    kind: 'operator' | 'viewer' | 'client',
    principal: string,
    context: Record<string, string>,
  ) {
    return decide({
      request: {
        principal,
        action: 'sts:AssumeRole',
        resource: {
          resource: `arn:aws:iam::${TEST_ACCOUNT}:role/${names[`${kind}Role`]}`,
          accountId: TEST_ACCOUNT,
        },
        contextVariables: context,
      },
      identityPolicies: [
        {
          name: 'caller',
          policy: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }],
          },
        },
      ],
      resourcePolicy: trust[kind],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    });
  }

  it.each(cases)('%s: the spec principal may assume it with MFA', async (kind, principal) => {
    expect(await assume(kind, principal, { 'aws:MultiFactorAuthPresent': 'true' })).toBe('Allowed');
  });

  it.each(cases)('%s: denied without MFA (key false or absent)', async (kind, principal) => {
    expect(await assume(kind, principal, { 'aws:MultiFactorAuthPresent': 'false' })).not.toBe('Allowed');
    expect(await assume(kind, principal, {})).not.toBe('Allowed');
  });

  it.each(cases)('%s: a principal not in the spec is denied even with MFA', async (kind) => {
    expect(
      await assume(kind, 'arn:aws:iam::444444444444:user/mallory', { 'aws:MultiFactorAuthPresent': 'true' }),
    ).not.toBe('Allowed');
  });
});

describe('permissions boundary (iam-simulate)', () => {
  const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
  const boundaryArn = `arn:aws:iam::${TEST_ACCOUNT}:policy/${names.permissionsBoundaryPolicy}`;

  /** A role whose identity policy allows everything, bounded by the project boundary. */
  async function bounded(action: string, resource: string, context: Record<string, string> = {}) {
    return decide({
      request: {
        principal: `arn:aws:sts::${TEST_ACCOUNT}:assumed-role/${spec.project.name}-ci-deploy-infra/session`,
        action,
        resource: { resource, accountId: TEST_ACCOUNT },
        contextVariables: { 'aws:RequestedRegion': region, ...context },
      },
      identityPolicies: [{ name: 'allow-all', policy: allowAll }],
      permissionBoundaryPolicies: [{ name: names.permissionsBoundaryPolicy, policy: boundary }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    });
  }
  const role = (n: string) => `arn:aws:iam::${TEST_ACCOUNT}:role/${n}`;

  it('lets the project services through in the deployment region', async () => {
    expect(await bounded('sagemaker:UpdateEndpoint', ourEndpoints[0] ?? '')).toBe('Allowed');
  });

  it('denies the same call in another region', async () => {
    expect(
      await bounded('sagemaker:UpdateEndpoint', ourEndpoints[0] ?? '', {
        'aws:RequestedRegion': 'eu-west-1',
      }),
    ).toBe('ExplicitlyDenied');
  });

  it('keeps global services reachable from any region (iam, sts)', async () => {
    expect(await bounded('iam:GetRole', role('x'), { 'aws:RequestedRegion': 'us-east-1' })).toBe('Allowed');
    expect(await bounded('sts:GetCallerIdentity', '*', { 'aws:RequestedRegion': 'eu-west-1' })).toBe(
      'Allowed',
    );
  });

  it('denies services outside the project', async () => {
    expect(await bounded('dynamodb:Scan', `arn:aws:dynamodb:${region}:${TEST_ACCOUNT}:table/t`)).not.toBe(
      'Allowed',
    );
  });

  it('denies creating a role without this boundary, allows it with', async () => {
    expect(await bounded('iam:CreateRole', role('escalate'))).toBe('ExplicitlyDenied');
    expect(
      await bounded('iam:CreateRole', role('escalate'), {
        'iam:PermissionsBoundary': `arn:aws:iam::${TEST_ACCOUNT}:policy/admin`,
      }),
    ).toBe('ExplicitlyDenied');
    expect(await bounded('iam:CreateRole', role('bounded'), { 'iam:PermissionsBoundary': boundaryArn })).toBe(
      'Allowed',
    );
    expect(await bounded('iam:CreateUser', `arn:aws:iam::${TEST_ACCOUNT}:user/u`)).toBe('ExplicitlyDenied');
  });

  it('denies attaching or writing a policy on a role without this boundary', async () => {
    expect(await bounded('iam:AttachRolePolicy', role('legacy'))).toBe('ExplicitlyDenied');
    expect(await bounded('iam:PutRolePolicy', role('legacy'))).toBe('ExplicitlyDenied');
    expect(
      await bounded('iam:PutRolePolicy', role('bounded'), { 'iam:PermissionsBoundary': boundaryArn }),
    ).toBe('Allowed');
  });

  it('denies removing a boundary and editing or deleting this one', async () => {
    expect(
      await bounded('iam:DeleteRolePermissionsBoundary', role(names.operatorRole), {
        'iam:PermissionsBoundary': boundaryArn,
      }),
    ).toBe('ExplicitlyDenied');
    expect(await bounded('iam:CreatePolicyVersion', boundaryArn)).toBe('ExplicitlyDenied');
    expect(await bounded('iam:DeletePolicy', boundaryArn)).toBe('ExplicitlyDenied');
    expect(await bounded('iam:SetDefaultPolicyVersion', boundaryArn)).toBe('ExplicitlyDenied');
  });

  it('denies passing a role to a service outside the project (e.g. CloudFormation)', async () => {
    expect(
      await bounded('iam:PassRole', role('admin'), { 'iam:PassedToService': 'cloudformation.amazonaws.com' }),
    ).toBe('ExplicitlyDenied');
    expect(
      await bounded('iam:PassRole', role('training'), { 'iam:PassedToService': 'sagemaker.amazonaws.com' }),
    ).toBe('Allowed');
  });
});
