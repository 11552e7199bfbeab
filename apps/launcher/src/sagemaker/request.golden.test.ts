import {
  instanceDevice,
  PLATFORM_SPEC,
  ssmParameterNames,
  trainingImageUriFor,
  type PlatformSpec,
  type TrainingMode,
} from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';
import { HyperparameterOverridesSchema } from '../args.js';
import { effectiveHyperparameters } from '../hyperparameters.js';
import { infraFromValues } from '../infra.js';
import {
  buildCreateTrainingJobRequest,
  defaultJobName,
  hasInstanceStorage,
  sagemakerHyperparameters,
} from './request.js';
import { parseMetricDefinitions } from './metric-definitions.js';
import { FIXED_NOW, infraParameters, TEST_INFRA } from '../../tests/support/helpers.js';

/** A fixed list so the goldens do not move when the training package edits its file (its own test covers that). */
const METRICS = parseMetricDefinitions(
  JSON.stringify([
    { Name: 'val:acc', Regex: '\\bval_acc=([0-9.]+)' },
    { Name: 'test:top1', Regex: '\\btest_top1=([0-9.]+)' },
  ]),
  'fixture',
);
const SOURCE_URI = `s3://${TEST_INFRA.modelBucket}/training-source/0123456789abcdef/sourcedir.tar.gz`;

function request(
  spec: PlatformSpec,
  mode: TrainingMode,
  extra: { pretrainedWeightsUri?: string; epochs?: number } = {},
) {
  return buildCreateTrainingJobRequest({
    spec,
    mode,
    region: spec.project.region,
    jobName: defaultJobName(spec, mode, FIXED_NOW),
    infra: TEST_INFRA,
    sourceUri: SOURCE_URI,
    hyperparameters: effectiveHyperparameters(
      spec.training.hyperparameters,
      HyperparameterOverridesSchema.parse({ epochs: extra.epochs }),
    ),
    metricDefinitions: METRICS,
    dataPrefix: 'dataset/',
    ...(extra.pretrainedWeightsUri ? { pretrainedWeightsUri: extra.pretrainedWeightsUri } : {}),
  });
}

const GOLDEN_DIR = join(__dirname, '../../tests/support/golden');

/**
 * Exact text comparison with the stored JSON, formatted the way the repository's prettier formats it (so
 * `prettier --write` leaves the goldens alone); UPDATE_GOLDEN=1 rewrites them (then review the diff).
 */
async function expectGolden(name: string, value: unknown): Promise<void> {
  const path = join(GOLDEN_DIR, `${name}.json`);
  const options = (await resolveConfig(path)) ?? {};
  const text = await format(JSON.stringify(value, null, 2), { ...options, parser: 'json', filepath: path });
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(path, text);
  expect(existsSync(path), `${path} missing: run with UPDATE_GOLDEN=1 once and review it`).toBe(true);
  expect(text).toBe(readFileSync(path, 'utf8'));
}

describe('CreateTrainingJob request (golden)', () => {
  it('single instance, on-demand', async () => {
    // Prepare
    const spec = specWith({ training: { spot: false } });
    // Act
    const req = request(spec, 'single', { epochs: 5 });
    // Assess
    await expectGolden('create-training-job.single', req);
    expect(req.StoppingCondition).toEqual({ MaxRuntimeInSeconds: spec.training.maxRuntimeSeconds });
    expect(req.EnableManagedSpotTraining).toBe(false);
  });

  it('multi instance (spot per the defaults)', async () => {
    const req = request(PLATFORM_SPEC, 'multi');
    await expectGolden('create-training-job.multi', req);
    expect(req.ResourceConfig?.InstanceCount).toBe(PLATFORM_SPEC.training.multiInstanceCount);
    expect(req.EnableInterContainerTrafficEncryption).toBe(true);
    // g4dn has NVMe instance storage: SageMaker refuses a volume KMS key there.
    expect(req.ResourceConfig?.VolumeKmsKeyId).toBeUndefined();
  });

  it('single instance with managed spot and pretrained weights', async () => {
    const req = request(PLATFORM_SPEC, 'single', {
      pretrainedWeightsUri: 's3://dogbreed-data-123456789012/weights/resnet50.pth',
    });
    await expectGolden('create-training-job.spot', req);
    expect(req.StoppingCondition?.MaxWaitTimeInSeconds).toBe(PLATFORM_SPEC.training.maxWaitSeconds);
    expect(req.InputDataConfig?.map((c) => c.ChannelName)).toEqual([
      'train',
      'valid',
      'test',
      'code',
      'pretrained',
    ]);
  });
});

