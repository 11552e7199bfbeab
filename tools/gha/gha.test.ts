import { describe, expect, it } from 'vitest';
import { PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { findModelArtifact } from './model-artifact.js';
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

describe('findModelArtifact', () => {
  it('takes the last MODEL_ARTIFACT line', () => {
    const log =
      'epoch=1 ...\nMODEL_ARTIFACT=s3://old-bucket/a/model.tar.gz\nMODEL_ARTIFACT=s3://dogbreed-models-1/jobs/x/output/model.tar.gz\n';
    expect(findModelArtifact(log)).toBe('s3://dogbreed-models-1/jobs/x/output/model.tar.gz');
  });

  it('fails clearly when training did not finish or the URI is malformed', () => {
    expect(() => findModelArtifact('Failed: ResourceLimitExceeded')).toThrow(/no MODEL_ARTIFACT= line/);
    expect(() => findModelArtifact('MODEL_ARTIFACT=https://example.com/model.tar.gz')).toThrow();
  });
});
