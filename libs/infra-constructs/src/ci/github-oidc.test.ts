/**
 * The CI stack on its own (fast, no whole-app synth): each role's MaxSessionDuration is the spec's session length (the
 * workflow asks for the same number, and STS refuses more), and an existing GitHub OIDC provider is imported, not
 * created a second time (an account holds one per URL).
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CiStage, PLATFORM_SPEC, type PlatformSpec } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/platform-spec/testing';
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
