/**
 * The plain-EC2 trainer: an instance the launcher drives through SSM Run Command, with a pinned AMI and a role scoped to
 * the run command's S3 prefixes.
 */
import { aws_ec2 as ec2, aws_iam as iam, aws_kms as kms, aws_s3 as s3, Stack, Tags } from 'aws-cdk-lib';
import type { TrainingSpec } from '@dogbreed/platform-spec';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeWildcards, GRANT_HELPER_ACTIONS } from '../nag.js';
import { DATA_PREFIXES } from '../data/data-stores.js';
import { InfraPropsError } from '../errors.js';

/** Where EC2 runs write (`training-output/ec2-<mode>/<run>/model.tar.gz`, as the launcher's `ec2ArtifactUri`). */
export const EC2_OUTPUT_PREFIX = `${DATA_PREFIXES.trainingOutput}ec2-`;

/** Tag on the trainer instance; the CI train role may start only instances carrying it. */
export const EC2_TRAINER_TAG = { key: 'dogbreed:role', value: 'ec2-trainer' } as const;

export interface Ec2TrainerProps {
  readonly vpc: ec2.IVpc;
  /** Must select private isolated (or private) subnets: the trainer never gets a public address. */
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  /** The spec's training section: instance type, volume size, the pinned AMI (`ec2AmiId`, required here). */
  readonly training: TrainingSpec;
  readonly dataBucket: s3.IBucket;
  readonly modelBucket: s3.IBucket;
  readonly key: kms.IKey;
}

/**
 * The plain-EC2 training path: one instance in a private subnet (no public IP, no key pair, IMDSv2 only, encrypted
 * EBS, Session Manager access) from the AMI pinned in the spec, so a new Deep Learning AMI never replaces it behind
 * anyone's back. It boots and runs nothing: the launcher (`dogbreed-train --target ec2`) starts it, sends the one
 * training command through SSM Run Command (fetch `training-source/…` and `datasets/…`, train, upload to
 * `training-output/ec2-<mode>/…`) and stops it again. Its role may do exactly that and nothing more.
 */
export class Ec2Trainer extends Construct {
  public readonly instance: ec2.Instance;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: Ec2TrainerProps) {
    super(scope, id);
    const subnetType = props.subnets.subnetType;
    if (subnetType === ec2.SubnetType.PUBLIC) {
      throw new InfraPropsError('Ec2Trainer: subnets must not be public (the trainer has no public address)');
    }
    const amiId = props.training.ec2AmiId;
    if (amiId === undefined || !/^ami-[0-9a-f]{8}([0-9a-f]{9})?$/.test(amiId)) {
      throw new InfraPropsError(
        `Ec2Trainer: training.ec2AmiId must pin an AMI id like ami-0123456789abcdef0 (got ${String(amiId)})`,
      );
    }

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description:
        'EC2 trainer: read training code, datasets and pretrained weights; write its own training outputs; Session Manager',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    // Exactly the keys the launcher's run command touches (apps/launcher/src/ec2/request.ts).
    props.dataBucket.grantRead(this.role, `${DATA_PREFIXES.datasets}*`);
    props.modelBucket.grantRead(this.role, `${DATA_PREFIXES.trainingSource}*`);
    props.modelBucket.grantRead(this.role, `${DATA_PREFIXES.pretrained}*`);
    props.modelBucket.grantPut(this.role, `${EC2_OUTPUT_PREFIX}*`);
    props.key.grantEncryptDecrypt(this.role);

    this.instance = new ec2.Instance(this, 'Instance', {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroup: props.securityGroup,
      instanceType: new ec2.InstanceType(props.training.ec2InstanceType),
      // AMI ids are regional: the id belongs to the stack's region (the spec's project.region).
      machineImage: ec2.MachineImage.genericLinux({ [Stack.of(this).region]: amiId }),
      role: this.role,
      associatePublicIpAddress: false,
      requireImdsv2: true,
      detailedMonitoring: true,
      instanceInitiatedShutdownBehavior: ec2.InstanceInitiatedShutdownBehavior.STOP,
      blockDevices: [
        {
          deviceName: '/dev/sda1',
          volume: ec2.BlockDeviceVolume.ebs(props.training.volumeSizeGb, {
            encrypted: true,
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            deleteOnTermination: true,
          }),
        },
      ],
    });

    Tags.of(this.instance).add(EC2_TRAINER_TAG.key, EC2_TRAINER_TAG.value);

    acknowledge(this.role, {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      reason:
        'AmazonSSMManagedInstanceCore is the documented minimum for Session Manager access (no SSH key, no open port).',
    });
    acknowledgeWildcards(
      this.role,
      "Wildcards are object keys under datasets/, training-source/, pretrained/ and training-output/ec2- (the run command's inputs and outputs), and KMS data-key actions on the project key.",
      [
        ...GRANT_HELPER_ACTIONS,
        new RegExp(
          `^Resource::.*/(${DATA_PREFIXES.datasets}|${DATA_PREFIXES.trainingSource}|${DATA_PREFIXES.pretrained}|${EC2_OUTPUT_PREFIX})\\*$`,
        ),
      ],
    );
    acknowledge(this.instance, {
      id: 'CloudFormation-Validate::W9010',
      reason:
        'The AMI id is pinned on purpose (spec training.ec2AmiId): a parameter resolved at each deploy would replace the trainer whenever AWS publishes a new AMI.',
    });
    acknowledge(this.instance, {
      id: 'AwsSolutions-EC29',
      reason:
        'A disposable trainer the launcher starts and stops: all state lives in S3, so termination protection would only block stack updates.',
    });
  }
}
