/**
 * What each CI stage's role may do: one list of IAM statements per stage, least privilege, with the reason for every
 * statement that is not obvious. ARNs of other stacks' resources are built from the spec's names (the CI stack
 * deploys first and depends on nothing); the CDK bootstrap roles' from the qualifier.
 */
import { aws_iam as iam, type Stack } from 'aws-cdk-lib';
import {
  cfnExecutionPolicyNames,
  ssmParameterNames,
  type CiStage,
  type PlatformSpec,
} from '@dogbreed/platform-spec';
import { EC2_TRAINER_TAG } from '../training/ec2-trainer.js';
import { driftStagePolicy } from './drift-policy.js';

/** The host of GitHub Actions' OIDC tokens (the provider's URL). */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/** The inline policy statements of each stage's role, in `stack` (its partition, region and account). */
export function stagePolicies(
  stack: Stack,
  spec: PlatformSpec,
  qualifier: string,
): Record<CiStage, iam.PolicyStatement[]> {
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

  // Both deploying stages assume CDK's bootstrap roles and read the bootstrap version, as `cdk deploy` does.
  const cdkDeploy = () => [
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
  ];
  return {
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
    deployInfra: [...cdkDeploy()],
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
    drift: driftStagePolicy(stack, spec),
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
      ...cdkDeploy(),
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
}
