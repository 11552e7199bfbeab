import type { PlatformSpec } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { App, aws_iam as iam, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { TEST_ACCOUNT, TEST_INVOKER_ARN, buildAccessApp } from '../testing/access-app.js';
import { LOG_READ_ACTIONS } from './people-policies.js';
import { PeopleRole, PeopleRoles } from './people-roles.js';
import { accessNames, PEOPLE_ROLE_KINDS } from './names.js';
import {
  allowedActions,
  allowedResources,
  inlinePolicies,
  resolveCfn,
  roleNamed,
  type PolicyDocument,
  type TemplateJson,
} from '../testing/template-policies.js';

const OPERATORS = ['arn:aws:iam::222222222222:role/ops-alice', 'arn:aws:iam::222222222222:user/ops-carol'];
const VIEWERS = ['arn:aws:iam::222222222222:root'];
const CLIENTS = ['arn:aws:iam::333333333333:role/partner-app'];
const spec = specWith({
  access: { operators: OPERATORS, viewers: VIEWERS, clients: CLIENTS, maxSessionDurationSeconds: 7200 },
});

function synth(s: PlatformSpec): TemplateJson {
  return Template.fromStack(buildAccessApp(s).stack).toJSON() as TemplateJson;
}

const ctx = { partition: 'aws', account: TEST_ACCOUNT, region: spec.project.region };
function policiesOf(template: TemplateJson, roleName: string): PolicyDocument[] {
  return inlinePolicies(roleNamed(template, roleName).properties).map(
    (d) => resolveCfn(d as never, ctx) as unknown as PolicyDocument,
  );
}

const template = synth(spec);
const names = accessNames(spec);
/** Every principal the trust policy names, sorted. */
function trusted(doc: PolicyDocument): string[] {
  return doc.Statement.flatMap((s) => [(s.Principal as { AWS: string | string[] }).AWS].flat()).sort();
}
const principalsByKind = { operator: OPERATORS, viewer: VIEWERS, client: CLIENTS };

describe('people roles: trust', () => {
  it.each(PEOPLE_ROLE_KINDS)(
    '%s trusts exactly the spec principals, requires MFA, and sessions last as the spec says',
    (kind) => {
      const { properties } = roleNamed(template, names[`${kind}Role`]);
      const doc = properties['AssumeRolePolicyDocument'] as unknown as PolicyDocument;
      // One statement per principal (CDK's CompositePrincipal): every one Allow sts:AssumeRole with MFA.
      for (const statement of doc.Statement) {
        expect(statement.Effect).toBe('Allow');
        expect(statement.Action).toBe('sts:AssumeRole');
        expect(statement.Condition).toEqual({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } });
      }
      expect(trusted(doc)).toEqual([...principalsByKind[kind]].sort());
      expect(properties['MaxSessionDuration']).toBe(7200);
    },
  );

  it('a new principal in the spec shows up in the trust policy', () => {
    const added = 'arn:aws:iam::222222222222:user/ops-dave';
    const t = synth(
      specWith({ access: { operators: [...OPERATORS, added], viewers: VIEWERS, clients: CLIENTS } }),
    );
    const doc = roleNamed(t, names.operatorRole).properties[
      'AssumeRolePolicyDocument'
    ] as unknown as PolicyDocument;
    expect(trusted(doc)).toEqual([...OPERATORS, added].sort());
  });

  it('an empty principal list creates no role and says so', () => {
    const s = specWith({ access: { operators: OPERATORS, viewers: [], clients: [] } });
    const { stack } = buildAccessApp(s);
    const t = Template.fromStack(stack);
    const roleNames = Object.values(t.findResources('AWS::IAM::Role')).map(
      (r) => (r as { Properties: { RoleName?: string } }).Properties.RoleName,
    );
    expect(roleNames).toContain(names.operatorRole);
    expect(roleNames).not.toContain(names.viewerRole);
    expect(roleNames).not.toContain(names.clientRole);
    const infos = Annotations.fromStack(stack).findInfo(
      '*',
      Match.stringLikeRegexp('spec.access.(viewers|clients) is empty'),
    );
    expect(infos).toHaveLength(2);
  });

  it('the default spec (no principals) creates no people role at all', () => {
    const { stack } = buildAccessApp(specWith({}));
    const roleNames = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role')).map(
      (r) => (r as { Properties: { RoleName?: string } }).Properties.RoleName,
    );
    for (const kind of PEOPLE_ROLE_KINDS) expect(roleNames).not.toContain(names[`${kind}Role`]);
  });
});

