/**
 * The pre-flight checks of `npm run doctor` as pure functions: each takes what was read from the account (or the
 * repository) and the platform spec, and returns one result that says what was found and, unless it is ok, exactly
 * what to do (a command or a settings path). No AWS call happens here; `aws.ts` reads the facts, `main.ts` prints.
 */
import {
  cfnExecutionPolicyNames,
  endpointList,
  S3_PREFIXES,
  ssmParameterNames,
  type PlatformSpec,
  type TrainingMode,
} from '@dogbreed/platform-spec';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** Stable name of the check, e.g. `cdk-bootstrap` or `quota: ml.m5.large for endpoint usage`. */
  readonly id: string;
  readonly status: CheckStatus;
  /** What was found. */
  readonly message: string;
  /** What to do about it: a command or a settings path. Absent when there is nothing to do. */
  readonly fix?: string;
}

/** One read from the account: the value, nothing there (a documented "not found"), or another error. */
export type Read<T> =
  | { readonly kind: 'found'; readonly value: T }
  | { readonly kind: 'absent' }
  | { readonly kind: 'error'; readonly message: string };

export const found = <T>(value: T): Read<T> => ({ kind: 'found', value });
export const absent = <T>(): Read<T> => ({ kind: 'absent' });
export const readError = <T>(message: string): Read<T> => ({ kind: 'error', message });

/** Where the checks run: the identity STS returned and the region the clients use. */
export interface Target {
  readonly account: string;
  /** `aws`, `aws-cn`, `aws-us-gov`: from the caller's ARN, for the ARNs the fixes name. */
  readonly partition: string;
  readonly region: string;
}

function result(id: string, status: CheckStatus, message: string, fix?: string): CheckResult {
  return fix === undefined ? { id, status, message } : { id, status, message, fix };
}

function couldNotRead(id: string, what: string, message: string, permission: string): CheckResult {
  const refused = /AccessDenied|not authorized|Unauthorized|Forbidden/i.test(message);
  return result(
    id,
    'fail',
    `could not read ${what}: ${message}`,
    refused
      ? `grant the caller ${permission} (read only)`
      : `see the error (credentials, network, endpoint or region) and run again; the read needs ${permission}`,
  );
}

