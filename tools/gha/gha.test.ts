import { describe, expect, it } from 'vitest';
import { PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { trainedModel } from './model-artifact.js';
import { stageOutputs } from './spec-outputs.js';

describe('stageOutputs', () => {
  it('derives the role ARN, region and SSM names from the spec', () => {
    const out = stageOutputs(PLATFORM_SPEC, 'deployInfra', '123456789012', 'infra');
    expect(out['role-arn']).toBe(
      `arn:aws:iam::123456789012:role/${PLATFORM_SPEC.ci.roles.deployInfra.roleName}`,
    );
    expect(out['region']).toBe(PLATFORM_SPEC.project.region);
    expect(out['ssm-invoker-function-url']).toBe('/dogbreed/invoker/function-url');
    // The session the job asks for is the role's MaxSessionDuration (the CI stack reads the same field).
    expect(out['session-seconds']).toBe(String(PLATFORM_SPEC.ci.roles.deployInfra.maxSessionSeconds));
  });

  it('follows a spec change', () => {
    const spec = specWith({ ci: { roles: { train: { roleName: 'other-train', environment: 'gpu' } } } });
    expect(stageOutputs(spec, 'train', '123456789012', 'gpu')['role-arn']).toMatch(/role\/other-train$/);
  });

  it.each([
    ['a job without the stage environment', 'deployInfra', ''],
    ['a job in another environment', 'validate', 'production'],
  ] as const)('refuses %s', (_n, stage, env) => {
    expect(() => stageOutputs(PLATFORM_SPEC, stage, '123456789012', env)).toThrow(
      /must run in GitHub environment/,
    );
  });

  it('refuses a missing account id', () => {
    expect(() => stageOutputs(PLATFORM_SPEC, 'validate', '', '')).toThrow(/AWS_ACCOUNT_ID/);
  });
});

describe("trainedModel (the launcher's result file)", () => {
  const ARTIFACT = 's3://dogbreed-models-1/training-output/single/x/output/model.tar.gz';
  const PACKAGE = 'arn:aws:sagemaker:us-east-1:123456789012:model-package/dogbreed-single/4';
  const file = (result: object): string => JSON.stringify(result);

  it('takes the artifact and the package of the mode', () => {
    const text = file({
      target: 'sagemaker',
      mode: 'single',
      modelArtifact: ARTIFACT,
      modelPackage: PACKAGE,
    });
    expect(trainedModel(text, 'train-result.json', 'single')).toEqual({
      modelArtifact: ARTIFACT,
      modelPackage: PACKAGE,
    });
  });

  it('fails clearly on a malformed result, another mode, or an unregistered model', () => {
    const ok = { target: 'sagemaker', mode: 'single', modelArtifact: ARTIFACT, modelPackage: PACKAGE };
    expect(() => trainedModel('MODEL_ARTIFACT=x', 'r.json', 'single')).toThrow(
      /r\.json is not a launch result/,
    );
    expect(() =>
      trainedModel(file({ ...ok, modelArtifact: 'https://example.com/model.tar.gz' }), 'r.json', 'single'),
    ).toThrow(/modelArtifact/);
    expect(() => trainedModel(file(ok), 'r.json', 'multi')).toThrow(/single model's result, not the multi/);
    expect(() => trainedModel(file({ ...ok, modelPackage: undefined }), 'r.json', 'single')).toThrow(
      /not registered/,
    );
  });
});
