/**
 * The hand-off contracts of a training run: the model artifact URI (parse/format, SageMaker's job layout), the
 * launch result file, and the model registry's group and package ARN.
 */
import { describe, expect, it } from 'vitest';
import {
  formatModelArtifactUri,
  MODEL_ARTIFACT_FILE,
  ModelArtifactUri,
  ModelArtifactUriError,
  parseModelArtifactUri,
  trainingJobArtifactKey,
  trainingJobOfArtifact,
} from './artifacts.js';
import { PLATFORM_SPEC } from '../spec/load.js';
import {
  formatLaunchResult,
  LaunchResultError,
  modelPackageGroup,
  modelPackageRef,
  parseLaunchResult,
  type LaunchResult,
} from './launch-result.js';

const URI = 's3://dogbreed-models-1/training-output/single/job-1/output/model.tar.gz';
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:model-package/dogbreed-single/4';

describe('model artifact URI', () => {
  it('formats and parses s3://BUCKET/KEY/model.tar.gz', () => {
    const uri = formatModelArtifactUri('dogbreed-models-1', '/training-output/single/job-1/output/');
    expect(uri).toBe(URI);
    expect(parseModelArtifactUri(uri)).toEqual({
      bucket: 'dogbreed-models-1',
      key: `training-output/single/job-1/output/${MODEL_ARTIFACT_FILE}`,
    });
    expect(ModelArtifactUri.parse(uri)).toBe(uri);
  });

  it.each([
    'https://example.com/model.tar.gz',
    's3://Bad_Bucket/k/model.tar.gz',
    's3://bucket/k/model.zip',
    's3://bucket/',
  ])('refuses %s', (uri) => {
    expect(() => parseModelArtifactUri(uri)).toThrow(ModelArtifactUriError);
    expect(ModelArtifactUri.safeParse(uri).success).toBe(false);
  });

  it("names a SageMaker job's artifact and reads the job back", () => {
    expect(trainingJobArtifactKey('training-output/single/', 'job-1')).toBe(
      'training-output/single/job-1/output/model.tar.gz',
    );
    expect(trainingJobOfArtifact(URI)).toBe('job-1');
    expect(trainingJobOfArtifact('s3://b/ec2-single/run/model.tar.gz')).toBeUndefined();
  });
});

describe('launch result', () => {
  it('round-trips a remote and a local result', () => {
    const results: LaunchResult[] = [
      { target: 'sagemaker', mode: 'single', modelArtifact: URI, modelPackage: ARN },
      { target: 'ec2', mode: 'multi', modelArtifact: URI },
      { target: 'local', mode: 'single', modelDir: '/tmp/m' },
    ];
    for (const r of results) expect(parseLaunchResult(formatLaunchResult(r), 'r.json')).toEqual(r);
  });

  it('names what is wrong with a file that is not a launch result', () => {
    expect(() => parseLaunchResult('MODEL_ARTIFACT=s3://b/k.tar.gz', 'train.json')).toThrow(
      LaunchResultError,
    );
    const bad = JSON.stringify({
      target: 'sagemaker',
      mode: 'single',
      modelArtifact: 'https://x/model.tar.gz',
    });
    expect(() => parseLaunchResult(bad, 'train.json')).toThrow(/train\.json.*\n.*modelArtifact/);
    const badArn = JSON.stringify({
      target: 'ec2',
      mode: 'single',
      modelArtifact: URI,
      modelPackage: 'arn:x',
    });
    expect(() => parseLaunchResult(badArn, 'train.json')).toThrow(/modelPackage/);
  });
});

describe('model registry naming', () => {
  it("a mode registers in the spec's group for it; a versioned ARN names group and version", () => {
    expect(modelPackageGroup(PLATFORM_SPEC, 'multi')).toBe(PLATFORM_SPEC.ci.modelRegistry.groups.multi);
    expect(modelPackageRef(` ${ARN}\n`)).toEqual({ arn: ARN, group: 'dogbreed-single', version: 4 });
    expect(modelPackageRef(ARN.replace('/4', ''))).toBeUndefined();
  });
});
