import { specWith } from '@dogbreed/testing';
import { toolPaths } from '@dogbreed/workspace';
import { App, Aws, aws_iam as iam, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccessStack, PermissionsBoundaryStack } from './access-stack.js';
import { TEST_ACCOUNT, TEST_INVOKER_ARN, accessDependencies, buildAccessApp } from '../testing/access-app.js';
import { acknowledgeWildcards, ProjectNagChecks, WILDCARD_ACK_METADATA } from '../nag.js';
import { accessNames } from './names.js';
import {
  ProjectPermissionsBoundary,
  applyPermissionsBoundary,
  permissionsBoundaryArn,
} from './permissions-boundary.js';

const spec = specWith({
  access: {
    operators: ['arn:aws:iam::222222222222:role/ops-alice'],
    viewers: ['arn:aws:iam::222222222222:root'],
    clients: ['arn:aws:iam::333333333333:role/partner-app'],
  },
});
const names = accessNames(spec);
const BOUNDARY_ARN = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':iam::',
      { Ref: 'AWS::AccountId' },
      `:policy/${names.permissionsBoundaryPolicy}`,
    ],
  ],
};

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string[] }>;
const resourcesOf = (stack: Stack) =>
  (Template.fromStack(stack).toJSON() as { Resources: Resources }).Resources;

