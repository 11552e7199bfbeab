/**
 * The IAM authorizations behind one AWS call, for the first-deploy rehearsal's IAM seam: each call a CI role made
 * becomes the actions, resources and condition keys AWS evaluates for it (the service authorization reference's
 * action table for the operation), which the emulated account then decides with a real policy engine on the policies
 * it holds. A call no entry maps throws, so a new call of the pipeline is never left unchecked.
 */
import type { AttributedCall } from './aws-account.js';
import { GhaError } from '../gha/errors.js';

/** One authorization a call needs. */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string>>;
}

/** What the mapping needs to name resources: the account, the region, the key the buckets encrypt with. */
export interface IamContext {
  readonly account: string;
  readonly region: string;
  /** The project key (SSE-KMS of the project's buckets): S3 asks KMS for the caller. */
  readonly keyArn: string;
  /** Buckets encrypted with the project key (CDK's asset bucket is not). */
  readonly projectBuckets: readonly string[];
  /** The invoker function (its function URL's calls). */
  readonly invokerFunctionName: string;
}

export class UnmappedCallError extends GhaError {}

const form = (call: AttributedCall) => new URLSearchParams(call.body);
const json = (call: AttributedCall): Record<string, unknown> => {
  try {
    return JSON.parse(call.body || '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
};

function s3Parts(call: AttributedCall): { bucket: string; key: string } {
  const [, bucket = '', ...key] = call.path.split('/');
  return { bucket, key: decodeURIComponent(key.join('/')) };
}

/** The IAM requests behind `call` (made with an assumed role's credentials). */
export function iamRequests(call: AttributedCall, ctx: IamContext): IamRequest[] {
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${ctx.region}:${ctx.account}:${resource}`;
  const viaS3 = { 'kms:ViaService': `s3.${ctx.region}.amazonaws.com` };
  const sse = (bucket: string, action: string): IamRequest[] =>
    ctx.projectBuckets.includes(bucket) ? [{ action, resource: ctx.keyArn, context: viaS3 }] : [];
  const stackArn = (name: string) =>
    name.startsWith('arn:') ? name : arn('cloudformation', `stack/${name}/*`);
  const op = `${call.service}:${call.operation}`;
  // Lambda's REST paths the recorder's classification does not name (it calls any other path a function URL).
  const concurrency = /^\/\d{4}-\d{2}-\d{2}\/functions\/([^/]+)\/concurrency$/.exec(call.path);
  if (call.service === 'lambda' && concurrency)
    return [
      { action: 'lambda:GetFunctionConcurrency', resource: arn('lambda', `function:${concurrency[1]}`) },
    ];
  if (call.service === 'lambda' && /^\/\d{4}-\d{2}-\d{2}\/account-settings\/?$/.test(call.path))
    return [{ action: 'lambda:GetAccountSettings', resource: '*' }];
  switch (op) {
    case 'sts:GetCallerIdentity':
      return []; // needs no permission
    case 'sts:AssumeRole':
      return [{ action: 'sts:AssumeRole', resource: form(call).get('RoleArn') ?? '' }];
    case 'ssm:GetParameter':
      return [{ action: op, resource: arn('ssm', `parameter${String(json(call)['Name'])}`) }];
    case 'ssm:GetParameters':
      return ((json(call)['Names'] ?? []) as string[]).map((n) => ({
        action: op,
        resource: arn('ssm', `parameter${n}`),
      }));
    case 'cloudformation:DescribeStacks':
    case 'cloudformation:GetTemplate':
    case 'cloudformation:DescribeStackResources':
    case 'cloudformation:DescribeStackEvents':
    case 'cloudformation:GetTemplateSummary':
    case 'cloudformation:CreateChangeSet':
    case 'cloudformation:DescribeChangeSet':
    case 'cloudformation:ExecuteChangeSet':
    case 'cloudformation:DeleteChangeSet':
    case 'cloudformation:DeleteStack':
      return [{ action: op, resource: stackArn(form(call).get('StackName') ?? '*') }];
    case 'iam:GetPolicy':
      return [{ action: op, resource: form(call).get('PolicyArn') ?? '' }];
    case 'iam:GetOpenIDConnectProvider':
      return [{ action: op, resource: form(call).get('OpenIDConnectProviderArn') ?? '' }];
    case 'iam:ListOpenIDConnectProviders':
    case 'servicequotas:ListServiceQuotas':
    case 'servicequotas:ListAWSDefaultServiceQuotas':
    case 'sagemaker:ListModelPackages': // no resource scoping: the group is a request parameter
    case 'application-autoscaling:DescribeScalingActivities':
    case 'application-autoscaling:DescribeScalableTargets':
    case 'application-autoscaling:DescribeScalingPolicies':
      return [{ action: op, resource: '*' }];
    case 'monitoring:GetMetricData':
      return [{ action: 'cloudwatch:GetMetricData', resource: '*' }];
    case 's3:ListObjectsV2': {
      const { bucket } = s3Parts(call);
      const prefix = new URLSearchParams(call.query).get('prefix') ?? '';
      return [
        { action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}`, context: { 's3:prefix': prefix } },
      ];
    }
    case 's3:HeadObject':
    case 's3:GetObject': {
      const { bucket, key } = s3Parts(call);
      return [
        { action: 's3:GetObject', resource: `arn:aws:s3:::${bucket}/${key}` },
        ...sse(bucket, 'kms:Decrypt'),
      ];
    }
    case 's3:PutObject': {
      const { bucket, key } = s3Parts(call);
      return [
        { action: 's3:PutObject', resource: `arn:aws:s3:::${bucket}/${key}` },
        ...sse(bucket, 'kms:GenerateDataKey'),
      ];
    }
    case 'sagemaker:CreateTrainingJob': {
      const b = json(call);
      return [
        {
          action: op,
          resource: arn('sagemaker', `training-job/${String(b['TrainingJobName']).toLowerCase()}`),
        },
        {
          action: 'iam:PassRole',
          resource: String(b['RoleArn']),
          context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
        },
        ...(b['Tags']
          ? [
              {
                action: 'sagemaker:AddTags',
                resource: arn('sagemaker', `training-job/${String(b['TrainingJobName']).toLowerCase()}`),
              },
            ]
          : []),
      ];
    }
    case 'sagemaker:DescribeTrainingJob':
    case 'sagemaker:StopTrainingJob':
      return [
        {
          action: op,
          resource: arn('sagemaker', `training-job/${String(json(call)['TrainingJobName']).toLowerCase()}`),
        },
      ];
    case 'sagemaker:DescribeModelPackageGroup':
    case 'sagemaker:CreateModelPackageGroup': {
      const b = json(call);
      const group = arn('sagemaker', `model-package-group/${String(b['ModelPackageGroupName'])}`);
      return [
        { action: op, resource: group },
        ...(b['Tags'] ? [{ action: 'sagemaker:AddTags', resource: group }] : []),
      ];
    }
    case 'sagemaker:CreateModelPackage': {
      const b = json(call);
      const pkg = arn('sagemaker', `model-package/${String(b['ModelPackageGroupName'])}/1`);
      return [
        { action: op, resource: pkg },
        ...(b['Tags'] ? [{ action: 'sagemaker:AddTags', resource: pkg }] : []),
      ];
    }
    case 'sagemaker:DescribeModelPackage':
      return [{ action: op, resource: String(json(call)['ModelPackageName']) }];
    case 'sagemaker:UpdateModelPackage':
      return [{ action: op, resource: String(json(call)['ModelPackageArn']) }];
    case 'sagemaker:DescribeEndpoint':
      return [
        {
          action: op,
          resource: arn('sagemaker', `endpoint/${String(json(call)['EndpointName']).toLowerCase()}`),
        },
      ];
    case 'logs:GetLogEvents':
    case 'logs:DescribeLogStreams': {
      const b = json(call);
      const stream = b['logStreamName'] ? `:log-stream:${String(b['logStreamName'])}` : '';
      return [{ action: op, resource: arn('logs', `log-group:${String(b['logGroupName'])}${stream}`) }];
    }
    case 'lambda:GetAccountSettings':
      return [{ action: op, resource: '*' }];
    case 'lambda:InvokeFunctionUrl':
      return [
        {
          action: op,
          resource: arn('lambda', `function:${ctx.invokerFunctionName}`),
          context: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' },
        },
      ];
    default: {
      const invoke = /^\/endpoints\/([^/]+)\/invocations$/.exec(call.path);
      if (call.service === 'sagemaker' && invoke)
        return [
          {
            action: 'sagemaker:InvokeEndpoint',
            resource: arn('sagemaker', `endpoint/${invoke[1]?.toLowerCase()}`),
          },
        ];
      throw new UnmappedCallError(
        `unmapped AWS call ${op} ${call.method} ${call.path}: add its IAM authorization to tools/rehearsal/iam-requests.ts`,
      );
    }
  }
}
