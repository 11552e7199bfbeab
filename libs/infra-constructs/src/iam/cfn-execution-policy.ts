/**
 * The scoped CloudFormation execution policy: the managed policy `cdk bootstrap --cloudformation-execution-policies`
 * attaches to CDK's CloudFormation execution role instead of AdministratorAccess. The CI deploy roles can only ask
 * CloudFormation (through CDK's deploy role) to deploy; with AdministratorAccess behind it a deploy could do anything,
 * so the permissions boundary would not bound it. This policy holds what the pipeline-deployed stacks' resource types
 * need (`CFN_RESOURCE_ACTIONS`), scoped to the project's resources where IAM allows; roles only with the project's
 * permissions boundary; and it denies any change to what the administrator owns (the CI and people roles, the
 * boundary, this policy, the OIDC provider). It lives in the administrator's `<project>-boundary` stack, which the
 * pipeline never deploys.
 */
import { Aws, aws_iam as iam, CfnResource, Stack } from 'aws-cdk-lib';
import { cfnExecutionPolicyNames, CiStage, type PlatformSpec } from '@dogbreed/platform-spec';
import { Construct, type IConstruct } from 'constructs';
import { accessNames, PEOPLE_ROLE_KINDS, sageMakerArnName } from '../access/names.js';
import { permissionsBoundaryArn } from '../access/permissions-boundary.js';
import { InfraPropsError } from '../errors.js';
import { acknowledgeWildcards } from '../nag.js';
import { CFN_RESOURCE_ACTIONS, type ActionGrant, type ActionScope } from './cfn-resource-actions.js';

/** The CloudFormation resource types of the stacks' constructs (what their templates will hold), sorted. */
export function cfnResourceTypes(stacks: readonly Stack[]): string[] {
  const types = new Set<string>();
  for (const stack of stacks)
    for (const c of stack.node.findAll() as IConstruct[])
      if (CfnResource.isCfnResource(c) && Stack.of(c) === stack) types.add(c.cfnResourceType);
  return [...types].sort();
}

/** The types the table lacks (a new resource type needs a row before the pipeline can deploy it). */
export function unknownResourceTypes(types: readonly string[]): string[] {
  return types.filter((t) => !(t in CFN_RESOURCE_ACTIONS) && t !== 'AWS::CDK::Metadata');
}

/** The resources each scope names (ARNs in the stack's partition, account and region). */
function scopeResources(spec: PlatformSpec, scope: ActionScope): string[] {
  const p = spec.project.name;
  const lower = p.toLowerCase();
  const regional = (service: string, resource: string) =>
    `arn:${Aws.PARTITION}:${service}:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
  const iamArn = (resource: string) => `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:${resource}`;
  const endpoints = [spec.endpoints.single.name, spec.endpoints.multi.name];
  const qualifier = spec.ci.bootstrap.qualifier;
  switch (scope) {
    case 'role':
    case 'roleWithBoundary':
    case 'passRole':
      return [iamArn(`role/${p}-*`)];
    case 'instanceProfile':
      return [iamArn(`instance-profile/${p}-*`)];
    case 'serviceLinkedRole':
      return [iamArn('role/aws-service-role/*')];
    case 'function':
      return [regional('lambda', `function:${p}-*`)];
    case 'bucket':
      return [`arn:${Aws.PARTITION}:s3:::${lower}-*`];
    case 'assets':
      return [`arn:${Aws.PARTITION}:s3:::cdk-${qualifier}-assets-${Aws.ACCOUNT_ID}-${Aws.REGION}/*`];
    case 'topic':
      return [regional('sns', `${p}-*`)];
    case 'alarm':
      return [regional('cloudwatch', `alarm:${p}-*`)];
    case 'scalingAlarm':
      return endpoints.map((e) => regional('cloudwatch', `alarm:TargetTracking-endpoint/${e}/*`));
    case 'logGroup':
      // Generated names start with the stack name; Lambda's own group is /aws/lambda/<function>.
      return [regional('logs', `log-group:${p}-*`), regional('logs', `log-group:/aws/lambda/${p}-*`)];
    case 'parameter':
      return [regional('ssm', `parameter/${p}/*`)];
    case 'endpoint':
      return endpoints.map((e) => regional('sagemaker', `endpoint/${sageMakerArnName(e)}`));
    case 'sagemaker':
      return [regional('sagemaker', 'model/*'), regional('sagemaker', 'endpoint-config/*')];
    case 'key':
    case 'keyGrant':
      return [regional('kms', 'key/*')];
    case 'ec2':
      return [regional('ec2', '*')];
    case 'unscoped':
      return ['*'];
  }
}

function conditionsFor(
  spec: PlatformSpec,
  grant: ActionGrant,
  services: readonly string[],
): Record<string, Record<string, unknown>> | undefined {
  switch (grant.scope) {
    case 'roleWithBoundary':
      return { StringEquals: { 'iam:PermissionsBoundary': permissionsBoundaryArn(spec) } };
    case 'passRole':
      return { StringEquals: { 'iam:PassedToService': services.length === 1 ? services[0] : services } };
    case 'serviceLinkedRole':
      return { StringEquals: { 'iam:AWSServiceName': grant.service } };
    case 'keyGrant':
      return { Bool: { 'kms:GrantIsForAWSResource': 'true' } };
    default:
      return undefined;
  }
}

/**
 * Services whose read-only calls (Describe*, Get*, List*) the policy grants as one wildcard per verb on the same
 * scope: IAM counts a managed policy's characters (6,144 at most), and the handlers read many attributes. Not S3 or
 * CloudWatch Logs, whose Get* would read data (objects, log events) rather than settings.
 */
const READ_WILDCARD_SERVICES = new Set([
  'application-autoscaling',
  'cloudwatch',
  'iam',
  'kms',
  'lambda',
  'sagemaker',
  'sns',
  'ssm',
]);

/** The actions with each read-only call of a {@link READ_WILDCARD_SERVICES} service folded into `service:Verb*`. */
export function foldReadActions(actions: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const a of actions) {
    const m = /^([a-z0-9-]+):(Describe|Get|List)[A-Za-z0-9]*$/.exec(a);
    out.add(m?.[1] && READ_WILDCARD_SERVICES.has(m[1]) ? `${m[1]}:${m[2]}*` : a);
  }
  return [...out].sort();
}

