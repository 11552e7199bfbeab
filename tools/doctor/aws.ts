/**
 * The doctor's reads from the AWS account, through the SDK v3 clients, and the checks they feed. Every call here
 * only reads (the `validate` job's role is read-only); `DOCTOR_AWS_READS` lists them for the role's policy, and the
 * moto test proves the list complete. A "not found" answer becomes `absent`, any other error a failed read that the
 * check reports with the permission it needs; S3 is only listed (ListObjectsV2), never HeadObject: a caller without
 * ListBucket gets 403 for a missing key, not 404.
 */
import {
  CloudFormationClient,
  DescribeStacksCommand,
  type Stack as CfnStack,
} from '@aws-sdk/client-cloudformation';
import {
  GetOpenIDConnectProviderCommand,
  GetPolicyCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
} from '@aws-sdk/client-iam';
import {
  GetAccountSettingsCommand,
  GetFunctionConcurrencyCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  paginateListAWSDefaultServiceQuotas,
  paginateListServiceQuotas,
  ServiceQuotasClient,
  type ServiceQuota as SdkServiceQuota,
} from '@aws-sdk/client-service-quotas';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ssmParameterNames, type PlatformSpec } from '@dogbreed/platform-spec';
import {
  absent,
  bootstrapVersionParameter,
  checkBootstrapVersion,
  checkCredentials,
  checkDataset,
  checkExecutionPolicy,
  checkLambdaConcurrency,
  checkOidcProvider,
  checkQuota,
  checkRegion,
  DATASET_SPLITS,
  datasetSplitPrefix,
  executionPolicyArns,
  found,
  LAMBDA_CONCURRENCY_QUOTA_NAME,
  parseExecutionPolicies,
  projectStackName,
  quotaNeeds,
  readError,
  type CheckResult,
  type DatasetSplit,
  type LambdaConcurrency,
  type OidcProvider,
  type Read,
  type ScopedPolicies,
  type ServiceQuota,
  type Target,
  type ToolkitStack,
} from './checks.js';

/**
 * Every AWS API call the doctor makes, as IAM actions: the `validate` role needs exactly these (all reads). The
 * S3 listing is of the data bucket under `datasets/`; the SSM reads are the bootstrap version and the data bucket;
 * `iam:GetPolicy` is of both scoped execution policies (`cfnExecutionPolicyNames`).
 */
export const DOCTOR_AWS_READS = [
  'sts:GetCallerIdentity',
  'ssm:GetParameter',
  'cloudformation:DescribeStacks',
  'iam:GetPolicy',
  'iam:ListOpenIDConnectProviders',
  'iam:GetOpenIDConnectProvider',
  'servicequotas:ListServiceQuotas',
  'servicequotas:ListAWSDefaultServiceQuotas',
  'lambda:GetAccountSettings',
  'lambda:GetFunctionConcurrency',
  's3:ListBucket',
] as const;

export interface DoctorClients {
  readonly sts: STSClient;
  readonly ssm: SSMClient;
  readonly cloudformation: CloudFormationClient;
  readonly iam: IAMClient;
  readonly serviceQuotas: ServiceQuotasClient;
  readonly lambda: LambdaClient;
  readonly s3: S3Client;
}

export interface ClientOptions {
  readonly region: string;
  /**
   * One endpoint for every service (tests). Without it the SDK's own resolution applies, which honours
   * `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>` (moto, LocalStack).
   * @default the SDK's resolution
   */
  readonly endpoint?: string;
  /**
   * Static credentials (tests against an emulator).
   * @default the SDK's provider chain
   */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /**
   * Path-style S3 addressing, which an emulator on one host needs.
   * @default true when `endpoint` is given
   */
  readonly forcePathStyle?: boolean;
}

export function createClients(options: ClientOptions): DoctorClients {
  const { region, endpoint, credentials } = options;
  const base = {
    region,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(credentials === undefined ? {} : { credentials: { ...credentials } }),
  };
  return {
    sts: new STSClient(base),
    ssm: new SSMClient(base),
    cloudformation: new CloudFormationClient(base),
    iam: new IAMClient(base),
    serviceQuotas: new ServiceQuotasClient(base),
    lambda: new LambdaClient(base),
    s3: new S3Client({ ...base, forcePathStyle: options.forcePathStyle ?? endpoint !== undefined }),
  };
}

export function destroyClients(clients: DoctorClients): void {
  for (const c of Object.values(clients)) c.destroy();
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : '';
}

/** An error in one line (the SDK's messages can span several; the output has one line per check). */
function describe(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.split('\n')[0]?.trim() ?? text;
}

