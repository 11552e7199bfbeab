import {
  Annotations,
  Aspects,
  AspectPriority,
  Aws,
  aws_iam as iam,
  CfnResource,
  Stack,
  Stage,
  type IAspect,
} from 'aws-cdk-lib';
import type { PlatformSpec } from '@dogbreed/platform-spec';
import { Construct, type IConstruct } from 'constructs';
import { InfraPropsError } from '../errors.js';
import { acknowledgeWildcards } from '../nag.js';
import { accessNames } from './names.js';

/**
 * Services the project's roles (people, CI, service and custom-resource roles) may use at most. The boundary
 * allows `<prefix>:*` for each; an identity policy can only narrow this, never widen it.
 */
export const PROJECT_SERVICE_PREFIXES = [
  'sagemaker',
  's3',
  'kms',
  'logs',
  'cloudwatch',
  'application-autoscaling',
  'lambda',
  'ecr',
  'ec2',
  'ssm',
  'ssmmessages',
  'ec2messages',
  'xray',
  'cloudformation',
  'servicequotas',
  'sts',
  'iam',
  'tag',
  'sns',
] as const;

/**
 * Actions that are exempt from the region deny: global services (their API lives in us-east-1 whatever the
 * deployment region) and the few regional calls that address every region at once.
 */
export const GLOBAL_ACTIONS = [
  'iam:*',
  'sts:*',
  'cloudfront:*',
  'route53:*',
  'route53domains:*',
  'support:*',
  'organizations:*',
  'account:*',
  'budgets:*',
  'ce:*',
  'cur:*',
  'health:*',
  'pricing:*',
  'trustedadvisor:*',
  'globalaccelerator:*',
  'waf:*',
  'shield:*',
  's3:ListAllMyBuckets',
  's3:GetBucketLocation',
] as const;

/** Services a project role may pass a role to (anything else, e.g. CloudFormation, would be an escalation path). */
export const DEFAULT_PASS_ROLE_SERVICES = [
  'sagemaker.amazonaws.com',
  'lambda.amazonaws.com',
  'ec2.amazonaws.com',
] as const;

/** IAM actions whose `iam:PermissionsBoundary` condition key names the boundary the target role/user carries. */
const PRINCIPAL_CHANGES = [
  'iam:CreateRole',
  'iam:CreateUser',
  'iam:PutRolePermissionsBoundary',
  'iam:PutUserPermissionsBoundary',
  'iam:AttachRolePolicy',
  'iam:AttachUserPolicy',
  'iam:DetachRolePolicy',
  'iam:DetachUserPolicy',
  'iam:PutRolePolicy',
  'iam:PutUserPolicy',
  'iam:DeleteRolePolicy',
  'iam:DeleteUserPolicy',
  'iam:UpdateAssumeRolePolicy',
] as const;

/** Changes to the boundary policy itself. */
const BOUNDARY_POLICY_CHANGES = [
  'iam:CreatePolicyVersion',
  'iam:DeletePolicy',
  'iam:DeletePolicyVersion',
  'iam:SetDefaultPolicyVersion',
  'iam:TagPolicy',
  'iam:UntagPolicy',
] as const;

/**
 * The boundary's ARN, built from the fixed policy name with the pseudo parameters of whichever stack it lands in:
 * every stack can refer to it without a CloudFormation export.
 */
export function permissionsBoundaryArn(spec: PlatformSpec): string {
  return `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:policy/${accessNames(spec).permissionsBoundaryPolicy}`;
}