/** What the administrator owns: never changed by a pipeline deploy, whatever a template asks for. */
function adminOwnedArns(spec: PlatformSpec): string[] {
  const iamArn = (resource: string) => `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:${resource}`;
  const names = accessNames(spec);
  const p = spec.project.name;
  // The CI roles by the prefix they share when they do (the defaults: <project>-ci-), else one by one.
  const ciRoles = CiStage.options.map((s) => spec.ci.roles[s].roleName);
  const ci = ciRoles.every((r) => r.startsWith(`${p}-ci-`)) ? [`${p}-ci-*`] : ciRoles;
  return [
    ...ci.map((r) => iamArn(`role/${r}`)),
    ...PEOPLE_ROLE_KINDS.map((k) => iamArn(`role/${names[`${k}Role`]}`)),
    // The access stack's generated role names (the notebook's execution role).
    iamArn(`role/${p}-access-*`),
    iamArn(`policy/${names.permissionsBoundaryPolicy}`),
    ...cfnExecutionPolicyNames(spec).map((n) => iamArn(`policy/${n}`)),
    iamArn('oidc-provider/*'),
  ];
}

/**
 * Which of the two policies holds a scope's statement. IAM allows 6,144 characters in a managed policy and the
 * pipeline stacks need more, so the grants are split in two fixed halves (fixed, so switching an optional part of the
 * spec on never changes how many policies the bootstrap names): 0 = identity, network and the unscoped calls, 1 =
 * data, serving and monitoring. Both carry the denies, so neither grants more than its share even alone.
 */
const POLICY_PART: Readonly<Record<ActionScope, 0 | 1>> = {
  role: 0,
  roleWithBoundary: 0,
  instanceProfile: 0,
  passRole: 0,
  serviceLinkedRole: 0,
  ec2: 0,
  unscoped: 0,
  function: 1,
  bucket: 1,
  assets: 1,
  topic: 1,
  alarm: 1,
  scalingAlarm: 1,
  logGroup: 1,
  parameter: 1,
  endpoint: 1,
  sagemaker: 1,
  key: 1,
  keyGrant: 1,
};

/** IAM's limit on a managed policy's characters (whitespace not counted). */
export const MANAGED_POLICY_MAX_CHARS = 6144;

/**
 * The statements of the two policies for the given resource types: one Allow per scope (and per condition) in its
 * part, then in each the Deny of changes to what the administrator owns and of other regions. A pure function, so the
 * IAM simulator tests exactly what is deployed.
 */
export function cfnExecutionPolicyParts(
  spec: PlatformSpec,
  resourceTypes: readonly string[],
): [iam.PolicyStatement[], iam.PolicyStatement[]] {
  const parts: [iam.PolicyStatement[], iam.PolicyStatement[]] = [[], []];
  for (const [scope, statement] of allowStatements(spec, resourceTypes))
    parts[POLICY_PART[scope]].push(statement);
  return [
    [...parts[0], ...denyStatements(spec)],
    [...parts[1], ...denyStatements(spec)],
  ];
}

/** Every statement of both policies (their union is what CloudFormation may do). */
export function cfnExecutionStatements(
  spec: PlatformSpec,
  resourceTypes: readonly string[],
): iam.PolicyStatement[] {
  const [a, b] = cfnExecutionPolicyParts(spec, resourceTypes);
  return [...a, ...b.filter((st) => st.effect === iam.Effect.ALLOW)];
}

