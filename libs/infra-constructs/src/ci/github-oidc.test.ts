/**
 * The CI stack on its own (fast, no whole-app synth): each role's MaxSessionDuration is the spec's session length (the
 * workflow asks for the same number, and STS refuses more), and an existing GitHub OIDC provider is imported, not
 * created a second time (an account holds one per URL).
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  awsLoadTestSeconds,
  cfnExecutionPolicyNames,
  CiStage,
  PLATFORM_SPEC,
  PlatformSpecSchema,
  type PlatformSpec,
} from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { describe, expect, it } from 'vitest';
import { InfraPropsError } from '../errors.js';
import { OIDC_PROVIDER_CONTEXT, oidcProviderArnFromContext } from '../infra-app.js';
import { CiStack } from '../stacks/stacks.js';

const EXISTING = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';

function ciTemplate(spec: PlatformSpec): Template {
  const app = new App();
  return Template.fromStack(new CiStack(app, 'ci', { spec, env: { region: spec.project.region } }));
}

function roleOf(t: Template, roleName: string): Record<string, unknown> {
  const [role] = Object.values(t.findResources('AWS::IAM::Role', { Properties: { RoleName: roleName } }));
  if (!role) throw new Error(`no role ${roleName}`);
  return (role as { Properties: Record<string, unknown> }).Properties;
}

describe('CI role sessions', () => {
  it("each role's MaxSessionDuration is its spec maxSessionSeconds (train 6 h, deploy-endpoints 90 min)", () => {
    const t = ciTemplate(PLATFORM_SPEC);
    for (const stage of CiStage.options) {
      const { roleName, maxSessionSeconds } = PLATFORM_SPEC.ci.roles[stage];
      expect(roleOf(t, roleName)['MaxSessionDuration'], stage).toBe(maxSessionSeconds);
    }
    expect(roleOf(t, PLATFORM_SPEC.ci.roles.train.roleName)['MaxSessionDuration']).toBe(21_600);
    expect(roleOf(t, PLATFORM_SPEC.ci.roles.deployEndpoints.roleName)['MaxSessionDuration']).toBe(5_400);
    expect(roleOf(t, PLATFORM_SPEC.ci.roles.loadTest.roleName)['MaxSessionDuration']).toBe(5_400);
  });

  it('follows a spec change', () => {
    const spec = specWith({
      ci: {
        roles: {
          ...PLATFORM_SPEC.ci.roles,
          train: { ...PLATFORM_SPEC.ci.roles.train, maxSessionSeconds: 43_200 },
        },
      },
    });
    expect(roleOf(ciTemplate(spec), spec.ci.roles.train.roleName)['MaxSessionDuration']).toBe(43_200);
  });
});

describe('the load-test session holds the AWS load test', () => {
  it('the spec computes the profile (~49 min) plus the other steps, and the default session holds it', () => {
    // ramp 2 × 60 s; hold 3 steps × (4 × 60 + 30) s + 600 s warm-up; drop 18 × 60 + 300 s; + 900 s of other steps.
    expect(awsLoadTestSeconds(PLATFORM_SPEC)).toBe(120 + 1410 + 1380 + 900);
    expect(PLATFORM_SPEC.ci.roles.loadTest.maxSessionSeconds).toBeGreaterThanOrEqual(
      awsLoadTestSeconds(PLATFORM_SPEC),
    );
  });

  it('refuses a session shorter than that, naming the field', () => {
    const spec = structuredClone(PLATFORM_SPEC);
    spec.ci.roles.loadTest.maxSessionSeconds = 3600;
    const issues = PlatformSpecSchema.safeParse(spec).error?.issues ?? [];
    expect(issues.map((i) => i.path.join('.'))).toContain('ci.roles.loadTest.maxSessionSeconds');
    // A slower scale-in needs a longer session still.
    const slower = structuredClone(PLATFORM_SPEC);
    slower.autoscaling.scaleInEvaluationPeriods = 60;
    expect(PlatformSpecSchema.safeParse(slower).success).toBe(false);
  });
});

describe('GitHub OIDC provider', () => {
  it('is created when the spec names no existing one', () => {
    ciTemplate(PLATFORM_SPEC).resourceCountIs('AWS::IAM::OIDCProvider', 1);
  });

  it('is imported from spec.ci.existingOidcProviderArn: no provider resource, every role trusts that ARN', () => {
    const t = ciTemplate(specWith({ ci: { existingOidcProviderArn: EXISTING } }));
    t.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    for (const stage of CiStage.options) {
      const trust = JSON.stringify(
        roleOf(t, PLATFORM_SPEC.ci.roles[stage].roleName)['AssumeRolePolicyDocument'],
      );
      expect(trust).toContain(`"Federated":"${EXISTING}"`);
    }
  });

  it('is imported from the CDK context githubOidcProviderArn too (the app composes the CI stack with it)', () => {
    const app = new App({ context: { [OIDC_PROVIDER_CONTEXT]: EXISTING } });
    const t = Template.fromStack(
      new CiStack(app, 'ci', { spec: PLATFORM_SPEC, existingProviderArn: oidcProviderArnFromContext(app) }),
    );
    t.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    expect(JSON.stringify(t.toJSON())).toContain(EXISTING);
    expect(oidcProviderArnFromContext(new App())).toBeUndefined();
  });

  it('refuses an ARN of anything but the GitHub provider', () => {
    const app = new App();
    expect(
      () =>
        new CiStack(app, 'ci', {
          spec: PLATFORM_SPEC,
          existingProviderArn: 'arn:aws:iam::123456789012:oidc-provider/example.com',
        }),
    ).toThrow(InfraPropsError);
  });
});

describe("the validate role's doctor reads", () => {
  it('may iam:GetPolicy both scoped execution policies (cfnExecutionPolicyNames), and no other policy', () => {
    const role = roleOf(ciTemplate(PLATFORM_SPEC), PLATFORM_SPEC.ci.roles.validate.roleName);
    const statements = (
      role['Policies'] as { PolicyDocument: { Statement: Record<string, unknown>[] } }[]
    ).flatMap((p) => p.PolicyDocument.Statement);
    const getPolicy = statements.filter((s) => [s['Action']].flat().includes('iam:GetPolicy'));
    // The ARNs are Fn::Join of partition, account and the resource: the policy names are in the last literal part.
    const policies = getPolicy
      .flatMap((s) => [s['Resource']].flat())
      .map((r) => JSON.stringify(r))
      .flatMap((text) => [...text.matchAll(/:policy\/([\w+=,.@-]+)/g)].map((m) => m[1]));
    expect(policies.sort()).toEqual([...cfnExecutionPolicyNames(PLATFORM_SPEC)].sort());
    expect(policies).toEqual(expect.arrayContaining(['dogbreed-cfn-execution', 'dogbreed-cfn-execution-2']));
  });
});
