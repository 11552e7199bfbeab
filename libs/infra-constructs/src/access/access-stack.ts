import { Annotations, Stack, type StackProps } from 'aws-cdk-lib';
import type { PlatformSpec } from '@dogbreed/platform-spec';
import type { Construct } from 'constructs';
import { InfraPropsError } from '../errors.js';
import { DevelopmentWorkspace, type DevelopmentWorkspaceProps } from './development-workspace.js';
import { PeopleRoles } from './people-roles.js';
import { ProjectPermissionsBoundary, type ProjectPermissionsBoundaryProps } from './permissions-boundary.js';

/** What the development workspace needs (VPC, subnets, key, buckets, endpoint security group), and the people roles' inputs. */
export interface AccessStackProps extends StackProps, DevelopmentWorkspaceProps {
  /** The platform spec (principals, session length, notebook, names, region). */
  readonly spec: PlatformSpec;
  /** The invoker function whose URL clients call. */
  readonly invokerFunctionArn: string;
  /** The SageMaker endpoints operators update and viewers read (ARNs are built from this stack's account/region). */
  readonly endpointNames: readonly string[];
  /**
   * The SageMaker training role operators pass to CreateTrainingJob.
   * @default - operators cannot start training jobs
   */
  readonly trainingRoleArn?: string;
  /**
   * Create the {@link ProjectPermissionsBoundary} in this stack. Leave it on when this stack deploys first (or
   * alone); turn it off when the app keeps the boundary in an earlier stack (e.g. {@link PermissionsBoundaryStack})
   * — every stack that consumes this one's inputs must not need the boundary before this stack exists.
   * @default true
   */
  readonly createPermissionsBoundary?: boolean;
}

/**
 * Who may access: the permissions boundary, the operator/viewer/client roles and, when the spec enables it, the
 * development workspace. Call {@link applyPermissionsBoundary} on the app so every role carries the boundary.
 */
export class AccessStack extends Stack {
  /** Undefined when `createPermissionsBoundary` is false. */
  public readonly permissionsBoundary?: ProjectPermissionsBoundary;
  public readonly people: PeopleRoles;
  /** Undefined when `spec.access.notebook.enabled` is false. */
  public readonly workspace?: DevelopmentWorkspace;

  constructor(scope: Construct, id: string, props: AccessStackProps) {
    super(scope, id, props);
    const { spec } = props;
    if (props.endpointNames.length === 0)
      throw new InfraPropsError('AccessStack: endpointNames must name at least one endpoint');

    if (props.createPermissionsBoundary ?? true) {
      this.permissionsBoundary = new ProjectPermissionsBoundary(this, 'PermissionsBoundary', { spec });
    }

    this.people = new PeopleRoles(this, 'People', {
      spec,
      endpointNames: props.endpointNames,
      invokerFunctionArn: props.invokerFunctionArn,
      ...(props.trainingRoleArn ? { trainingRoleArn: props.trainingRoleArn } : {}),
    });

    if (spec.access.notebook.enabled) {
      this.workspace = new DevelopmentWorkspace(this, 'Workspace', {
        spec,
        vpc: props.vpc,
        subnets: props.subnets,
        kmsKey: props.kmsKey,
        dataBucket: props.dataBucket,
        modelBucket: props.modelBucket,
        endpointSecurityGroup: props.endpointSecurityGroup,
      });
    } else {
      Annotations.of(this).addInfo(
        'AccessStack: spec.access.notebook.enabled is false: no development workspace',
      );
    }
  }
}

export interface PermissionsBoundaryStackProps extends StackProps, ProjectPermissionsBoundaryProps {}

/** A stack holding only the {@link ProjectPermissionsBoundary}: deploy it before every other stack of the app. */
export class PermissionsBoundaryStack extends Stack {
  public readonly boundary: ProjectPermissionsBoundary;

  constructor(scope: Construct, id: string, props: PermissionsBoundaryStackProps) {
    super(scope, id, props);
    this.boundary = new ProjectPermissionsBoundary(this, 'PermissionsBoundary', {
      spec: props.spec,
      ...(props.additionalServices ? { additionalServices: props.additionalServices } : {}),
      ...(props.passRoleServices ? { passRoleServices: props.passRoleServices } : {}),
    });
  }
}
