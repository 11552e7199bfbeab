import { aws_ec2 as ec2, aws_iam as iam, aws_kms as kms, aws_s3 as s3, Duration, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { acknowledgeWildcards, GRANT_HELPER_ACTIONS } from '../nag.js';
import { DATA_PREFIXES } from '../data/data-stores.js';
import { InfraPropsError } from '../errors.js';
import { sagemakerVpcAccessStatement } from '../iam/sagemaker-vpc-access.js';

export interface TrainingResourcesProps {
  /** Project name: prefix of the role name and the training job names. */
  readonly projectName: string;
  readonly key: kms.IKey;
  readonly dataBucket: s3.IBucket;
  readonly modelBucket: s3.IBucket;
  readonly checkpointBucket: s3.IBucket;
  /**
   * Account that owns the training image repository (AWS Deep Learning Containers).
   * @default '763104351884'
   */
  readonly trainingImageAccount?: string;
}

/**
 * What a SageMaker training job runs with: its execution role (read the datasets prefix, write the model and
 * checkpoint prefixes, its own log streams, pull the training image, ENIs in the VPC). (The model-server image is a
 * CDK Docker asset in the bootstrap's container-assets repository; this project keeps no ECR repository of its own.)
 */
export class TrainingResources extends Construct {
  /** Named `<project>-sagemaker-training` so CI can pass it without a cross-stack reference. */
  public readonly executionRole: iam.Role;
  /** Log-stream ARN pattern the role may write: SageMaker's shared group, this project's jobs only. */
  public readonly logStreamArn: string;

  constructor(scope: Construct, id: string, props: TrainingResourcesProps) {
    super(scope, id);
    if (!/^[a-z0-9][a-z0-9-]*$/.test(props.projectName)) {
      throw new InfraPropsError(
        `TrainingResources: projectName must be lower-case letters, digits and hyphens (got "${props.projectName}")`,
      );
    }
    const stack = Stack.of(this);

    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      roleName: `${props.projectName}-sagemaker-training`,
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'SageMaker training jobs: datasets in, model and checkpoints out, own logs only',
      maxSessionDuration: Duration.hours(12),
    });
    const role = this.executionRole;
    props.dataBucket.grantRead(role, `${DATA_PREFIXES.datasets}*`);
    // The job's input channels beside the datasets: the launcher's packaged code and the pretrained backbone weights.
    props.modelBucket.grantRead(role, `${DATA_PREFIXES.trainingSource}*`);
    props.modelBucket.grantRead(role, `${DATA_PREFIXES.pretrained}*`);
    props.modelBucket.grantReadWrite(role, `${DATA_PREFIXES.trainingOutput}*`);
    props.checkpointBucket.grantReadWrite(role, `${DATA_PREFIXES.checkpoints}*`);
    props.key.grantEncryptDecrypt(role);

    const logGroupArn = `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:/aws/sagemaker/TrainingJobs`;
    this.logStreamArn = `${logGroupArn}:log-stream:${props.projectName}-*`;
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:DescribeLogStreams'],
        resources: [`${logGroupArn}:*`],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logStreamArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/*', 'aws/sagemaker/*'] } },
      }),
    );
    const imageAccount = props.trainingImageAccount ?? '763104351884';
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        resources: [`arn:${stack.partition}:ecr:${stack.region}:${imageAccount}:repository/pytorch-training`],
      }),
    );
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    role.addToPolicy(sagemakerVpcAccessStatement());
    acknowledgeWildcards(
      role,
      "Wildcards are object keys under the project prefixes, KMS data-key actions on the one project key, this project's log streams, and actions without resource scoping (ecr:GetAuthorizationToken, the VPC ENI actions SageMaker needs, cloudwatch:PutMetricData limited by a namespace condition).",
      [
        ...GRANT_HELPER_ACTIONS,
        new RegExp(
          `^Resource::.*/(${DATA_PREFIXES.datasets}|${DATA_PREFIXES.trainingSource}|${DATA_PREFIXES.pretrained}|${DATA_PREFIXES.trainingOutput}|${DATA_PREFIXES.checkpoints})\\*$`,
        ),
        /^Resource::arn:.*:log-group:\/aws\/sagemaker\/TrainingJobs:\*$/,
        new RegExp(
          `^Resource::arn:.*:log-group:/aws/sagemaker/TrainingJobs:log-stream:${props.projectName}-\\*$`,
        ),
        /^Resource::\*$/,
      ],
    );
  }
}

/** The subnets and security group a training job or the EC2 trainer uses, as strings for SSM. */
export function subnetIdList(vpc: ec2.IVpc, selection: ec2.SubnetSelection): string {
  return vpc.selectSubnets(selection).subnetIds.join(',');
}