describe('request follows the spec', () => {
  it('takes instance types, count, runtime, image version and tags from the spec', () => {
    const spec = specWith({
      project: { tags: { team: 'vision' } },
      training: {
        multiInstanceType: 'ml.p3.2xlarge',
        multiInstanceCount: 3,
        maxRuntimeSeconds: 600,
        maxWaitSeconds: 1200,
        pytorchVersion: '2.4.0',
        volumeSizeGb: 50,
      },
    });
    const req = request(spec, 'multi');
    expect(req.ResourceConfig).toMatchObject({
      InstanceType: 'ml.p3.2xlarge',
      InstanceCount: 3,
      VolumeSizeInGB: 50,
      VolumeKmsKeyId: TEST_INFRA.kmsKeyArn,
    });
    expect(req.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 600, MaxWaitTimeInSeconds: 1200 });
    expect(req.AlgorithmSpecification?.TrainingImage).toContain('pytorch-training:2.4.0-gpu-');
    expect(req.Tags).toEqual([
      { Key: 'project', Value: 'dogbreed' },
      { Key: 'managed-by', Value: 'aws-cdk' },
      { Key: 'cost-center', Value: 'ml-platform' },
      { Key: 'team', Value: 'vision' },
      { Key: 'training-mode', Value: 'multi' },
    ]);
  });

  it("uses the mode's own image from SSM: the CPU image never reaches the multi run's GPU instances", () => {
    const spec = PLATFORM_SPEC;
    const names = ssmParameterNames(spec);
    // What the training stack publishes: one image per mode, from each mode's instance type.
    const infra = infraFromValues(spec, {
      ...infraParameters(spec),
      [names.trainingImageUriSingle]: trainingImageUriFor(spec, 'single'),
      [names.trainingImageUriMulti]: trainingImageUriFor(spec, 'multi'),
    });
    const image = (mode: 'single' | 'multi') =>
      buildCreateTrainingJobRequest({
        spec,
        mode,
        region: spec.project.region,
        jobName: 'j',
        infra,
        sourceUri: SOURCE_URI,
        hyperparameters: effectiveHyperparameters(spec.training.hyperparameters, {}),
        metricDefinitions: METRICS,
        dataPrefix: 'x/',
      }).AlgorithmSpecification?.TrainingImage;
    expect(instanceDevice(spec.training.multiInstanceType)).toBe('gpu');
    expect(image('multi')).toMatch(/pytorch-training:[\d.]+-gpu-/);
    expect(image('single')).toMatch(/pytorch-training:[\d.]+-cpu-/);
  });

  it('encodes hyperparameters as the SageMaker PyTorch container expects (JSON values)', () => {
    const hp = sagemakerHyperparameters({
      spec: PLATFORM_SPEC,
      mode: 'single',
      region: 'us-east-1',
      jobName: 'job-1',
      infra: TEST_INFRA,
      sourceUri: SOURCE_URI,
      hyperparameters: effectiveHyperparameters(PLATFORM_SPEC.training.hyperparameters, {
        backbone: 'tiny_cnn',
        learningRate: 0.01,
      }),
      metricDefinitions: METRICS,
      dataPrefix: 'dataset/',
    });
    expect(JSON.parse(hp['sagemaker_program'] ?? '')).toBe('train.py');
    expect(JSON.parse(hp['backbone'] ?? '')).toBe('tiny_cnn');
    expect(JSON.parse(hp['lr'] ?? '')).toBe(0.01);
    expect(JSON.parse(hp['freeze-backbone'] ?? '')).toBe(
      PLATFORM_SPEC.training.hyperparameters.freezeBackbone,
    );
  });

  it.each([
    ['ml.g4dn.xlarge', true],
    ['ml.p4d.24xlarge', true],
    ['ml.m5d.large', true],
    ['ml.m5.xlarge', false],
    ['ml.p3.2xlarge', false],
    ['ml.g5.xlarge', false],
  ])('instance storage of %s: %s', (type, expected) => {
    expect(hasInstanceStorage(type)).toBe(expected);
  });

  it('job names are unique per second and valid', () => {
    expect(defaultJobName(PLATFORM_SPEC, 'multi', FIXED_NOW)).toBe('dogbreed-multi-20261124123456');
  });
});
