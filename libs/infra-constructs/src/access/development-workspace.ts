import {
  ArnFormat,
  aws_ec2 as ec2,
  aws_iam as iam,
  aws_sagemaker as sagemaker,
  Stack,
  type aws_kms as kms,
  type aws_s3 as s3,
} from 'aws-cdk-lib';
import { S3_PREFIXES, type PlatformSpec } from '@dogbreed/platform-spec';
import { Construct } from 'constructs';
import { InfraPropsError } from '../errors.js';
import { acknowledgeWildcards, GRANT_HELPER_ACTIONS } from '../nag.js';
import { MAX_LIFECYCLE_SCRIPT_BASE64, idleStopOnStartScript } from './idle-stop-script.js';
import { accessNames, sageMakerArnName } from './names.js';

export interface DevelopmentWorkspaceProps {
  /** `access.notebook`: instance type, idle stop, volume size; `project.name` for the names. */
  readonly spec: PlatformSpec;
  /** The VPC the notebook lives in (no direct internet: it reaches AWS through the VPC endpoints). */
  readonly vpc: ec2.IVpc;
  /** Private subnets; the notebook uses the first. Public subnets are refused. */
  readonly subnets: ec2.SubnetSelection;
  /** Encrypts the notebook's volume; also the key of the data/model buckets (the role may use it). */
  readonly kmsKey: kms.IKey;
  /** Datasets bucket: the notebook reads and writes `datasets/`. */
  readonly dataBucket: s3.IBucket;
  /**
   * Model bucket: the notebook reads everything and writes only its own `notebook/` prefix, so it can neither
   * overwrite nor delete what the endpoints serve or the training runs produced.
   */
  readonly modelBucket: s3.IBucket;
  /**
   * The security group of the VPC's interface endpoints: it gets an HTTPS ingress rule from the notebook, or the
   * notebook's AWS calls (the idle stop's StopNotebookInstance through sagemaker.api) never arrive.
   */
  readonly endpointSecurityGroup: ec2.ISecurityGroup;
}

/**
 * The development workspace: a SageMaker notebook instance of `spec.access.notebook.instanceType` in a private
 * subnet, without direct internet or root access, IMDSv2 only, with a KMS-encrypted volume, its own execution role
 * scoped to bucket prefixes, HTTPS to the VPC endpoints, and a lifecycle configuration that stops it after
 * `idleStopMinutes` idle.
 */
export class DevelopmentWorkspace extends Construct {
  public readonly notebook: sagemaker.CfnNotebookInstance;
  public readonly lifecycleConfig: sagemaker.CfnNotebookInstanceLifecycleConfig;
  public readonly role: iam.Role;
  public readonly securityGroup: ec2.SecurityGroup;
  /** The notebook's name (`<project>-workspace`). */
  public readonly notebookName: string;
  /** The notebook's ARN (SageMaker lower-cases the name in it). */
  public readonly notebookArn: string;

