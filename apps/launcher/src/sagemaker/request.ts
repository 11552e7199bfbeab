import {
  instanceDevice,
  pytorchTrainingImageUri,
  trainingJobArtifactKey,
  type PlatformSpec,
  type TrainingMode,
} from '@dogbreed/platform-spec';
import type { CreateTrainingJobRequest } from '@aws-sdk/client-sagemaker';
import type { EffectiveHyperparameters } from '../hyperparameters.js';
import type { InfraConfig } from '../infra.js';
import { ENTRY_POINT } from '../source-package.js';
import type { MetricDefinitions } from './metric-definitions.js';

/** Channel names the training package reads as SM_CHANNEL_<NAME> (training/README.md, "Interface"). */
export const DATA_CHANNELS = ['train', 'valid', 'test'] as const;
export type DataChannel = (typeof DATA_CHANNELS)[number];
export const CODE_CHANNEL = 'code';
export const PRETRAINED_CHANNEL = 'pretrained';
const INPUT_ROOT = '/opt/ml/input/data';
export const CHECKPOINT_LOCAL_PATH = '/opt/ml/checkpoints';

export interface TrainingJobPlan {
  spec: PlatformSpec;
  mode: TrainingMode;
  region: string;
  jobName: string;
  infra: InfraConfig;
  /** s3:// URI of sourcedir.tar.gz. */
  sourceUri: string;
  hyperparameters: EffectiveHyperparameters;
  metricDefinitions: MetricDefinitions;
  /** Key prefix of train/ valid/ test/ in the data bucket, ending in `/`. */
  dataPrefix: string;
  pretrainedWeightsUri?: string;
}

/** Instance type and count of a mode, from the spec. */
export function instancesFor(
  spec: PlatformSpec,
  mode: TrainingMode,
): { instanceType: string; instanceCount: number } {
  return mode === 'multi'
    ? { instanceType: spec.training.multiInstanceType, instanceCount: spec.training.multiInstanceCount }
    : { instanceType: spec.training.singleInstanceType, instanceCount: 1 };
}

/** Families with local NVMe instance storage (m5d, g4dn, p4d, ...) refuse a VolumeKmsKeyId. */
export function hasInstanceStorage(instanceType: string): boolean {
  const family = instanceType.replace(/^ml\./, '').split('.')[0] ?? '';
  return /^[a-z]+\d+[a-z]*d[a-z]*$/.test(family);
}

export function dataChannelUri(infra: InfraConfig, dataPrefix: string, channel: DataChannel): string {
  return `s3://${infra.dataBucket}/${dataPrefix}${channel}/`;
}

export function outputPath(infra: InfraConfig, mode: TrainingMode): string {
  return `s3://${infra.modelBucket}/training-output/${mode}/`;
}

/** Where SageMaker writes the model: `<output path><job name>/output/model.tar.gz`. */
export function modelArtifactUri(infra: InfraConfig, mode: TrainingMode, jobName: string): string {
  return `${outputPath(infra, mode)}${trainingJobArtifactKey('', jobName)}`;
}

function basename(uri: string): string {
  return uri.replace(/\/+$/, '').split('/').pop() ?? uri;
}

/**
 * Hyperparameters as the SageMaker PyTorch container expects them: JSON-encoded values (what the Python SDK
 * sends), `sagemaker_program` + `sagemaker_submit_directory` to find the script. With network isolation the
 * container cannot download from S3, so the source comes in the `code` channel and the submit directory is
 * its local path (the SDK does the same).
 */
export function sagemakerHyperparameters(plan: TrainingJobPlan): Record<string, string> {
  const hp = plan.hyperparameters;
  const values: Record<string, string | number | boolean> = {
    sagemaker_program: ENTRY_POINT,
    sagemaker_submit_directory: `${INPUT_ROOT}/${CODE_CHANNEL}/sourcedir.tar.gz`,
    sagemaker_container_log_level: 20,
    sagemaker_job_name: plan.jobName,
    sagemaker_region: plan.region,
    backbone: hp.backbone,
    epochs: hp.epochs,
    'batch-size': hp.batchSize,
    lr: hp.learningRate,
    'freeze-backbone': hp.freezeBackbone,
    'early-stopping-patience': hp.earlyStoppingPatience,
    'image-size': hp.imageSize,
    'checkpoint-dir': CHECKPOINT_LOCAL_PATH,
  };
  if (hp.maxStepsPerEpoch !== undefined) values['max-steps-per-epoch'] = hp.maxStepsPerEpoch;
  if (plan.pretrainedWeightsUri) {
    values['pretrained-weights'] =
      `${INPUT_ROOT}/${PRETRAINED_CHANNEL}/${basename(plan.pretrainedWeightsUri)}`;
  }
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, JSON.stringify(v)]));
}