/** A read whose "not found" answer (by error name, or by message for CloudFormation's ValidationError) is `absent`. */
async function read<T>(call: () => Promise<T>, notFound: (err: unknown) => boolean): Promise<Read<T>> {
  try {
    return found(await call());
  } catch (err) {
    return notFound(err) ? absent() : readError(describe(err));
  }
}

const ssmNotFound = (err: unknown) => errorName(err) === 'ParameterNotFound';
const iamNotFound = (err: unknown) => ['NoSuchEntity', 'NoSuchEntityException'].includes(errorName(err));
// CloudFormation answers a missing stack with ValidationError "Stack with id X does not exist".
const stackNotFound = (err: unknown) =>
  errorName(err) === 'ValidationError' && /does not exist/.test((err as Error).message);
const lambdaNotFound = (err: unknown) => errorName(err) === 'ResourceNotFoundException';

async function parameter(ssm: SSMClient, name: string): Promise<Read<string>> {
  return read(
    async () => (await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value ?? '',
    ssmNotFound,
  );
}

async function stack(cfn: CloudFormationClient, name: string): Promise<Read<CfnStack>> {
  const r = await read(
    async () => (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0],
    stackNotFound,
  );
  if (r.kind === 'found' && r.value === undefined) return absent();
  return r as Read<CfnStack>;
}

function toolkitOf(s: CfnStack): ToolkitStack {
  const value =
    s.Parameters?.find((p) => p.ParameterKey === 'CloudFormationExecutionPolicies')?.ParameterValue ?? '';
  return { status: s.StackStatus ?? 'UNKNOWN', executionPolicies: parseExecutionPolicies(value) };
}

/** The scoped execution policies that exist (iam:GetPolicy of each); a read error other than "not found" fails it. */
async function scopedPolicies(iam: IAMClient, arns: readonly string[]): Promise<ScopedPolicies> {
  const existing: string[] = [];
  for (const arn of arns) {
    const r = await read(async () => iam.send(new GetPolicyCommand({ PolicyArn: arn })), iamNotFound);
    if (r.kind === 'error') return r;
    if (r.kind === 'found') existing.push(arn);
  }
  return found(existing);
}

async function oidcProviders(iam: IAMClient): Promise<Read<readonly OidcProvider[]>> {
  try {
    const list = await iam.send(new ListOpenIDConnectProvidersCommand({}));
    const providers: OidcProvider[] = [];
    for (const { Arn } of list.OpenIDConnectProviderList ?? []) {
      if (!Arn) continue;
      const p = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: Arn }));
      providers.push({ arn: Arn, url: p.Url ?? '', clientIds: p.ClientIDList ?? [] });
    }
    return found(providers);
  } catch (err) {
    return readError(describe(err));
  }
}

function quotaOf(q: SdkServiceQuota): ServiceQuota | undefined {
  return q.QuotaName && q.QuotaCode && q.Value !== undefined
    ? { quotaName: q.QuotaName, quotaCode: q.QuotaCode, value: q.Value }
    : undefined;
}

/**
 * A service's quotas named `names`: the applied values (ListServiceQuotas), and for a name it does not list (it
 * lists only quotas with an applied value) the AWS default (ListAWSDefaultServiceQuotas).
 */
export async function serviceQuotas(
  client: ServiceQuotasClient,
  serviceCode: string,
  names: readonly string[],
): Promise<Read<readonly ServiceQuota[]>> {
  try {
    const applied: ServiceQuota[] = [];
    for await (const page of paginateListServiceQuotas({ client }, { ServiceCode: serviceCode }))
      applied.push(...(page.Quotas ?? []).map(quotaOf).filter((q): q is ServiceQuota => q !== undefined));
    const missing = names.filter((n) => !applied.some((q) => q.quotaName === n));
    const defaults: ServiceQuota[] = [];
    if (missing.length > 0)
      for await (const page of paginateListAWSDefaultServiceQuotas({ client }, { ServiceCode: serviceCode }))
        defaults.push(
          ...(page.Quotas ?? [])
            .map(quotaOf)
            .filter((q): q is ServiceQuota => q !== undefined && missing.includes(q.quotaName)),
        );
    return found([...applied.filter((q) => names.includes(q.quotaName)), ...defaults]);
  } catch (err) {
    return readError(describe(err));
  }
}

async function lambdaConcurrency(
  lambda: LambdaClient,
  functionName: string,
): Promise<Read<LambdaConcurrency>> {
  try {
    const settings = await lambda.send(new GetAccountSettingsCommand({}));
    const limit = settings.AccountLimit?.ConcurrentExecutions;
    const unreserved = settings.AccountLimit?.UnreservedConcurrentExecutions;
    if (limit === undefined || unreserved === undefined)
      return readError('GetAccountSettings returned no AccountLimit');
    const own = await read(
      async () =>
        (await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: functionName })))
          .ReservedConcurrentExecutions ?? 0,
      lambdaNotFound,
    );
    if (own.kind === 'error') return own;
    return found({ limit, unreserved, invokerReserved: own.kind === 'found' ? own.value : 0 });
  } catch (err) {
    return readError(describe(err));
  }
}