  constructor(scope: Construct, id: string, props: DevelopmentWorkspaceProps) {
    super(scope, id);
    const { spec } = props;
    const cfg = spec.access.notebook;
    if (!cfg.enabled) {
      throw new InfraPropsError(
        'DevelopmentWorkspace: spec.access.notebook.enabled is false; do not create the workspace',
      );
    }
    const selected = props.vpc.selectSubnets(props.subnets);
    if (selected.hasPublic)
      throw new InfraPropsError(
        'DevelopmentWorkspace: subnets must be private (the notebook gets no public address)',
      );
    const subnetId = selected.subnetIds[0];
    if (!subnetId) throw new InfraPropsError('DevelopmentWorkspace: the subnet selection matched no subnet');

    const names = accessNames(spec);
    this.notebookName = names.notebookInstance;
    this.notebookArn = Stack.of(this).formatArn({
      service: 'sagemaker',
      resource: 'notebook-instance',
      resourceName: sageMakerArnName(this.notebookName),
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

    const onStart = idleStopOnStartScript(cfg.idleStopMinutes);
    const onStartBase64 = Buffer.from(onStart, 'utf8').toString('base64');
    if (onStartBase64.length > MAX_LIFECYCLE_SCRIPT_BASE64) {
      throw new InfraPropsError(
        `DevelopmentWorkspace: the OnStart script is ${onStartBase64.length} base64 chars, over SageMaker's ${MAX_LIFECYCLE_SCRIPT_BASE64}`,
      );
    }
    this.lifecycleConfig = new sagemaker.CfnNotebookInstanceLifecycleConfig(this, 'IdleStop', {
      notebookInstanceLifecycleConfigName: names.notebookLifecycleConfig,
      onStart: [{ content: onStartBase64 }],
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `${this.notebookName}: no ingress, HTTPS out to the VPC endpoints only`,
      allowAllOutbound: false,
    });
    // HTTPS out only. The subnet has no route to the internet (and the notebook no direct internet access):
    // 443 reaches the interface VPC endpoints inside the VPC and S3 through its gateway endpoint, whose
    // addresses are S3's public ranges (a per-region prefix list that is not known offline).
    this.securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to the VPC endpoints (interface and S3 gateway)',
    );
    // The interface endpoints admit only listed workload groups: admit the notebook's. The rule lives here, in the
    // workspace's stack (the endpoints' stack deploys first and must not refer back to this one).
    new ec2.CfnSecurityGroupIngress(this, 'EndpointIngress', {
      groupId: props.endpointSecurityGroup.securityGroupId,
      sourceSecurityGroupId: this.securityGroup.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      description: `HTTPS from the ${this.notebookName} notebook`,
    });

    this.role = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `Execution role of the ${this.notebookName} notebook: datasets, reading models, its own prefix, its own stop`,
    });
    // Prefixes, not buckets: deployed artifacts (models/), training outputs and code stay read-only to the notebook.
    props.dataBucket.grantReadWrite(this.role, `${S3_PREFIXES.datasets}*`);
    props.modelBucket.grantRead(this.role);
    props.modelBucket.grantReadWrite(this.role, `${S3_PREFIXES.notebook}*`);
    props.kmsKey.grantEncryptDecrypt(this.role);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'StopAndDescribeItselfOnly',
        actions: ['sagemaker:StopNotebookInstance', 'sagemaker:DescribeNotebookInstance'],
        resources: [this.notebookArn],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteItsOwnLogs',
        actions: [
          'logs:CreateLogGroup',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'logs:DescribeLogStreams',
        ],
        resources: [
          Stack.of(this).formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: '/aws/sagemaker/NotebookInstances:*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );

    this.notebook = new sagemaker.CfnNotebookInstance(this, 'Notebook', {
      notebookInstanceName: this.notebookName,
      instanceType: cfg.instanceType,
      volumeSizeInGb: cfg.volumeSizeGb,
      roleArn: this.role.roleArn,
      subnetId,
      securityGroupIds: [this.securityGroup.securityGroupId],
      directInternetAccess: 'Disabled',
      rootAccess: 'Disabled',
      kmsKeyId: props.kmsKey.keyArn,
      lifecycleConfigName: this.lifecycleConfig.attrNotebookInstanceLifecycleConfigName,
      // IMDSv2 only (checkov CKV_AWS_371): no unauthenticated metadata reads of the role's credentials.
      instanceMetadataServiceConfiguration: { minimumInstanceMetadataServiceVersion: '2' },
    });
    // The role's policy must exist before SageMaker starts the instance (the OnStart script runs at once).
    const defaultPolicy = this.role.node.tryFindChild('DefaultPolicy');
    if (defaultPolicy) this.notebook.node.addDependency(defaultPolicy);

    acknowledgeWildcards(
      this.role,
      'CDK grantReadWrite / grantEncryptDecrypt action groups, on the two project buckets and the project key only.',
      GRANT_HELPER_ACTIONS,
    );
    acknowledgeWildcards(
      this.role,
      'Objects under datasets/ (read/write) and notebook/ (read/write) and of the model bucket (read only): the ' +
        'notebook works on datasets, reads models, writes its own prefix.',
      [/^Resource::[^*]+\/\*$/],
    );
    acknowledgeWildcards(this.role, 'Log streams of the SageMaker notebook log group, named by SageMaker.', [
      /^Resource::arn:[^*]*:logs:[^*]*:log-group:\/aws\/sagemaker\/NotebookInstances:\*$/,
    ]);
  }
}