describe('people roles: what each may do', () => {
  const operatorActions = allowedActions(policiesOf(template, names.operatorRole));

  it('operator: no iam:* wildcard and no IAM action but passing the training role', () => {
    expect(operatorActions.length).toBeGreaterThan(10);
    expect(operatorActions.filter((a) => /^iam:/i.test(a))).toEqual(['iam:PassRole']);
    expect(operatorActions.some((a) => a.includes('*'))).toBe(false);
  });

  it('operator: no kms:Put*/kms:Create* and no ec2:*Vpc* action', () => {
    expect(operatorActions.filter((a) => /^kms:(Put|Create)/i.test(a))).toEqual([]);
    expect(operatorActions.filter((a) => /^ec2:.*Vpc/i.test(a))).toEqual([]);
    expect(operatorActions.filter((a) => /^(kms|ec2):/i.test(a))).toEqual([]);
  });

  it('operator: the endpoint updates, scaling, training and notebook actions are there', () => {
    expect(operatorActions).toEqual(
      expect.arrayContaining([
        'sagemaker:CreateEndpointConfig',
        'sagemaker:UpdateEndpoint',
        'sagemaker:UpdateEndpointWeightsAndCapacities',
        'application-autoscaling:RegisterScalableTarget',
        'application-autoscaling:PutScalingPolicy',
        'sagemaker:CreateTrainingJob',
        'sagemaker:StopTrainingJob',
        'sagemaker:CreatePresignedNotebookInstanceUrl',
        'logs:FilterLogEvents',
        'cloudwatch:GetMetricData',
      ]),
    );
  });

  it('operator: endpoint configs and training jobs are bounded by the spec instance types', () => {
    const docs = policiesOf(template, names.operatorRole);
    const statement = (sid: string) => docs.flatMap((d) => d.Statement).find((s) => s.Sid === sid);
    expect(
      statement('CreateEndpointConfigsOfSpecInstanceTypes')?.Condition?.['ForAllValues:StringEquals'],
    ).toEqual({
      'sagemaker:InstanceTypes': [spec.endpoints.single.instanceType],
    });
    expect(statement('StartProjectTrainingJobsWithinSpec')?.Condition).toMatchObject({
      'ForAllValues:StringEquals': {
        'sagemaker:InstanceTypes': [spec.training.singleInstanceType, spec.training.multiInstanceType],
      },
      NumericLessThanEquals: { 'sagemaker:MaxRuntimeInSeconds': spec.training.maxRuntimeSeconds },
    });
  });

  it('viewer: only Describe*|List*|Get* and the log read actions', () => {
    const actions = allowedActions(policiesOf(template, names.viewerRole));
    expect(actions.length).toBeGreaterThan(5);
    const readOnly = (a: string) =>
      /^[a-z0-9-]+:(Describe|List|Get)[A-Za-z]*$/.test(a) ||
      (LOG_READ_ACTIONS as readonly string[]).includes(a);
    expect(actions.filter((a) => !readOnly(a))).toEqual([]);
    // The check above is real: a write action would fail it.
    expect(
      ['sagemaker:UpdateEndpoint', 'logs:PutLogEvents', 'sagemaker:DescribeEndpoint*'].filter(
        (a) => !readOnly(a),
      ),
    ).toHaveLength(3);
  });

  it('client: only InvokeFunctionUrl (AWS_IAM) and InvokeFunction (through the URL) on the invoker', () => {
    const docs = policiesOf(template, names.clientRole);
    expect([...new Set(allowedActions(docs))].sort()).toEqual([
      'lambda:InvokeFunction',
      'lambda:InvokeFunctionUrl',
    ]);
    const invoker = TEST_INVOKER_ARN(spec);
    expect([...new Set(allowedResources(docs))].sort()).toEqual([invoker, `${invoker}:*`]);
    const statements = docs.flatMap((d) => d.Statement);
    expect(statements.find((s) => s.Action === 'lambda:InvokeFunctionUrl')?.Condition).toEqual({
      StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' },
    });
    expect(statements.find((s) => s.Action === 'lambda:InvokeFunction')?.Condition).toEqual({
      Bool: { 'lambda:InvokedViaFunctionUrl': 'true' },
    });
  });

  it('no people role has a Deny-less wildcard action', () => {
    for (const kind of PEOPLE_ROLE_KINDS) {
      expect(
        allowedActions(policiesOf(template, names[`${kind}Role`])).filter((a) => a.includes('*')),
      ).toEqual([]);
    }
  });

  it('the notebook action follows the workspace switch', () => {
    const off = synth(
      specWith({
        access: { operators: OPERATORS, viewers: VIEWERS, clients: CLIENTS, notebook: { enabled: false } },
      }),
    );
    expect(allowedActions(policiesOf(off, names.operatorRole))).not.toContain(
      'sagemaker:CreatePresignedNotebookInstanceUrl',
    );
  });
});

describe('PeopleRole props are checked at synth', () => {
  const stack = () => new Stack(new App(), 'S');
  const base = {
    roleName: 'r',
    principals: ['arn:aws:iam::222222222222:root'],
    maxSessionDuration: Duration.hours(1),
    statements: [new iam.PolicyStatement({ actions: ['sagemaker:DescribeEndpoint'], resources: ['*'] })],
  };
  it.each([
    [{ principals: [] }, /at least one principal/],
    [{ principals: ['alice'] }, /not an IAM principal ARN: alice/],
    [{ principals: ['arn:aws:iam::222222222222:root', 'arn:aws:iam::222222222222:root'] }, /listed twice/],
    [{ maxSessionDuration: Duration.minutes(30) }, /maxSessionDuration must be at least 3600/],
    [{ maxSessionDuration: Duration.hours(13) }, /maxSessionDuration must be at most 43200/],
    [{ statements: [] }, /at least one policy statement/],
  ])('refuses %o', (patch, message) => {
    expect(() => new PeopleRole(stack(), 'R', { ...base, ...patch })).toThrow(message);
  });

  it('PeopleRoles refuses an empty endpoint list', () => {
    expect(
      () =>
        new PeopleRoles(stack(), 'P', {
          spec,
          endpointNames: [],
          invokerFunctionArn: TEST_INVOKER_ARN(spec),
        }),
    ).toThrow(/at least one endpoint/);
  });
});
