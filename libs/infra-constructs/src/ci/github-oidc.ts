/**
 * GitHub Actions' way into the account: the OIDC provider and one role per CI stage, each trusting only its stage's
 * tokens and holding only its stage's statements (`stage-policies.ts`).
 */
import { aws_iam as iam, Duration, Stack } from 'aws-cdk-lib';
import {
  CdkQualifier,
  CiStage,
  ciSubjectClaim,
  GithubOidcProviderArn,
  RoleSessionSeconds,
  type PlatformSpec,
} from '@dogbreed/platform-spec';
import { Construct } from 'constructs';
import { acknowledgeWildcards } from '../nag.js';
import { InfraPropsError } from '../errors.js';
import { checkProp } from '../props.js';
import { GITHUB_OIDC_HOST, stagePolicies } from './stage-policies.js';

export { GITHUB_OIDC_HOST };

export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';

export interface GithubOidcProps {
  /** The spec: `ci.github` (owner, repo, deploy branch), `ci.roles` (one role per stage), and the resource names. */
  readonly spec: PlatformSpec;
  /**
   * ARN of an existing GitHub OIDC provider (an account holds at most one per URL): imported, not created.
   * @default - `spec.ci.existingOidcProviderArn`; when that is absent too, a new provider is created
   */
  readonly existingProviderArn?: string;
  /**
   * Qualifier of the CDK bootstrap stack whose roles the deploy stages assume.
   * @default - `spec.ci.bootstrap.qualifier`
   */
  readonly cdkQualifier?: string;
}

/**
 * GitHub Actions' OIDC provider (or the account's existing one, imported by ARN) and one IAM role per CI stage, named
 * exactly `spec.ci.roles[stage].roleName`, whose MaxSessionDuration is `spec.ci.roles[stage].maxSessionSeconds` (the
 * workflow requests the same number: STS refuses a longer session than the role allows). Each
 * trusts only tokens with `aud` = sts.amazonaws.com and `sub` = `ciSubjectClaim(spec, stage)` (StringEquals, no
 * wildcards) and holds only its stage's permissions. ARNs of other stacks' resources are built from the spec's names,
 * so this stack deploys first and depends on nothing.
 */
export class GithubOidc extends Construct {
  public readonly providerArn: string;
  public readonly roles: Readonly<Record<CiStage, iam.Role>>;

  constructor(scope: Construct, id: string, props: GithubOidcProps) {
    super(scope, id);
    const { spec } = props;
    const qualifier = checkProp(
      'GithubOidc',
      'cdkQualifier',
      CdkQualifier,
      props.cdkQualifier ?? spec.ci.bootstrap.qualifier,
    );
    const missing = CiStage.options.filter((s) => !spec.ci.roles[s]);
    if (missing.length > 0)
      throw new InfraPropsError(`GithubOidc: spec.ci.roles lacks a role for stage(s) ${missing.join(', ')}`);
    const existing = checkProp(
      'GithubOidc',
      'existingProviderArn',
      GithubOidcProviderArn.optional(),
      props.existingProviderArn ?? spec.ci.existingOidcProviderArn,
    );
    for (const stage of CiStage.options)
      checkProp(
        'GithubOidc',
        `spec.ci.roles.${stage}.maxSessionSeconds`,
        RoleSessionSeconds,
        spec.ci.roles[stage].maxSessionSeconds,
      );
    this.providerArn =
      existing ??
      new iam.OidcProviderNative(this, 'Provider', {
        url: `https://${GITHUB_OIDC_HOST}`,
        clientIds: [GITHUB_OIDC_AUDIENCE],
      }).oidcProviderArn;

    const statements = stagePolicies(Stack.of(this), spec, qualifier);
    const project = spec.project.name;
    const groups = Object.values(spec.ci.modelRegistry.groups);

    const roles = {} as Record<CiStage, iam.Role>;
    for (const stage of CiStage.options) {
      const { roleName, environment, maxSessionSeconds } = spec.ci.roles[stage];
      roles[stage] = new iam.Role(this, `${stage}Role`, {
        roleName,
        description: `GitHub Actions stage ${stage} of ${spec.ci.github.owner}/${spec.ci.github.repo}${environment ? ` (environment ${environment})` : ''}`,
        maxSessionDuration: Duration.seconds(maxSessionSeconds),
        assumedBy: new iam.WebIdentityPrincipal(this.providerArn, {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
            [`${GITHUB_OIDC_HOST}:sub`]: ciSubjectClaim(spec, stage),
          },
        }),
        inlinePolicies: { [stage]: new iam.PolicyDocument({ statements: statements[stage] }) },
      });
    }
    this.roles = roles;

    const packageWildcards = groups.map(
      (g) => new RegExp(`^Resource::arn:.*:sagemaker:.*:model-package/${g}/\\*$`),
    );
    acknowledgeWildcards(
      roles.validate,
      "Project stacks are matched by the project-name prefix (stack ids end in a generated suffix), the CDKToolkit stack by its name; the versions of the spec's model package groups (numbered by SageMaker); the doctor's read-only calls that support no resource scoping (ListModelPackages, ListOpenIDConnectProviders, ListServiceQuotas, GetAccountSettings) and the SageMaker and Lambda quotas (codes differ per quota).",
      [
        new RegExp(`^Resource::arn:.*:cloudformation:.*:stack/${project}-\\*/\\*$`),
        /^Resource::arn:.*:cloudformation:.*:stack\/CDKToolkit\/\*$/,
        /^Resource::arn:.*:servicequotas:.*:(sagemaker|lambda)\/\*$/,
        /^Resource::\*$/,
        ...packageWildcards,
      ],
    );
    acknowledgeWildcards(
      roles.train,
      "Training jobs and their log streams are matched by the project-name prefix; ec2:StartInstances is limited to instances tagged as the trainer by a condition; model packages are the versions of the spec's groups (numbered by SageMaker).",
      [
        new RegExp(`^Resource::arn:.*:sagemaker:.*:training-job/${project}-\\*$`),
        new RegExp(`^Resource::arn:.*:log-group:/aws/sagemaker/TrainingJobs:log-stream:${project}-\\*$`),
        /^Resource::arn:.*:ec2:.*:instance\/\*$/,
        ...packageWildcards,
      ],
    );
    acknowledgeWildcards(
      roles.replay,
      "The versions of the spec's model package groups (numbered by SageMaker).",
      packageWildcards,
    );
    acknowledgeWildcards(
      roles.approveModel,
      "The versions of the spec's model package groups (numbered by SageMaker).",
      packageWildcards,
    );
    acknowledgeWildcards(
      roles.deployEndpoints,
      "sagemaker:ListModelPackages supports no resource scoping (the group is a request parameter); DescribeModelPackage reads the versions of the spec's groups (numbered by SageMaker).",
      [/^Resource::\*$/, ...packageWildcards],
    );
    acknowledgeWildcards(
      roles.drift,
      'cloudwatch:PutMetricData supports no resource scoping; a condition keeps it to the drift namespace.',
      [/^Resource::\*$/],
    );
    acknowledgeWildcards(
      roles.loadTest,
      'The alias-qualified ARN of the one invoker function, and CloudWatch metric reads / Application Auto Scaling describes, which support no resource scoping.',
      [
        new RegExp(`^Resource::arn:.*:lambda:.*:function:${spec.invoker.functionName}:\\*$`),
        /^Resource::\*$/,
      ],
    );
  }
}
