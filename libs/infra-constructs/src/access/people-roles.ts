import { Annotations, aws_iam as iam, Duration } from 'aws-cdk-lib';
import { PrincipalArn, RoleSessionSeconds, type PlatformSpec } from '@dogbreed/platform-spec';
import { Construct } from 'constructs';
import { InfraPropsError } from '../errors.js';
import { checkProp } from '../props.js';
import { acknowledgeWildcards } from '../nag.js';
import { accessNames, principalsFor, type PeopleRoleKind } from './names.js';
import {
  clientStatements,
  operatorStatements,
  projectResourceArns,
  viewerStatements,
  type OperatorOptions,
} from './people-policies.js';

/** The context key every people role's trust policy requires to be true. */
export const MFA_CONDITION = { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } as const;

export interface PeopleRoleProps {
  /** Fixed role name, so people can `aws sts assume-role` it without looking anything up. */
  readonly roleName: string;
  /** Who may assume it (IAM users/roles, SSO permission-set roles, account roots). At least one. */
  readonly principals: readonly string[];
  /** Longest session a person gets. Between 1 and 12 hours. */
  readonly maxSessionDuration: Duration;
  /** What the role may do (one inline policy). At least one statement. */
  readonly statements: readonly iam.PolicyStatement[];
  /**
   * Role description.
   * @default - none
   */
  readonly description?: string;
}

/**
 * A role for people: assumable only by the listed principals and only with MFA
 * (`Bool aws:MultiFactorAuthPresent = true`), with a bounded session and one inline policy.
 */
export class PeopleRole extends Construct {
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: PeopleRoleProps) {
    super(scope, id);
    if (props.principals.length === 0) {
      throw new InfraPropsError(
        `PeopleRole ${props.roleName}: at least one principal is required (a role trusting nobody is useless)`,
      );
    }
    const bad = props.principals.filter((p) => !PrincipalArn.safeParse(p).success);
    if (bad.length > 0)
      throw new InfraPropsError(`PeopleRole ${props.roleName}: not an IAM principal ARN: ${bad.join(', ')}`);
    if (new Set(props.principals).size !== props.principals.length) {
      throw new InfraPropsError(`PeopleRole ${props.roleName}: a principal is listed twice`);
    }
    checkProp(
      `PeopleRole ${props.roleName}`,
      'maxSessionDuration',
      RoleSessionSeconds,
      props.maxSessionDuration.toSeconds(),
    );
    if (props.statements.length === 0)
      throw new InfraPropsError(`PeopleRole ${props.roleName}: at least one policy statement is required`);

    const trusted = new iam.PrincipalWithConditions(
      new iam.CompositePrincipal(...props.principals.map((p) => new iam.ArnPrincipal(p))),
      MFA_CONDITION,
    );
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      assumedBy: trusted,
      maxSessionDuration: props.maxSessionDuration,
      ...(props.description ? { description: props.description } : {}),
      inlinePolicies: { access: new iam.PolicyDocument({ statements: [...props.statements] }) },
    });
  }
}

export interface PeopleRolesProps {
  /** Principals (`access.operators|viewers|clients`), session length, endpoint/function names, bounds. */
  readonly spec: PlatformSpec;
  /** Names of the SageMaker endpoints the operator may update and everyone may read. At least one. */
  readonly endpointNames: readonly string[];
  /** ARN of the invoker function whose URL clients call. */
  readonly invokerFunctionArn: string;
  /**
   * The SageMaker training role, passed by the operator to CreateTrainingJob.
   * @default - the operator cannot start training jobs (no iam:PassRole)
   */
  readonly trainingRoleArn?: string;
}

/**
 * The three people roles (`<project>-operator`, `-viewer`, `-client`). A role whose principal list in the spec is
 * empty is not created; an info annotation says so.
 */