function s3Channel(name: string, uri: string, contentType?: string) {
  return {
    ChannelName: name,
    DataSource: {
      S3DataSource: {
        S3DataType: 'S3Prefix' as const,
        S3Uri: uri,
        S3DataDistributionType: 'FullyReplicated' as const,
      },
    },
    InputMode: 'File' as const,
    ...(contentType ? { ContentType: contentType } : {}),
  };
}

/** The CreateTrainingJob request: pure, every number from the spec. */
export function buildCreateTrainingJobRequest(plan: TrainingJobPlan): CreateTrainingJobRequest {
  const { spec, mode, infra } = plan;
  const t = spec.training;
  const { instanceType, instanceCount } = instancesFor(spec, mode);
  const image =
    infra.trainingImageUris?.[mode] ??
    pytorchTrainingImageUri(spec, plan.region, instanceDevice(instanceType));
  const channels = [
    ...DATA_CHANNELS.map((c) => s3Channel(c, dataChannelUri(infra, plan.dataPrefix, c))),
    s3Channel(CODE_CHANNEL, plan.sourceUri, 'application/x-tar'),
  ];
  if (plan.pretrainedWeightsUri) channels.push(s3Channel(PRETRAINED_CHANNEL, plan.pretrainedWeightsUri));
  const kms = infra.kmsKeyArn;
  return {
    TrainingJobName: plan.jobName,
    RoleArn: infra.trainingRoleArn,
    AlgorithmSpecification: {
      TrainingImage: image,
      TrainingInputMode: 'File',
      MetricDefinitions: plan.metricDefinitions.map((d) => ({ Name: d.Name, Regex: d.Regex })),
      EnableSageMakerMetricsTimeSeries: true,
    },
    HyperParameters: sagemakerHyperparameters(plan),
    InputDataConfig: channels,
    OutputDataConfig: { S3OutputPath: outputPath(infra, mode), ...(kms ? { KmsKeyId: kms } : {}) },
    CheckpointConfig: {
      S3Uri: `s3://${infra.checkpointBucket}/checkpoints/${mode}/${plan.jobName}/`,
      LocalPath: CHECKPOINT_LOCAL_PATH,
    },
    ResourceConfig: {
      InstanceType: instanceType as NonNullable<CreateTrainingJobRequest['ResourceConfig']>['InstanceType'],
      InstanceCount: instanceCount,
      VolumeSizeInGB: t.volumeSizeGb,
      ...(kms && !hasInstanceStorage(instanceType) ? { VolumeKmsKeyId: kms } : {}),
    },
    VpcConfig: { SecurityGroupIds: infra.securityGroupIds, Subnets: infra.subnetIds },
    StoppingCondition: {
      MaxRuntimeInSeconds: t.maxRuntimeSeconds,
      ...(t.spot ? { MaxWaitTimeInSeconds: t.maxWaitSeconds } : {}),
    },
    EnableNetworkIsolation: true,
    EnableInterContainerTrafficEncryption: mode === 'multi',
    EnableManagedSpotTraining: t.spot,
    Tags: [
      ...Object.entries(spec.project.tags).map(([Key, Value]) => ({ Key, Value })),
      { Key: 'training-mode', Value: mode },
    ],
  };
}

/** `<project>-<mode>-<UTC yyyymmddhhmmss>`: unique per second, within SageMaker's 63 characters. */
export function defaultJobName(spec: PlatformSpec, mode: TrainingMode, now: Date): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${spec.project.name}-${mode}-${stamp}`.slice(0, 63);
}