/** The boundary's statements (a pure function, so tests and the IAM simulator see exactly what is deployed). */
export function permissionsBoundaryStatements(
  spec: PlatformSpec,
  options: {
    readonly additionalServices?: readonly string[];
    readonly passRoleServices?: readonly string[];
  } = {},
): iam.PolicyStatement[] {
  const boundaryArn = permissionsBoundaryArn(spec);
  const services = [...new Set([...PROJECT_SERVICE_PREFIXES, ...(options.additionalServices ?? [])])];
  const passRoleServices = options.passRoleServices ?? DEFAULT_PASS_ROLE_SERVICES;
  return [
    new iam.PolicyStatement({
      sid: 'AllowProjectServices',
      effect: iam.Effect.ALLOW,
      actions: services.map((s) => `${s}:*`),
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'DenyRolesAndUsersWithoutThisBoundary',
      effect: iam.Effect.DENY,
      actions: [...PRINCIPAL_CHANGES],
      resources: ['*'],
      conditions: { StringNotEquals: { 'iam:PermissionsBoundary': boundaryArn } },
    }),
    new iam.PolicyStatement({
      sid: 'DenyRemovingAnyBoundary',
      effect: iam.Effect.DENY,
      actions: ['iam:DeleteRolePermissionsBoundary', 'iam:DeleteUserPermissionsBoundary'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'DenyChangingThisBoundary',
      effect: iam.Effect.DENY,
      actions: [...BOUNDARY_POLICY_CHANGES],
      resources: [boundaryArn],
    }),
    new iam.PolicyStatement({
      sid: 'DenyPassRoleToOtherServices',
      effect: iam.Effect.DENY,
      actions: ['iam:PassRole'],
      resources: ['*'],
      conditions: { StringNotEquals: { 'iam:PassedToService': [...passRoleServices] } },
    }),
    new iam.PolicyStatement({
      sid: 'DenyOutsideDeploymentRegion',
      effect: iam.Effect.DENY,
      notActions: [...GLOBAL_ACTIONS],
      resources: ['*'],
      conditions: { StringNotEquals: { 'aws:RequestedRegion': [spec.project.region] } },
    }),
  ];
}

export interface ProjectPermissionsBoundaryProps {
  /** The platform spec: the policy name comes from `project.name`, the allowed region from `project.region`. */
  readonly spec: PlatformSpec;
  /**
   * Service prefixes allowed beyond {@link PROJECT_SERVICE_PREFIXES} (e.g. `ecr-public`).
   * @default - none
   */
  readonly additionalServices?: readonly string[];
  /**
   * Services a project role may pass a role to.
   * @default DEFAULT_PASS_ROLE_SERVICES (sagemaker, lambda, ec2)
   */
  readonly passRoleServices?: readonly string[];
}

const BOUNDARY_SYMBOL = Symbol.for('@dogbreed/infra-constructs.ProjectPermissionsBoundary');

/**
 * The project's permissions boundary: a customer managed policy with a fixed name
 * (`<project>-permissions-boundary`) that allows the project's services, denies creating or changing a role or
 * user unless it carries this same boundary, denies removing any boundary or editing this policy, limits
 * `iam:PassRole` to the project's services and denies every regional action outside `spec.project.region`.
 *
 * Put it in the first stack the app deploys; {@link applyPermissionsBoundary} makes every other stack depend on it.
 */
export class ProjectPermissionsBoundary extends Construct {
  /** True for a {@link ProjectPermissionsBoundary} (works across copies of this library). */
  public static isProjectPermissionsBoundary(x: unknown): x is ProjectPermissionsBoundary {
    return typeof x === 'object' && x !== null && BOUNDARY_SYMBOL in x;
  }

  public readonly policy: iam.ManagedPolicy;
  /** The fixed policy name. */
  public readonly policyName: string;

  constructor(scope: Construct, id: string, props: ProjectPermissionsBoundaryProps) {
    super(scope, id);
    Object.defineProperty(this, BOUNDARY_SYMBOL, { value: true });
    for (const s of props.additionalServices ?? []) {
      if (!/^[a-z0-9-]+$/.test(s))
        throw new InfraPropsError(
          `ProjectPermissionsBoundary: additionalServices entry '${s}' is not a service prefix`,
        );
    }
    if (props.passRoleServices?.length === 0) {
      throw new InfraPropsError(
        'ProjectPermissionsBoundary: passRoleServices must name at least one service (omit it for the default)',
      );
    }
    this.policyName = accessNames(props.spec).permissionsBoundaryPolicy;
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      managedPolicyName: this.policyName,
      description: `Permissions boundary of every ${props.spec.project.name} role: no escalation, ${props.spec.project.region} only`,
      statements: permissionsBoundaryStatements(props.spec, props),
    });
    acknowledgeWildcards(
      this,
      'A permissions boundary is a ceiling, not a grant: it allows whole project services on "*" and each role\'s own ' +
        'policy narrows it; what it adds are its denies (escalation, other regions).',
      [/^(Action::[a-z0-9-]+:\*|Resource::\*)$/],
    );
  }
}