export class PeopleRoles extends Construct {
  /** Undefined when `spec.access.operators` is empty. */
  public readonly operator?: iam.Role;
  /** Undefined when `spec.access.viewers` is empty. */
  public readonly viewer?: iam.Role;
  /** Undefined when `spec.access.clients` is empty. */
  public readonly client?: iam.Role;

  constructor(scope: Construct, id: string, props: PeopleRolesProps) {
    super(scope, id);
    const { spec } = props;
    if (props.endpointNames.length === 0)
      throw new InfraPropsError('PeopleRoles: endpointNames must name at least one endpoint');
    if (!props.invokerFunctionArn) throw new InfraPropsError('PeopleRoles: invokerFunctionArn is required');
    const arns = projectResourceArns(this, spec, props);
    const names = accessNames(spec);
    const options: OperatorOptions = props.trainingRoleArn ? { trainingRoleArn: props.trainingRoleArn } : {};
    if (!props.trainingRoleArn) {
      Annotations.of(this).addInfo(
        'PeopleRoles: no trainingRoleArn: the operator can stop training jobs but not start one',
      );
    }

    const make = (
      kind: PeopleRoleKind,
      roleName: string,
      description: string,
      statements: iam.PolicyStatement[],
    ) => {
      const principals = principalsFor(spec, kind);
      if (principals.length === 0) {
        Annotations.of(this).addInfo(
          `PeopleRoles: spec.access.${kind}s is empty: no ${roleName} role is created (add a principal to the spec to create it)`,
        );
        return undefined;
      }
      const role = new PeopleRole(this, kind.charAt(0).toUpperCase() + kind.slice(1), {
        roleName,
        principals,
        maxSessionDuration: Duration.seconds(spec.access.maxSessionDurationSeconds),
        description,
        statements,
      }).role;
      return role;
    };

    this.operator = make(
      'operator',
      names.operatorRole,
      `Operates ${spec.project.name}: endpoints, scaling, training, notebook`,
      operatorStatements(spec, arns, options),
    );
    this.viewer = make(
      'viewer',
      names.viewerRole,
      `Reads ${spec.project.name}: describe, metrics, logs`,
      viewerStatements(arns),
    );
    this.client = make(
      'client',
      names.clientRole,
      `Calls the ${spec.project.name} invoker function URL`,
      clientStatements(arns),
    );

    const prefix = escapeRegExp(names.trainingJobPrefix.toLowerCase());
    acknowledgeWildcards(
      this,
      'List* calls, metric reads and scaling Describe* have no resource-level permissions in IAM: "*" is their only resource.',
      [/^Resource::\*$/],
    );
    acknowledgeWildcards(
      this,
      'Endpoint configs, models and training jobs are created over time: the project name prefix is their bound.',
      [new RegExp(`^Resource::arn:[^*]*:sagemaker:[^*]*:(endpoint-config|model|training-job)/${prefix}\\*$`)],
    );
    acknowledgeWildcards(
      this,
      'Log streams are named by the services at run time; only streams of the project log groups (training: project jobs).',
      [/^Resource::arn:[^*]*:logs:[^*]*:log-group:[^*]*:log-stream:[^*]*\*$/],
    );
    acknowledgeWildcards(
      this,
      'Target-tracking alarms get generated names under the endpoint; project alarms carry the project prefix.',
      [
        new RegExp(
          `^Resource::arn:[^*]*:cloudwatch:[^*]*:alarm:(TargetTracking-endpoint/[^*]+/|${prefix})\\*$`,
        ),
      ],
    );
    acknowledgeWildcards(
      this,
      'Scalable target ids are random: IAM bounds them by the sagemaker namespace and the variant instance-count dimension.',
      [/^Resource::arn:[^*]*:application-autoscaling:[^*]*:scalable-target\/\*$/],
    );
    acknowledgeWildcards(
      this,
      'Qualified ARNs of the invoker function (its versions and the live alias): still that one function.',
      [/^Resource::[^*]+:\*$/],
    );
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