/** The stack name CDK gives a part of the app (`infra-constructs` stackName(): `<project>-<part>`). */
export function projectStackName(spec: PlatformSpec, part: 'boundary' | 'ci' | 'data'): string {
  return `${spec.project.name}-${part}`;
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Credentials, account and region

export interface CallerIdentity {
  readonly account: string;
  readonly arn: string;
}

export function checkCredentials(spec: PlatformSpec, identity: Read<CallerIdentity>): CheckResult {
  const id = 'credentials';
  if (identity.kind !== 'found')
    return result(
      id,
      'fail',
      `STS GetCallerIdentity failed: ${identity.kind === 'error' ? identity.message : 'no identity'}`,
      'give the shell AWS credentials for the target account (AWS_PROFILE=... or `aws sso login`; in GitHub Actions ' +
        'the aws-actions/configure-aws-credentials step before this one)',
    );
  const { account, arn } = identity.value;
  const want = spec.project.account;
  if (want !== undefined && want !== account)
    return result(
      id,
      'fail',
      `credentials are for account ${account} (${arn}), but spec project.account is ${want}`,
      `use credentials of account ${want}, or change spec project.account`,
    );
  return result(
    id,
    'ok',
    `account ${account} as ${arn}${want === undefined ? ' (spec project.account unset: any account)' : ''}`,
  );
}

export function checkRegion(spec: PlatformSpec, region: string): CheckResult {
  if (region === spec.project.region) return result('region', 'ok', `${region} (spec project.region)`);
  return result(
    'region',
    'warn',
    `checking ${region}, but the stacks deploy to spec project.region ${spec.project.region}`,
    `run without --region (or with --region ${spec.project.region}), or change spec project.region`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// 2. CDK bootstrap

/** The SSM parameter CDK's bootstrap stack writes its version to (DefaultStackSynthesizer's default). */
export function bootstrapVersionParameter(spec: PlatformSpec): string {
  return `/cdk-bootstrap/${spec.ci.bootstrap.qualifier}/version`;
}

/**
 * The scoped CloudFormation execution policies the bootstrap must name instead of AdministratorAccess, in the order
 * of `cfnExecutionPolicyNames` (two: IAM caps one managed policy at 6,144 characters).
 */
export function executionPolicyArns(spec: PlatformSpec, target: Target): readonly string[] {
  return cfnExecutionPolicyNames(spec).map(
    (name) => `arn:${target.partition}:iam::${target.account}:policy/${name}`,
  );
}

/**
 * `cdk bootstrap` as the set-up runs it: the spec's qualifier, the scoped execution policies. They go as one
 * comma-joined, quoted value: the CDK CLI passes it to the template's CommaDelimitedList parameter as it is.
 */
export function bootstrapCommand(spec: PlatformSpec, target: Target): string {
  return (
    `npx cdk bootstrap aws://${target.account}/${target.region} --qualifier ${spec.ci.bootstrap.qualifier} ` +
    `--cloudformation-execution-policies "${executionPolicyArns(spec, target).join(',')}"`
  );
}

/** `infra:deploy` of stacks that an administrator deploys with their own credentials (boundary, ci). */
function adminDeployCommand(stacks: string): string {
  return `npx nx run infra:deploy --args="${stacks} --require-approval broadening"`;
}

/**
 * The existing scoped execution policies, by ARN (iam:GetPolicy of each of `executionPolicyArns`); `found` holds
 * those that exist, so the set-up is complete only when it holds all of them.
 */
export type ScopedPolicies = Read<readonly string[]>;

function allScopedPoliciesExist(spec: PlatformSpec, target: Target, scoped: ScopedPolicies): boolean {
  return (
    scoped.kind === 'found' && executionPolicyArns(spec, target).every((arn) => scoped.value.includes(arn))
  );
}

/**
 * What an administrator runs to bootstrap: `cdk bootstrap` names policies that the boundary stack creates (CloudFormation
 * refuses a role whose managed policy does not exist), so unless both exist the boundary stack comes first; it needs no
 * bootstrap (CDK's LegacyStackSynthesizer). The `first` bootstrap is followed by the CI stack, deployed with the same
 * credentials; `again` (a bootstrap that names other policies) updates the toolkit stack in place.
 */
function bootstrapFix(
  spec: PlatformSpec,
  target: Target,
  scoped: ScopedPolicies,
  when: 'first' | 'again',
): string {
  const boundary = projectStackName(spec, 'boundary');
  const steps = [
    ...(allScopedPoliciesExist(spec, target, scoped)
      ? []
      : [
          `deploy ${boundary} (it needs no bootstrap: LegacyStackSynthesizer; it creates ` +
            `${cfnExecutionPolicyNames(spec).join(' and ')}): ${adminDeployCommand(boundary)}`,
        ]),
    `${when === 'again' ? 're-bootstrap' : 'bootstrap'}: ${bootstrapCommand(spec, target)}`,
    ...(when === 'first'
      ? [`deploy ${projectStackName(spec, 'ci')}: ${adminDeployCommand(projectStackName(spec, 'ci'))}`]
      : []),
  ];
  return `as an administrator, ${steps.join('; then ')}`;
}

export interface BootstrapVersionInput {
  readonly spec: PlatformSpec;
  readonly target: Target;
  /** The version the synthesized templates' CheckBootstrapVersion rule requires (bootstrap-version.ts). */
  readonly required: number;
  /** The value of `/cdk-bootstrap/<qualifier>/version`. */
  readonly parameter: Read<string>;
  /** Which scoped execution policies exist: without both, the fix deploys the boundary stack first. */
  readonly scopedPolicies: ScopedPolicies;
}

export function checkBootstrapVersion(input: BootstrapVersionInput): CheckResult {
  const { spec, target, required, parameter, scopedPolicies } = input;
  const id = 'cdk-bootstrap';
  const name = bootstrapVersionParameter(spec);
  const fix = bootstrapFix(spec, target, scopedPolicies, 'first');
  if (parameter.kind === 'error') return couldNotRead(id, name, parameter.message, 'ssm:GetParameter on it');
  if (parameter.kind === 'absent')
    return result(
      id,
      'fail',
      `${target.account}/${target.region} is not bootstrapped with qualifier ${spec.ci.bootstrap.qualifier} (no SSM ${name})`,
      fix,
    );
  const version = Number(parameter.value);
  if (!Number.isInteger(version))
    return result(id, 'fail', `SSM ${name} holds "${parameter.value}", not a version number`, fix);
  if (version < required)
    return result(
      id,
      'fail',
      `bootstrap version ${version}; the synthesized templates require ≥ ${required} (their CheckBootstrapVersion rule)`,
      fix,
    );
  return result(id, 'ok', `bootstrap version ${version} (templates require ≥ ${required})`);
}

export interface ToolkitStack {
  readonly status: string;
  /** The `CloudFormationExecutionPolicies` parameter, split at commas; empty = CDK's default, AdministratorAccess. */
  readonly executionPolicies: readonly string[];
}

/**
 * The `CloudFormationExecutionPolicies` parameter's value as DescribeStacks returns it: CDK's template declares it a
 * CommaDelimitedList, whose value CloudFormation gives back as the one string it was given (`arn1,arn2`).
 */
export function parseExecutionPolicies(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

export interface ExecutionPolicyInput {
  readonly spec: PlatformSpec;
  readonly target: Target;
  /** The `CDKToolkit` stack. */
  readonly toolkit: Read<ToolkitStack>;
  /** Which scoped policies exist (the boundary stack creates them). */
  readonly scopedPolicies: ScopedPolicies;
}

/** CloudFormation states in which the bootstrap stack's resources are in place and usable. */
const USABLE_STACK_STATES = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE']);

/** Whether the bootstrap names exactly the scoped policies, in any order, each once. */
function namesExactly(named: readonly string[], wanted: readonly string[]): boolean {
  const set = new Set(named);
  return named.length === wanted.length && set.size === wanted.length && wanted.every((w) => set.has(w));
}

export function checkExecutionPolicy(input: ExecutionPolicyInput): CheckResult {
  const { spec, target, toolkit, scopedPolicies } = input;
  const id = 'cdk-execution-policy';
  const scoped = executionPolicyArns(spec, target);
  if (toolkit.kind === 'error')
    return couldNotRead(id, 'the CDKToolkit stack', toolkit.message, 'cloudformation:DescribeStacks');
  if (toolkit.kind === 'absent')
    return result(
      id,
      'fail',
      `no CDKToolkit stack in ${target.account}/${target.region}`,
      bootstrapFix(spec, target, scopedPolicies, 'first'),
    );
  const { status, executionPolicies } = toolkit.value;
  if (!USABLE_STACK_STATES.has(status))
    return result(
      id,
      'fail',
      `the CDKToolkit stack is ${status}`,
      `aws cloudformation describe-stack-events --stack-name CDKToolkit --region ${target.region}; once it is ` +
        `settled (a ROLLBACK_COMPLETE stack must be deleted first): ${bootstrapCommand(spec, target)}`,
    );
  if (namesExactly(executionPolicies, scoped))
    return result(id, 'ok', `CloudFormation deploys with ${scoped.join(' and ')} (not AdministratorAccess)`);
  const named =
    executionPolicies.length === 0
      ? 'no policy, so CDK gave it AdministratorAccess'
      : executionPolicies.join(', ');
  return result(
    id,
    'warn',
    `the bootstrap's CloudFormation execution role has ${named}: deploys are not bounded by the scoped policies ` +
      scoped.join(' and '),
    bootstrapFix(spec, target, scopedPolicies, 'again'),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// 3. The GitHub OIDC provider

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
/** The audience aws-actions/configure-aws-credentials asks GitHub for. */
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';

export interface OidcProvider {
  readonly arn: string;
  /** As IAM returns it: without the scheme, e.g. `token.actions.githubusercontent.com`. */
  readonly url: string;
  readonly clientIds: readonly string[];
}

export interface OidcInput {
  readonly spec: PlatformSpec;
  /** Every OIDC provider of the account (ListOpenIDConnectProviders, each with GetOpenIDConnectProvider). */
  readonly providers: Read<readonly OidcProvider[]>;
  /** Whether the CI stack exists (it creates the provider unless the spec names an existing one). */
  readonly ciStackExists: boolean;
}

export function checkOidcProvider(input: OidcInput): CheckResult {
  const { spec, providers, ciStackExists } = input;
  const id = 'github-oidc-provider';
  const ci = projectStackName(spec, 'ci');
  if (providers.kind === 'error')
    return couldNotRead(
      id,
      'the OIDC providers',
      providers.message,
      'iam:ListOpenIDConnectProviders and iam:GetOpenIDConnectProvider',
    );
  const all = providers.kind === 'found' ? providers.value : [];
  const github = all.find((p) => p.url.replace(/^https:\/\//, '').replace(/\/$/, '') === GITHUB_OIDC_HOST);
  const wanted = spec.ci.existingOidcProviderArn;
  const audienceFix = (arn: string) =>
    `aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ${arn} --client-id ${GITHUB_OIDC_AUDIENCE}`;
  if (wanted !== undefined && github?.arn !== wanted)
    return result(
      id,
      'fail',
      `spec ci.existingOidcProviderArn is ${wanted}, but the account has ${github ? github.arn : 'no GitHub OIDC provider'}`,
      github
        ? `set spec ci.existingOidcProviderArn to ${github.arn}`
        : `remove ci.existingOidcProviderArn from the spec (${ci} then creates the provider), or create it: ` +
            `aws iam create-open-id-connect-provider --url https://${GITHUB_OIDC_HOST} --client-id-list ${GITHUB_OIDC_AUDIENCE}`,
    );
  if (!github)
    return result(
      id,
      'fail',
      `no OIDC provider for ${GITHUB_OIDC_HOST}: no workflow can assume its role`,
      `as an administrator, deploy the CI stack (it creates the provider): ` +
        `npx nx run infra:deploy --args="${projectStackName(spec, 'boundary')} ${ci} --require-approval broadening"`,
    );
  if (wanted === undefined && !ciStackExists)
    return result(
      id,
      'fail',
      `the account already has ${github.arn}, and ${ci} would create a second one (IAM holds one per URL)`,
      `set spec ci.existingOidcProviderArn to "${github.arn}" (${ci} then imports it)`,
    );
  if (!github.clientIds.includes(GITHUB_OIDC_AUDIENCE))
    return result(
      id,
      'fail',
      `${github.arn} lacks the audience ${GITHUB_OIDC_AUDIENCE} (has: ${github.clientIds.join(', ') || 'none'})`,
      audienceFix(github.arn),
    );
  return result(id, 'ok', `${github.arn}, audience ${GITHUB_OIDC_AUDIENCE}`);
}

// ---------------------------------------------------------------------------------------------------------------
// 4. Service quotas

export interface QuotaNeed {
  /** The Service Quotas service code. */
  readonly service: 'sagemaker';
  /** The quota's name as Service Quotas lists it (codes are opaque: names are matched). */
  readonly quotaName: string;
  readonly needed: number;
  /** Where the number comes from. */
  readonly reason: string;
}

/** The most instances an endpoint can run: its initial count, the policy's maximum, any window's maximum. */
export function maxEndpointInstances(spec: PlatformSpec, initialInstanceCount: number): number {
  const as = spec.autoscaling;
  return Math.max(initialInstanceCount, as.maxInstances, ...as.schedule.map((w) => w.maxInstances ?? 0));
}

/** How many fleets of an endpoint run at once during a blue/green update: the old (blue) and the new (green). */
export const BLUE_GREEN_FLEETS = 2;

/**
 * The SageMaker quotas the spec needs, one per quota name: each endpoint instance type at every endpoint's maximum,
 * doubled for a blue/green update (both endpoints update in one deploy), and each training instance type at the
 * count of each mode that uses it (the train job's matrix runs both modes at once).
 */
export function quotaNeeds(spec: PlatformSpec): QuotaNeed[] {
  const needs = new Map<string, { needed: number; reasons: string[] }>();
  const add = (quotaName: string, count: number, reason: string) => {
    const cur = needs.get(quotaName) ?? { needed: 0, reasons: [] };
    needs.set(quotaName, { needed: cur.needed + count, reasons: [...cur.reasons, reason] });
  };
  for (const ep of endpointList(spec)) {
    const max = maxEndpointInstances(spec, ep.initialInstanceCount);
    add(
      `${ep.instanceType} for endpoint usage`,
      max * BLUE_GREEN_FLEETS,
      `${ep.name}: ${max} at max scale × ${BLUE_GREEN_FLEETS} during a blue/green update`,
    );
  }
  const usage = spec.training.spot ? 'spot training job usage' : 'training job usage';
  const modes: readonly [TrainingMode, string, number][] = [
    ['single', spec.training.singleInstanceType, 1],
    ['multi', spec.training.multiInstanceType, spec.training.multiInstanceCount],
  ];
  for (const [mode, type, count] of modes)
    add(`${type} for ${usage}`, count, `${mode} training: ${count} instance${count === 1 ? '' : 's'}`);
  return [...needs].map(([quotaName, n]) => ({
    service: 'sagemaker',
    quotaName,
    needed: n.needed,
    reason: n.reasons.join('; '),
  }));
}

export interface ServiceQuota {
  readonly quotaName: string;
  readonly quotaCode: string;
  readonly value: number;
}

function increaseCommand(service: string, code: string, desired: number, region: string): string {
  return `aws service-quotas request-service-quota-increase --service-code ${service} --quota-code ${code} --desired-value ${desired} --region ${region}`;
}

export function checkQuota(
  need: QuotaNeed,
  quotas: Read<readonly ServiceQuota[]>,
  region: string,
): CheckResult {
  const id = `quota: ${need.quotaName}`;
  if (quotas.kind === 'error')
    return couldNotRead(
      id,
      `the ${need.service} quotas`,
      quotas.message,
      'servicequotas:ListServiceQuotas and servicequotas:ListAWSDefaultServiceQuotas',
    );
  const quota = (quotas.kind === 'found' ? quotas.value : []).find((q) => q.quotaName === need.quotaName);
  if (!quota)
    return result(
      id,
      'warn',
      `no quota named "${need.quotaName}" in ${region} (needed: ${need.needed}; ${need.reason}): is the instance type offered here?`,
      `Service Quotas console → AWS services → ${need.service} → search "${need.quotaName}"`,
    );
  if (quota.value < need.needed)
    return result(
      id,
      'fail',
      `${quota.value} < ${need.needed} needed (${need.reason})`,
      increaseCommand(need.service, quota.quotaCode, need.needed, region),
    );
  return result(id, 'ok', `${quota.value} ≥ ${need.needed} (${need.reason})`);
}

/**
 * Lambda refuses a reserved concurrency that leaves the account fewer than 100 unreserved executions: "You can reserve
 * up to the Unreserved account concurrency value minus 100. The remaining 100 units of concurrency are for functions
 * that aren't using reserved concurrency." (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html)
 */
export const LAMBDA_MIN_UNRESERVED_CONCURRENCY = 100;
/** The Lambda quota behind GetAccountSettings' AccountLimit.ConcurrentExecutions. */
export const LAMBDA_CONCURRENCY_QUOTA_NAME = 'Concurrent executions';

export interface LambdaConcurrency {
  /** AccountLimit.ConcurrentExecutions. */
  readonly limit: number;
  /** AccountLimit.UnreservedConcurrentExecutions. */
  readonly unreserved: number;
  /** The invoker's reservation now (0 before the serving stack exists): already subtracted from `unreserved`. */
  readonly invokerReserved: number;
}

export function checkLambdaConcurrency(
  spec: PlatformSpec,
  settings: Read<LambdaConcurrency>,
  lambdaQuotas: Read<readonly ServiceQuota[]>,
  region: string,
): CheckResult {
  const id = 'quota: lambda unreserved concurrency';
  if (settings.kind !== 'found')
    return couldNotRead(
      id,
      'the Lambda account settings',
      settings.kind === 'error' ? settings.message : 'no answer',
      'lambda:GetAccountSettings and lambda:GetFunctionConcurrency',
    );
  const { limit, unreserved, invokerReserved } = settings.value;
  const reserve = spec.invoker.reservedConcurrency;
  const after = unreserved + invokerReserved - reserve;
  const min = LAMBDA_MIN_UNRESERVED_CONCURRENCY;
  const what = `account limit ${limit}; after the invoker's ${reserve} reserved, ${after} unreserved`;
  if (after >= min) return result(id, 'ok', `${what} (≥ ${min})`);
  const desired = limit + (min - after);
  const code =
    lambdaQuotas.kind === 'found'
      ? lambdaQuotas.value.find((q) => q.quotaName === LAMBDA_CONCURRENCY_QUOTA_NAME)?.quotaCode
      : undefined;
  return result(
    id,
    'fail',
    `${what}: Lambda refuses a reservation that leaves fewer than ${min} unreserved, so the serving stack fails`,
    code
      ? increaseCommand('lambda', code, desired, region)
      : `Service Quotas console → AWS services → AWS Lambda → "${LAMBDA_CONCURRENCY_QUOTA_NAME}" → request ${desired}`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// 5. The dataset

/** The dataset's split folders (the launcher's DATA_CHANNELS), each under `S3_PREFIXES.datasets`. */
export const DATASET_SPLITS = ['train', 'valid', 'test'] as const;
export type DatasetSplit = (typeof DATASET_SPLITS)[number];

export function datasetSplitPrefix(split: DatasetSplit): string {
  return `${S3_PREFIXES.datasets}${split}/`;
}

/** The documented upload (the launcher's `upload-dataset`), for a local ImageFolder dataset DIR. */
export const UPLOAD_DATASET_COMMAND =
  'npx nx run launcher:build && node dist/apps/launcher/main.js upload-dataset --dir DIR';

export interface DatasetInput {
  readonly spec: PlatformSpec;
  /** The data bucket's name from SSM; absent before the first deploy-infra. */
  readonly bucket: Read<string>;
  /** Whether each split holds at least one object (ListObjectsV2, MaxKeys 1). */
  readonly splits: Read<Readonly<Record<DatasetSplit, boolean>>>;
}

export function checkDataset(input: DatasetInput): CheckResult {
  const { spec, bucket, splits } = input;
  const id = 'dataset';
  const param = ssmParameterNames(spec).dataBucket;
  const upload = `${UPLOAD_DATASET_COMMAND} (an ImageFolder dataset with ${DATASET_SPLITS.map((s) => `${s}/`).join(' ')})`;
  if (bucket.kind === 'error')
    return couldNotRead(id, `SSM ${param}`, bucket.message, 'ssm:GetParameter on it');
  if (bucket.kind === 'absent')
    return result(
      id,
      'warn',
      `no data bucket yet (SSM ${param} does not exist: deploy-infra creates it)`,
      `after deploy-infra, upload the dataset with ${upload}`,
    );
  if (splits.kind !== 'found')
    return couldNotRead(
      id,
      `s3://${bucket.value}/${S3_PREFIXES.datasets}`,
      splits.kind === 'error' ? splits.message : 'no answer',
      `s3:ListBucket on the data bucket (prefix ${S3_PREFIXES.datasets})`,
    );
  const empty = DATASET_SPLITS.filter((s) => !splits.value[s]);
  if (empty.length > 0)
    return result(
      id,
      'fail',
      `s3://${bucket.value} has nothing under ${empty.map(datasetSplitPrefix).join(', ')}: training stops with MissingChannelError`,
      `upload the dataset: ${upload}`,
    );
  return result(id, 'ok', `s3://${bucket.value} holds ${DATASET_SPLITS.map(datasetSplitPrefix).join(', ')}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Summary

export interface Summary {
  readonly ok: number;
  readonly warn: number;
  readonly fail: number;
  readonly skip: number;
}

export function summarize(results: readonly CheckResult[]): Summary {
  const count = (s: CheckStatus) => results.filter((r) => r.status === s).length;
  return { ok: count('ok'), warn: count('warn'), fail: count('fail'), skip: count('skip') };
}

/** The process exit code: 1 when any check failed. */
export function exitCode(results: readonly CheckResult[]): number {
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}