async function datasetSplits(s3: S3Client, bucket: string): Promise<Read<Record<DatasetSplit, boolean>>> {
  try {
    const entries = await Promise.all(
      DATASET_SPLITS.map(async (split) => {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: datasetSplitPrefix(split), MaxKeys: 1 }),
        );
        return [split, (page.KeyCount ?? page.Contents?.length ?? 0) > 0] as const;
      }),
    );
    return found(Object.fromEntries(entries) as Record<DatasetSplit, boolean>);
  } catch (err) {
    return readError(describe(err));
  }
}

export interface AwsCheckOptions {
  readonly spec: PlatformSpec;
  /** The region the clients were created for. */
  readonly region: string;
  /** The bootstrap version the templates require (bootstrap-version.ts); asked only once credentials work. */
  readonly requiredBootstrapVersion: () => Promise<number>;
}

/** Ids of the checks that need an AWS identity: skipped, with the reason, when there is none. */
const AWS_CHECK_IDS = [
  'cdk-bootstrap',
  'cdk-execution-policy',
  'github-oidc-provider',
  'quotas',
  'dataset',
] as const;

export interface AwsCheckOutcome {
  readonly results: CheckResult[];
  /** The account and region checked; absent when there was no AWS identity. */
  readonly target?: Target;
}

/** Checks 1 to 5: credentials and region, CDK bootstrap, the OIDC provider, service quotas, the dataset. */
export async function runAwsChecks(
  clients: DoctorClients,
  options: AwsCheckOptions,
): Promise<AwsCheckOutcome> {
  const { spec, region } = options;
  const identity = await read(
    async () => {
      const r = await clients.sts.send(new GetCallerIdentityCommand({}));
      return { account: r.Account ?? '', arn: r.Arn ?? '' };
    },
    () => false,
  );
  const results: CheckResult[] = [checkCredentials(spec, identity), checkRegion(spec, region)];
  if (identity.kind !== 'found') {
    for (const id of AWS_CHECK_IDS)
      results.push({ id, status: 'skip', message: 'needs working AWS credentials (see credentials)' });
    return { results };
  }
  const target: Target = {
    account: identity.value.account,
    partition: identity.value.arn.split(':')[1] || 'aws',
    region,
  };

  const required = await options.requiredBootstrapVersion();
  // Both checks' fixes depend on it: without both policies, the boundary stack is deployed before the bootstrap.
  const scoped = await scopedPolicies(clients.iam, executionPolicyArns(spec, target));
  results.push(
    checkBootstrapVersion({
      spec,
      target,
      required,
      parameter: await parameter(clients.ssm, bootstrapVersionParameter(spec)),
      scopedPolicies: scoped,
    }),
  );
  const toolkit = await stack(clients.cloudformation, 'CDKToolkit');
  results.push(
    checkExecutionPolicy({
      spec,
      target,
      toolkit: toolkit.kind === 'found' ? found(toolkitOf(toolkit.value)) : toolkit,
      scopedPolicies: scoped,
    }),
  );

  const ciStack = await stack(clients.cloudformation, projectStackName(spec, 'ci'));
  results.push(
    checkOidcProvider({
      spec,
      providers: await oidcProviders(clients.iam),
      ciStackExists: ciStack.kind === 'found',
    }),
  );

  const needs = quotaNeeds(spec);
  const sagemakerQuotas = await serviceQuotas(
    clients.serviceQuotas,
    'sagemaker',
    needs.map((n) => n.quotaName),
  );
  for (const need of needs) results.push(checkQuota(need, sagemakerQuotas, region));
  const concurrency = await lambdaConcurrency(clients.lambda, spec.invoker.functionName);
  const lambdaQuotas =
    concurrency.kind === 'found'
      ? await serviceQuotas(clients.serviceQuotas, 'lambda', [LAMBDA_CONCURRENCY_QUOTA_NAME])
      : absent<readonly ServiceQuota[]>();
  results.push(checkLambdaConcurrency(spec, concurrency, lambdaQuotas, region));

  const bucket = await parameter(clients.ssm, ssmParameterNames(spec).dataBucket);
  results.push(
    checkDataset({
      spec,
      bucket,
      splits: bucket.kind === 'found' ? await datasetSplits(clients.s3, bucket.value) : absent(),
    }),
  );
  return { results, target };
}