/** The top-level stack holding a construct (nested stacks deploy with their parent). */
function topStack(c: IConstruct): Stack {
  let stack = Stack.of(c);
  while (stack.nestedStackParent) stack = stack.nestedStackParent;
  return stack;
}

/** Whether `stack` depends on `other`, directly or through other stacks. */
function dependsOn(stack: Stack, other: Stack, seen = new Set<Stack>()): boolean {
  for (const d of stack.dependencies) {
    if (d === other) return true;
    if (!seen.has(d)) {
      seen.add(d);
      if (dependsOn(d, other, seen)) return true;
    }
  }
  return false;
}

const IAM_PRINCIPAL_TYPES = new Set<string>([
  iam.CfnRole.CFN_RESOURCE_TYPE_NAME,
  iam.CfnUser.CFN_RESOURCE_TYPE_NAME,
]);

/** Sets the boundary on every IAM role and user; see {@link applyPermissionsBoundary}. */
class PermissionsBoundaryAspect implements IAspect {
  private boundaries: ProjectPermissionsBoundary[] | undefined;

  constructor(private readonly spec: PlatformSpec) {}

  public visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node) || !IAM_PRINCIPAL_TYPES.has(node.cfnResourceType)) return;
    node.addPropertyOverride('PermissionsBoundary', permissionsBoundaryArn(this.spec));
    const boundary = this.boundaryFor(node);
    if (!boundary) return;
    const roleStack = topStack(node);
    const boundaryStack = topStack(boundary);
    if (roleStack === boundaryStack) {
      // Same template: IAM refuses a boundary that does not exist yet, so create the policy first.
      node.node.addDependency(boundary.policy);
    } else if (Stage.of(roleStack) === Stage.of(boundaryStack)) {
      // Decided once the app is prepared (cross-stack references have become stack dependencies by then):
      // a boundary stack that itself depends on the role's stack would be a deployment cycle.
      node.node.addValidation({
        validate: () => {
          if (dependsOn(boundaryStack, roleStack)) {
            return [
              `${node.node.path} must carry the permissions boundary ${boundary.policyName}, but its stack ${roleStack.stackName} ` +
                `deploys before ${boundaryStack.stackName}, which holds the boundary: put the boundary in a stack deployed first ` +
                '(PermissionsBoundaryStack, and AccessStack with createPermissionsBoundary: false)',
            ];
          }
          roleStack.addStackDependency(boundaryStack, `${node.node.path} carries the permissions boundary`);
          return [];
        },
      });
    } else {
      Annotations.of(node).addInfo(
        `The permissions boundary ${boundary.policyName} is in another stage: deploy ${boundaryStack.stackName} first`,
      );
    }
  }

  private boundaryFor(node: IConstruct): ProjectPermissionsBoundary | undefined {
    this.boundaries ??= node.node.root.node
      .findAll()
      .filter(ProjectPermissionsBoundary.isProjectPermissionsBoundary)
      .filter((b) => b.policyName === accessNames(this.spec).permissionsBoundaryPolicy);
    return this.boundaries[0];
  }
}

/**
 * Attaches the project's permissions boundary to EVERY IAM role and user under `scope` (people, CI OIDC, service
 * and custom-resource roles), by name-built ARN. When the app holds a {@link ProjectPermissionsBoundary}, roles in
 * its stack wait for the policy and other stacks depend on that stack, so a first deploy never references a
 * boundary that does not exist yet. Call it once on the App (or on a stack).
 */
export function applyPermissionsBoundary(scope: IConstruct, spec: PlatformSpec): void {
  Aspects.of(scope).add(new PermissionsBoundaryAspect(spec), { priority: AspectPriority.MUTATING });
}