/** The project's cdk-nag checks over one stack (after synthesis, as the CDK validation phase runs them). */
function nagErrors(app: App, stack: Stack) {
  app.synth();
  const report = new ProjectNagChecks(app).validateScope(stack);
  return report.violations
    .filter((v) => v.severity === 'error')
    .map((v) => `${v.ruleName} @ ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
}

describe('permissions boundary', () => {
  it('is a managed policy with the fixed name from the spec', () => {
    const { stack } = buildAccessApp(spec);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      ManagedPolicyName: 'dogbreed-permissions-boundary',
    });
    const other = buildAccessApp(specWith({ project: { name: 'catbreed' } })).stack;
    Template.fromStack(other).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      ManagedPolicyName: 'catbreed-permissions-boundary',
    });
  });

  it('denies every regional action outside the spec region (NotAction keeps global services)', () => {
    const s = specWith({ project: { region: 'eu-west-1' } });
    const res = resourcesOf(buildAccessApp(s).stack);
    const policy = Object.values(res).find((r) => r.Type === 'AWS::IAM::ManagedPolicy');
    const statements = (policy?.Properties?.['PolicyDocument'] as { Statement: Record<string, unknown>[] })
      .Statement;
    const region = statements.find((st) => st['Sid'] === 'DenyOutsideDeploymentRegion');
    expect(region?.['Effect']).toBe('Deny');
    expect(region?.['Condition']).toEqual({ StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1'] } });
    expect(region?.['NotAction']).toEqual(
      expect.arrayContaining(['iam:*', 'sts:*', 'cloudfront:*', 'route53:*', 'support:*']),
    );
  });

  it('every role in the access stack carries it, and waits for it', () => {
    const res = resourcesOf(buildAccessApp(spec).stack);
    const boundaryId = Object.keys(res).find((k) => res[k]?.Type === 'AWS::IAM::ManagedPolicy') ?? '';
    const roles = Object.values(res).filter((r) => r.Type === 'AWS::IAM::Role');
    expect(roles.length).toBe(4); // operator, viewer, client, notebook execution role
    for (const role of roles) {
      expect(role.Properties?.['PermissionsBoundary']).toEqual(BOUNDARY_ARN);
      expect(role.DependsOn).toContain(boundaryId);
    }
  });

  it('every role of a multi-stack app carries it: CI-style, service and custom-resource roles in other stacks too', () => {
    // The recommended layout: the boundary in a first stack, everything else depending on it.
    const app = new App();
    const env = { account: TEST_ACCOUNT, region: spec.project.region };
    const first = new PermissionsBoundaryStack(app, 'Boundary', { env, spec });
    const deps = new Stack(app, 'Deps', { env });
    // autoDeleteObjects brings a custom-resource provider role (a raw AWS::IAM::Role CfnResource).
    const consumed = accessDependencies(deps, {
      bucketProps: { autoDeleteObjects: true, removalPolicy: RemovalPolicy.DESTROY },
    });
    const ci = new iam.Role(deps, 'CiRole', {
      assumedBy: new iam.WebIdentityPrincipal(
        'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com',
      ),
    });
    new iam.User(deps, 'SomeUser');
    const access = new AccessStack(app, 'Access', {
      env,
      spec,
      ...consumed,
      invokerFunctionArn: TEST_INVOKER_ARN(spec),
      endpointNames: [spec.endpoints.single.name],
      createPermissionsBoundary: false,
    });
    applyPermissionsBoundary(app, spec);
    app.synth();

    expect(access.permissionsBoundary).toBeUndefined();
    expect(ci.roleName).toBeDefined();
    let principals = 0;
    for (const stack of [first, deps, access]) {
      for (const r of Object.values(resourcesOf(stack))) {
        if (r.Type !== 'AWS::IAM::Role' && r.Type !== 'AWS::IAM::User') continue;
        principals += 1;
        expect(r.Properties?.['PermissionsBoundary']).toEqual(BOUNDARY_ARN);
      }
    }
    expect(principals).toBeGreaterThanOrEqual(7); // CI role, user, auto-delete provider role, 3 people roles, notebook role
    expect(deps.dependencies).toContain(first);
    expect(access.dependencies).toContain(first);
    expect(first.dependencies).toEqual([]);
  });

  it('a boundary in a stack that consumes the role stack fails the synth with what to do instead', () => {
    // AccessStack holding the boundary while consuming a stack that has roles: a deployment cycle.
    const app = new App();
    const env = { account: TEST_ACCOUNT, region: spec.project.region };
    const deps = new Stack(app, 'Deps', { env });
    new iam.Role(deps, 'ServiceRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    new AccessStack(app, 'Access', {
      env,
      spec,
      ...accessDependencies(deps),
      invokerFunctionArn: TEST_INVOKER_ARN(spec),
      endpointNames: [spec.endpoints.single.name],
    });
    applyPermissionsBoundary(app, spec);
    expect(() => app.synth()).toThrow(
      /Deps\/ServiceRole.*deploys before Access.*createPermissionsBoundary: false/s,
    );
  });

  it('the ARN helper builds the name-based ARN without an export', () => {
    const stack = new Stack(new App(), 'S');
    expect(stack.resolve(permissionsBoundaryArn(spec))).toEqual(BOUNDARY_ARN);
    expect(permissionsBoundaryArn(spec)).toContain(Aws.ACCOUNT_ID);
  });

  it('refuses a bad additional service prefix', () => {
    const stack = new Stack(new App(), 'S');
    expect(() => new ProjectPermissionsBoundary(stack, 'B', { spec, additionalServices: ['ec2:*'] })).toThrow(
      /service prefix/,
    );
    expect(() => new ProjectPermissionsBoundary(stack, 'C', { spec, passRoleServices: [] })).toThrow(
      /at least one/,
    );
  });
});

describe('cdk-nag and cfn-lint', () => {
  it('AwsSolutions: zero unacknowledged errors in the access stack, every acknowledgement with a reason', () => {
    const { app, stack } = buildAccessApp(spec);
    expect(nagErrors(app, stack)).toEqual([]);
    const acks = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === WILDCARD_ACK_METADATA))
      .map((m) => (m.data as { reason: string }).reason);
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) expect(a).toMatch(/\w{3,}.*\w{3,}/);
  });

  it('AwsSolutions: an unexpected wildcard is still reported (acknowledgements are per finding, not blanket)', () => {
    const { app, stack } = buildAccessApp(spec);
    stack.people.operator?.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sagemaker:*'], resources: ['*'] }),
    );
    const errors = nagErrors(app, stack);
    expect(errors.some((e) => e.startsWith('AwsSolutions-IAM5[Action::sagemaker:*]'))).toBe(true);
  });

  it('the acknowledgement helper ignores findings outside its patterns', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const role = new iam.Role(stack, 'R', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/*'] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:*'],
        resources: ['arn:aws:logs:us-east-1:111111111111:log-group:x'],
      }),
    );
    acknowledgeWildcards(role, 'objects of bucket b, read by the role', [/^Resource::arn:aws:s3:::b\/\*$/]);
    expect(nagErrors(app, stack)).toEqual([expect.stringMatching(/^AwsSolutions-IAM5\[Action::logs:\*\]/)]);
  });

  it.each([
    ['default spec', spec],
    [
      'workspace off',
      specWith({ access: { ...spec.access, notebook: { ...spec.access.notebook, enabled: false } } }),
    ],
  ])('cfn-lint is clean on the synthesized access template (%s)', (_label, s) => {
    const { stack } = buildAccessApp(s);
    const dir = mkdtempSync(join(tmpdir(), 'access-cfn-lint-'));
    try {
      const file = join(dir, 'access.template.json');
      writeFileSync(file, JSON.stringify(Template.fromStack(stack).toJSON(), null, 1));
      const run = spawnSync(toolPaths.cfnLint(), ['--regions', s.project.region, '--', file], {
        encoding: 'utf8',
      });
      expect(run.error).toBeUndefined();
      expect(`${run.stdout}${run.stderr}`).toBe('');
      expect(run.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
