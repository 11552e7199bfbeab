import { aws_ec2 as ec2, aws_iam as iam, aws_kms as kms, aws_s3 as s3, aws_s3_assets as s3assets, Stack, Tags } from 'aws-cdk-lib';
import type { TrainingSpec } from '@dogbreed/platform-spec';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeWildcards, GRANT_HELPER_ACTIONS } from '../nag.js';
import { DATA_PREFIXES } from '../data/data-stores.js';
import { InfraPropsError } from '../errors.js';

/** The AWS Deep Learning AMI (PyTorch, NVIDIA driver) published as a public SSM parameter; resolved at deploy time. */
export const DEFAULT_TRAINING_AMI_PARAMETER =
  '/aws/service/deeplearning/ami/x86_64/oss-nvidia-driver-gpu-pytorch-2.3-ubuntu-22.04/latest/ami-id';

/** Tag on the trainer instance; the CI train role may start only instances carrying it. */
export const EC2_TRAINER_TAG = { key: 'dogbreed:role', value: 'ec2-trainer' } as const;

export interface Ec2TrainerProps {
  readonly vpc: ec2.IVpc;
  /** Must select private isolated (or private) subnets: the trainer never gets a public address. */
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  /** The spec's training section: instance type, volume size, hyperparameters. */
  readonly training: TrainingSpec;
  readonly dataBucket: s3.IBucket;
  readonly modelBucket: s3.IBucket;
  readonly key: kms.IKey;
  /** Key in the model bucket the packaged model.tar.gz is uploaded to (the single-instance endpoint's artifact). */
  readonly modelKey: string;
  /** The training package (the repository's `training/` folder), zipped as an asset. */
  readonly trainingCodeDir: string;
  /**
   * Public SSM parameter holding the AMI id (needs Python with torch, torchvision and onnx).
   * @default DEFAULT_TRAINING_AMI_PARAMETER
   */
  readonly amiParameterName?: string;
  /**
   * Python interpreter on the AMI that has torch, torchvision and onnx.
   * @default '/opt/conda/envs/pytorch/bin/python'
   */
  readonly pythonPath?: string;
}

/**
 * The plain-EC2 training path: one instance from a launch template in a private subnet (no public IP, no key pair,
 * IMDSv2 only, encrypted EBS, Session Manager access). On every boot it fetches the training package and the
 * datasets, runs `training/train.py`, uploads `model.tar.gz` to the model bucket and stops itself
 * (`shutdown -h`; shutdown behaviour is "stop"). Start it again to retrain.
 */
export class Ec2Trainer extends Construct {
  public readonly instance: ec2.Instance;
  public readonly role: iam.Role;
  public readonly trainingCode: s3assets.Asset;

  constructor(scope: Construct, id: string, props: Ec2TrainerProps) {
    super(scope, id);
    const subnetType = props.subnets.subnetType;
    if (subnetType === ec2.SubnetType.PUBLIC) {
      throw new InfraPropsError('Ec2Trainer: subnets must not be public (the trainer has no public address)');
    }
    if (!/\.tar\.gz$/.test(props.modelKey) || !props.modelKey.startsWith(DATA_PREFIXES.models)) {
      throw new InfraPropsError(`Ec2Trainer: modelKey must be a .tar.gz key under ${DATA_PREFIXES.models} (got "${props.modelKey}")`);
    }
    const stack = Stack.of(this);
    const python = props.pythonPath ?? '/opt/conda/envs/pytorch/bin/python';

    this.trainingCode = new s3assets.Asset(this, 'TrainingCode', {
      path: props.trainingCodeDir,
      exclude: ['tests', '**/__pycache__', '.pytest_cache', '.ruff_cache', '*.pyc', 'scripts', 'project.json'],
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'EC2 trainer: read datasets, write models, Session Manager',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    props.dataBucket.grantRead(this.role, `${DATA_PREFIXES.datasets}*`);
    props.modelBucket.grantWrite(this.role, `${DATA_PREFIXES.models}*`);
    props.key.grantEncryptDecrypt(this.role);
    this.trainingCode.grantRead(this.role);

    const hp = props.training.hyperparameters;
    const work = '/opt/dogbreed';
    const trainArgs = [
      `--data-dir ${work}/data`,
      `--model-dir ${work}/model`,
      `--backbone ${hp.backbone}`,
      `--epochs ${hp.epochs}`,
      `--batch-size ${hp.batchSize}`,
      `--lr ${hp.learningRate}`,
      `--freeze-backbone ${hp.freezeBackbone}`,
      `--image-size ${hp.imageSize}`,
      `--early-stopping-patience ${hp.earlyStoppingPatience}`,
    ].join(' ');
    const script = [
      '#!/bin/bash',
      'set -euo pipefail',
      'exec >>/var/log/dogbreed-train.log 2>&1',
      "trap 'echo \"dogbreed: stopping the instance\"; shutdown -h now' EXIT",
      `export AWS_DEFAULT_REGION=${stack.region}`,
      `rm -rf ${work} && mkdir -p ${work}/code ${work}/data ${work}/model`,
      `aws s3 cp ${this.trainingCode.s3ObjectUrl} ${work}/code.zip --only-show-errors`,
      `${python} -m zipfile -e ${work}/code.zip ${work}/code/training`,
      `aws s3 sync s3://${props.dataBucket.bucketName}/${DATA_PREFIXES.datasets} ${work}/data --only-show-errors`,
      `cd ${work}/code && ${python} training/train.py ${trainArgs}`,
      `tar -czf ${work}/model.tar.gz -C ${work}/model .`,
      `aws s3 cp ${work}/model.tar.gz s3://${props.modelBucket.bucketName}/${props.modelKey} --only-show-errors`,
      'echo "dogbreed: model uploaded"',
    ].join('\n');
    const perBoot = '/var/lib/cloud/scripts/per-boot/dogbreed-train.sh';
    const userData = ec2.UserData.forLinux();
    // cloud-init runs per-boot scripts on every later start; on the first boot user data runs it once itself.
    userData.addCommands(`cat > ${perBoot} <<'DOGBREED_SCRIPT'\n${script}\nDOGBREED_SCRIPT`, `chmod 755 ${perBoot}`, perBoot);

    this.instance = new ec2.Instance(this, 'Instance', {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroup: props.securityGroup,
      instanceType: new ec2.InstanceType(props.training.ec2InstanceType),
      machineImage: ec2.MachineImage.fromSsmParameter(props.amiParameterName ?? DEFAULT_TRAINING_AMI_PARAMETER),
      role: this.role,
      userData,
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
      reason: 'AmazonSSMManagedInstanceCore is the documented minimum for Session Manager access (no SSH key, no open port).',
    });
    acknowledgeWildcards(
      this.role,
      'Wildcards are object keys under datasets/ and models/, KMS data-key actions on the project key, and the CDK asset bucket objects holding the training package.',
      [
        ...GRANT_HELPER_ACTIONS,
        new RegExp(`^Resource::.*/(${DATA_PREFIXES.datasets}|${DATA_PREFIXES.models})\\*$`),
        /^Resource::arn:<AWS::Partition>:s3:::cdk-[a-z0-9]+-assets-.*\/\*$/,
      ],
    );
    acknowledge(this.instance, {
      id: 'AwsSolutions-EC29',
      reason: 'A disposable trainer that stops itself: all state lives in S3, so termination protection would only block stack updates.',
    });
  }
}