function allowStatements(
  spec: PlatformSpec,
  resourceTypes: readonly string[],
): [ActionScope, iam.PolicyStatement][] {
  const unknown = unknownResourceTypes(resourceTypes);
  if (unknown.length > 0)
    throw new InfraPropsError(
      `CfnExecutionPolicy: no CloudFormation execution permissions for resource type(s) ${unknown.join(', ')}: add a row to CFN_RESOURCE_ACTIONS (libs/infra-constructs/src/iam/cfn-resource-actions.ts)`,
    );
  // Group the actions by scope and condition: one statement each, actions sorted (a stable template).
  const groups = new Map<string, { grant: ActionGrant; actions: Set<string>; services: Set<string> }>();
  for (const type of resourceTypes)
    for (const grant of CFN_RESOURCE_ACTIONS[type] ?? []) {
      // PassRole: one statement whose condition lists every service a project role is passed to.
      const key = `${grant.scope}|${grant.scope === 'passRole' ? '' : (grant.service ?? '')}`;
      const group = groups.get(key) ?? { grant, actions: new Set<string>(), services: new Set<string>() };
      for (const a of grant.actions) group.actions.add(a);
      if (grant.service) group.services.add(grant.service);
      groups.set(key, group);
    }
  const sid = (grant: ActionGrant) => grant.scope.replace(/^./, (c) => c.toUpperCase());
  const allows = [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, { grant, actions, services }]) => {
      const conditions = conditionsFor(spec, grant, [...services].sort());
      const statement = new iam.PolicyStatement({
        sid: sid(grant),
        actions: foldReadActions(actions),
        resources: scopeResources(spec, grant.scope),
        ...(conditions ? { conditions } : {}),
      });
      return [grant.scope, statement] as [ActionScope, iam.PolicyStatement];
    });
  return allows;
}

function denyStatements(spec: PlatformSpec): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'DenyAdministratorOwned',
      effect: iam.Effect.DENY,
      actions: ['iam:*'],
      resources: adminOwnedArns(spec),
    }),
    new iam.PolicyStatement({
      sid: 'DenyOtherRegions',
      effect: iam.Effect.DENY,
      notActions: ['iam:*', 'route53:*'],
      resources: ['*'],
      conditions: { StringNotEquals: { 'aws:RequestedRegion': [spec.project.region] } },
    }),
  ];
}

export interface CfnExecutionPolicyProps {
  /** The spec: the policy names (`cfnExecutionPolicyNames`), the project's names, region and boundary. */
  readonly spec: PlatformSpec;
  /**
   * The CloudFormation resource types of the stacks deployed through the policy (see {@link cfnResourceTypes}).
   * Every one must have a row in `CFN_RESOURCE_ACTIONS`.
   */
  readonly resourceTypes: readonly string[];
}

/**
 * The two customer managed policies `cfnExecutionPolicyNames(spec)` for CDK's CloudFormation execution role
 * (`cdk bootstrap --cloudformation-execution-policies arn:aws:iam::ACCOUNT:policy/NAME,arn:aws:iam::ACCOUNT:policy/NAME-2`).
 */
export class CfnExecutionPolicy extends Construct {
  /** The two managed policies, in the order of `cfnExecutionPolicyNames`. */
  public readonly policies: readonly [iam.ManagedPolicy, iam.ManagedPolicy];
  /** The resource types the policies cover. */
  public readonly resourceTypes: readonly string[];

  constructor(scope: Construct, id: string, props: CfnExecutionPolicyProps) {
    super(scope, id);
    if (props.resourceTypes.length === 0)
      throw new InfraPropsError('CfnExecutionPolicy: resourceTypes must name at least one resource type');
    this.resourceTypes = [...props.resourceTypes];
    const names = cfnExecutionPolicyNames(props.spec);
    const parts = cfnExecutionPolicyParts(props.spec, props.resourceTypes);
    const policy = (i: 0 | 1) =>
      new iam.ManagedPolicy(this, i === 0 ? 'Policy' : 'Policy2', {
        managedPolicyName: names[i],
        description: `CloudFormation execution policy ${i + 1}/2 of the ${props.spec.project.name} pipeline stacks (cdk bootstrap --cloudformation-execution-policies)`,
        statements: parts[i],
      });
    this.policies = [policy(0), policy(1)];
    acknowledgeWildcards(
      this,
      "CloudFormation creates resources whose names or ids it generates: the project's are matched by the project-name " +
        'prefix where names carry it, by account and region where ids are random (EC2, KMS, SageMaker models and ' +
        'endpoint configs), and "*" only for the actions IAM cannot scope (creates of random-id resources, describes, ' +
        'Application Auto Scaling); read-only action groups (Describe*, Get*, List*; s3:GetBucket*) and bucket ' +
        'settings (s3:PutBucket*) on project resources only.',
      [
        /^Resource::\*$/,
        /^Resource::arn:.*$/,
        /^Action::(ec2:Describe|s3:GetBucket|s3:PutBucket)\*$/,
        /^Action::[a-z-]+:(Describe|Get|List)\*$/,
      ],
    );
  }
}
