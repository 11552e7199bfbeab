import { aws_iam as iam, Duration, Stack } from 'aws-cdk-lib';
import {
  cfnExecutionPolicyNames,
  CiStage,
  ciSubjectClaim,
  ssmParameterNames,
  type PlatformSpec,
} from '@dogbreed/platform-spec';
import { Construct } from 'constructs';
import { acknowledgeWildcards } from '../nag.js';
import { InfraPropsError } from '../errors.js';
import { EC2_TRAINER_TAG } from '../training/ec2-trainer.js';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
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
    const qualifier = props.cdkQualifier ?? spec.ci.bootstrap.qualifier;
    if (!/^[a-z0-9]{1,10}$/.test(qualifier))
      throw new InfraPropsError(
        `GithubOidc: cdkQualifier must be 1-10 lower-case alphanumerics (got "${qualifier}")`,
      );
    const missing = CiStage.options.filter((s) => !spec.ci.roles[s]);
    if (missing.length > 0)
      throw new InfraPropsError(`GithubOidc: spec.ci.roles lacks a role for stage(s) ${missing.join(', ')}`);

    const existing = props.existingProviderArn ?? spec.ci.existingOidcProviderArn;
    if (
      existing !== undefined &&
      !/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/.test(existing)
    ) {
      throw new InfraPropsError(
        `GithubOidc: existingProviderArn must be the ARN of the ${GITHUB_OIDC_HOST} OIDC provider (got "${existing}")`,
      );
    }
    for (const stage of CiStage.options) {
      const seconds = spec.ci.roles[stage].maxSessionSeconds;
      if (!Number.isInteger(seconds) || seconds < 3600 || seconds > 43200) {
        throw new InfraPropsError(
          `GithubOidc: spec.ci.roles.${stage}.maxSessionSeconds must be an integer from 3600 to 43200 (got ${seconds})`,
        );
      }
    }
    this.providerArn =
      existing ??
      new iam.OidcProviderNative(this, 'Provider', {
        url: `https://${GITHUB_OIDC_HOST}`,
        clientIds: [GITHUB_OIDC_AUDIENCE],
      }).oidcProviderArn;

    const stack = Stack.of(this);
    const arn = (service: string, resource: string, region = stack.region) =>
      `arn:${stack.partition}:${service}:${region}:${stack.account}:${resource}`;
    const cdkRole = (kind: string) =>
      `arn:${stack.partition}:iam::${stack.account}:role/cdk-${qualifier}-${kind}-role-${stack.account}-${stack.region}`;
    const project = spec.project.name;
    const params = ssmParameterNames(spec);
    const paramArn = (name: string) => arn('ssm', `parameter${name}`);
    const endpointArns = [spec.endpoints.single.name, spec.endpoints.multi.name].map((n) =>
      arn('sagemaker', `endpoint/${n.toLowerCase()}`),
    );
    const functionArn = arn('lambda', `function:${spec.invoker.functionName}`);
    const cdkStackArn = arn('cloudformation', `stack/${project}-*/*`);
    // The registry gate's groups; a versioned package's ARN is model-package/<group>/<version>.
    const groups = Object.values(spec.ci.modelRegistry.groups);
    const groupArns = groups.map((g) => arn('sagemaker', `model-package-group/${g}`));
    const packageArns = groups.map((g) => arn('sagemaker', `model-package/${g}/*`));
    const iamArn = (resource: string) => `arn:${stack.partition}:iam::${stack.account}:${resource}`;

    const statements: Record<CiStage, iam.PolicyStatement[]> = {
      validate: [
        new iam.PolicyStatement({
          sid: 'CdkLookupAndDiff',
          actions: ['sts:AssumeRole'],
          resources: [cdkRole('lookup')],
        }),
        new iam.PolicyStatement({
          sid: 'ReadStacks',
          actions: ['cloudformation:DescribeStacks', 'cloudformation:GetTemplate'],
          resources: [cdkStackArn],
        }),
        new iam.PolicyStatement({
          // The training decision: has anything been Approved (or rejected) since the last deploy?
          sid: 'ReadModelRegistry',
          actions: ['sagemaker:DescribeModelPackage'],
          resources: packageArns,
        }),
        new iam.PolicyStatement({
          // Read-only calls that support no resource scoping (ListModelPackages: the group is a request parameter).
          sid: 'DoctorUnscopedReads',
          actions: [
            'sagemaker:ListModelPackages',
            'iam:ListOpenIDConnectProviders',
            'servicequotas:ListServiceQuotas',
            'servicequotas:ListAWSDefaultServiceQuotas',
            'lambda:GetAccountSettings',
          ],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          // The pre-flight doctor: CDK bootstrap version and stack, the OIDC provider, the execution policies, quotas.
          sid: 'DoctorReadBootstrap',
          actions: ['ssm:GetParameter'],
          // The bootstrap version, and the data bucket whose dataset splits the doctor lists.
          resources: [paramArn(`/cdk-bootstrap/${qualifier}/version`), paramArn(params.dataBucket)],
        }),
        new iam.PolicyStatement({
          // The invoker's reservation, counted back into the unreserved concurrency the doctor checks.
          sid: 'DoctorReadInvokerConcurrency',
          actions: ['lambda:GetFunctionConcurrency'],
          resources: [functionArn],
        }),
        new iam.PolicyStatement({
          sid: 'DoctorReadToolkitStack',
          actions: ['cloudformation:DescribeStacks'],
          resources: [arn('cloudformation', 'stack/CDKToolkit/*')],
        }),
        new iam.PolicyStatement({
          sid: 'DoctorReadOidcAndExecutionPolicy',
          actions: ['iam:GetOpenIDConnectProvider', 'iam:GetPolicy'],
          // Both scoped execution policies: the doctor's set-up advice depends on whether both exist.
          resources: [
            iamArn(`oidc-provider/${GITHUB_OIDC_HOST}`),
            ...cfnExecutionPolicyNames(spec).map((name) => iamArn(`policy/${name}`)),
          ],
        }),
        new iam.PolicyStatement({
          sid: 'DoctorReadQuotas',
          actions: ['servicequotas:GetServiceQuota'],
          resources: ['sagemaker', 'lambda'].map((service) => arn('servicequotas', `${service}/*`)),
        }),
      ],
      deployInfra: [
        new iam.PolicyStatement({
          sid: 'CdkDeploy',
          actions: ['sts:AssumeRole', 'sts:TagSession'],
          resources: ['deploy', 'file-publishing', 'image-publishing', 'lookup'].map(cdkRole),
        }),
        new iam.PolicyStatement({
          sid: 'BootstrapVersion',
          actions: ['ssm:GetParameter'],
          resources: [paramArn(`/cdk-bootstrap/${qualifier}/version`)],
        }),
      ],
      train: [
        new iam.PolicyStatement({
          sid: 'TrainingJobs',
          actions: [
            'sagemaker:CreateTrainingJob',
            'sagemaker:DescribeTrainingJob',
            'sagemaker:StopTrainingJob',
            'sagemaker:AddTags',
          ],
          resources: [arn('sagemaker', `training-job/${project}-*`)],
        }),
        new iam.PolicyStatement({
          sid: 'PassTrainingRole',
          actions: ['iam:PassRole'],
          resources: [`arn:${stack.partition}:iam::${stack.account}:role/${project}-sagemaker-training`],
          conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
        }),
        new iam.PolicyStatement({
          sid: 'ReadProjectParameters',
          actions: ['ssm:GetParameter', 'ssm:GetParameters'],
          resources: [
            params.dataBucket,
            params.modelBucket,
            params.checkpointBucket,
            params.trainingRoleArn,
            params.trainingSubnetIds,
            params.trainingSecurityGroupId,
            params.trainingImageUriSingle,
            params.trainingImageUriMulti,
            params.ec2TrainingInstanceId,
            params.kmsKeyArn,
          ].map(paramArn),
        }),
        new iam.PolicyStatement({
          sid: 'RegisterModels',
          // `dogbreed-train --register`: the group if absent, then the package PendingManualApproval, tagged.
          actions: [
            'sagemaker:DescribeModelPackageGroup',
            'sagemaker:CreateModelPackageGroup',
            'sagemaker:CreateModelPackage',
            'sagemaker:AddTags',
          ],
          resources: [...groupArns, ...packageArns],
        }),
        new iam.PolicyStatement({
          sid: 'TrainingLogs',
          actions: ['logs:GetLogEvents', 'logs:DescribeLogStreams'],
          resources: [
            arn('logs', `log-group:/aws/sagemaker/TrainingJobs:log-stream:${project}-*`),
            arn('logs', 'log-group:/aws/sagemaker/TrainingJobs'),
          ],
        }),
        new iam.PolicyStatement({
          sid: 'StartEc2Trainer',
          actions: ['ec2:StartInstances', 'ec2:DescribeInstances'],
          resources: [arn('ec2', 'instance/*')],
          conditions: { StringEquals: { [`aws:ResourceTag/${EC2_TRAINER_TAG.key}`]: EC2_TRAINER_TAG.value } },
        }),
      ],
      replay: [
        new iam.PolicyStatement({
          sid: 'ReadCandidate',
          actions: ['sagemaker:DescribeModelPackage'],
          resources: packageArns,
        }),
        new iam.PolicyStatement({
          sid: 'ReadParameters',
          actions: ['ssm:GetParameter'],
          // deployedModel*: the serving model the candidate is compared with.
          resources: [
            params.dataBucket,
            params.modelBucket,
            params.deployedModelSingle,
            params.deployedModelMulti,
          ].map(paramArn),
        }),
      ],
      approveModel: [
        new iam.PolicyStatement({
          sid: 'ApproveModels',
          actions: ['sagemaker:DescribeModelPackage', 'sagemaker:UpdateModelPackage'],
          resources: packageArns,
        }),
      ],
      deployEndpoints: [
        new iam.PolicyStatement({
          sid: 'ListApprovedModels',
          // ListModelPackages supports no resource scoping; the group is a request parameter.
          actions: ['sagemaker:ListModelPackages'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'ReadApprovedModels',
          actions: ['sagemaker:DescribeModelPackage'],
          resources: packageArns,
        }),
        new iam.PolicyStatement({
          sid: 'CdkDeploy',
          actions: ['sts:AssumeRole', 'sts:TagSession'],
          resources: ['deploy', 'file-publishing', 'image-publishing', 'lookup'].map(cdkRole),
        }),
        new iam.PolicyStatement({
          sid: 'BootstrapVersion',
          actions: ['ssm:GetParameter'],
          resources: [paramArn(`/cdk-bootstrap/${qualifier}/version`)],
        }),
        new iam.PolicyStatement({
          sid: 'WatchEndpoints',
          actions: ['sagemaker:DescribeEndpoint'],
          resources: endpointArns,
        }),
        new iam.PolicyStatement({
          sid: 'ReadParameters',
          actions: ['ssm:GetParameter'],
          // deployedModel*: the artifacts the last successful deploy recorded, reused when training is skipped.
          resources: [
            params.modelBucket,
            params.invokerFunctionUrl,
            params.invokerFunctionName,
            params.deployedModelSingle,
            params.deployedModelMulti,
          ].map(paramArn),
        }),
      ],
      loadTest: [
        new iam.PolicyStatement({
          sid: 'CallTheFunctionUrl',
          actions: ['lambda:InvokeFunctionUrl', 'lambda:InvokeFunction'],
          resources: [functionArn, `${functionArn}:*`],
        }),
        new iam.PolicyStatement({
          // The smoke scenario calls each endpoint directly too (SigV4 to SageMaker Runtime), not only the function URL.
          sid: 'DescribeAndInvokeEndpoints',
          actions: ['sagemaker:DescribeEndpoint', 'sagemaker:InvokeEndpoint'],
          resources: endpointArns,
        }),
        new iam.PolicyStatement({
          sid: 'ReadParameters',
          actions: ['ssm:GetParameter'],
          resources: [params.invokerFunctionUrl, params.invokerFunctionName].map(paramArn),
        }),
        new iam.PolicyStatement({
          sid: 'ReadMetricsAndScaling',
          // None of these actions supports resource-level permissions.
          actions: [
            'cloudwatch:GetMetricData',
            'cloudwatch:GetMetricStatistics',
            'application-autoscaling:DescribeScalableTargets',
            'application-autoscaling:DescribeScalingActivities',
          ],
          resources: ['*'],
        }),
      ],
    };

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
      roles.loadTest,
      'The alias-qualified ARN of the one invoker function, and CloudWatch metric reads / Application Auto Scaling describes, which support no resource scoping.',
      [
        new RegExp(`^Resource::arn:.*:lambda:.*:function:${spec.invoker.functionName}:\\*$`),
        /^Resource::\*$/,
      ],
    );
  }
}
