/**
 * The registry gate's pure parts: package ARNs and groups, the state each step accepts, which Approved package a
 * deploy takes (and that a pending or rejected one never is), the approval request, what the replay job fetches and
 * how its verdict reads. The AWS side runs against the emulated account in tools/tests/e2e/first-deploy.test.ts.
 */
import { PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { describe, expect, it } from 'vitest';
import { chooseServing } from './approved-models.js';
import { APPROVAL_DESCRIPTION_MAX, approvalRequest, runUrl } from './approve-model.js';
import { RegistryGateError, ReplayGateError, ReplayInputError } from './errors.js';
import { trainedModel } from './model-artifact.js';
import {
  groupOf,
  newestOf,
  packageOfMode,
  parsePackageArn,
  requireApproval,
  type PackageState,
} from './model-registry.js';
import { replayArgs, REPLAY_CLI, skippedLine, verdictLine } from './replay-gate.js';
import {
  artifactLocation,
  captureListing,
  imagePath,
  inside,
  sampleEvenly,
  type ReplayInputs,
} from './replay-inputs.js';
import { stageOutputs } from './spec-outputs.js';

const spec = PLATFORM_SPEC;
const arnOf = (group: string, v: number) =>
  `arn:aws:sagemaker:us-east-1:123456789012:model-package/${group}/${v}`;
const SINGLE = groupOf(spec, 'single');
const pkg = (v: number, approval: string): PackageState => ({
  ...parsePackageArn(arnOf(SINGLE, v)),
  approval,
  modelDataUrl: `s3://models-bucket/training-output/single/job-${v}/output/model.tar.gz`,
});

describe('package ARNs and groups', () => {
  it('reads group and version of a versioned package', () => {
    expect(parsePackageArn(arnOf('dogbreed-single', 12))).toEqual({
      arn: arnOf('dogbreed-single', 12),
      group: 'dogbreed-single',
      version: 12,
    });
  });

  it.each([
    'arn:aws:sagemaker:us-east-1:123456789012:model-package/unversioned',
    'arn:aws:sagemaker:us-east-1:123456789012:model-package-group/dogbreed-single',
    'dogbreed-single/1',
    '',
  ])('refuses %j', (arn) => {
    expect(() => parsePackageArn(arn)).toThrow(RegistryGateError);
  });

  it("accepts only the mode's own group (the spec's, followed when it changes)", () => {
    expect(packageOfMode(spec, 'single', arnOf('dogbreed-single', 1)).version).toBe(1);
    expect(() => packageOfMode(spec, 'multi', arnOf('dogbreed-single', 1))).toThrow(/not dogbreed-multi/);
    const other = specWith({
      ci: { modelRegistry: { ...spec.ci.modelRegistry, groups: { single: 'x-single', multi: 'x-multi' } } },
    });
    expect(packageOfMode(other, 'multi', arnOf('x-multi', 3)).group).toBe('x-multi');
  });

  it('the launch result names the registered package; none fails the train job', () => {
    const result = { target: 'sagemaker', mode: 'single', modelArtifact: 's3://bucket/k/model.tar.gz' };
    const text = JSON.stringify({ ...result, modelPackage: arnOf(SINGLE, 4) });
    expect(trainedModel(text, 'r.json', 'single').modelPackage).toBe(arnOf(SINGLE, 4));
    expect(() => trainedModel(JSON.stringify(result), 'r.json', 'single')).toThrow(RegistryGateError);
  });
});

describe('what each step accepts', () => {
  it('the deploy takes Approved only, and says what to do with a pending or rejected package', () => {
    expect(() => requireApproval(pkg(1, 'Approved'), 'Approved')).not.toThrow();
    for (const status of ['PendingManualApproval', 'Rejected'])
      expect(() => requireApproval(pkg(1, status), 'Approved')).toThrow(
        new RegExp(`is ${status}, not Approved: approve it first.*never reaches an endpoint`),
      );
  });

  it('the replay and the approval take a pending package only (never re-approve a rejected one)', () => {
    expect(() => requireApproval(pkg(1, 'PendingManualApproval'), 'PendingManualApproval')).not.toThrow();
    expect(() => requireApproval(pkg(1, 'Rejected'), 'PendingManualApproval')).toThrow(RegistryGateError);
    expect(() => requireApproval(pkg(1, 'Approved'), 'PendingManualApproval')).toThrow(RegistryGateError);
  });

  it('the newest Approved package is the highest version among Approved summaries', () => {
    const s = (v: number, status: 'Approved' | 'Rejected' | 'PendingManualApproval') => ({
      ModelPackageArn: arnOf(SINGLE, v),
      ModelApprovalStatus: status,
      ModelPackageGroupName: SINGLE,
      ModelPackageStatus: 'Completed' as const,
      CreationTime: new Date(),
    });
    expect(
      newestOf([s(3, 'Approved'), s(7, 'Approved'), s(9, 'Rejected'), s(10, 'PendingManualApproval')])
        ?.version,
    ).toBe(7);
    expect(newestOf([s(2, 'Rejected')])).toBeUndefined();
    expect(newestOf([])).toBeUndefined();
  });
});

describe('chooseServing: no unapproved package reaches the deploy', () => {
  it('training skipped: the newest Approved package', () => {
    expect(chooseServing({ mode: 'single', group: SINGLE, newest: pkg(5, 'Approved') })).toBe(
      arnOf(SINGLE, 5),
    );
  });

  it('nothing approved: refuses, saying to train and approve', () => {
    expect(() => chooseServing({ mode: 'single', group: SINGLE, newest: undefined })).toThrow(
      /no Approved model package for single in group dogbreed-single.*Train and approve first/,
    );
  });

  it("this run's package still pending or rejected: refuses even when an older one is Approved", () => {
    for (const status of ['PendingManualApproval', 'Rejected'])
      expect(() =>
        chooseServing({
          mode: 'single',
          group: SINGLE,
          newest: pkg(5, 'Approved'),
          expected: pkg(6, status),
        }),
      ).toThrow(new RegExp(`${status}, not Approved`));
  });

  it("this run's package Approved but not the newest Approved: refuses (one package, chosen on purpose)", () => {
    expect(() =>
      chooseServing({
        mode: 'single',
        group: SINGLE,
        newest: pkg(7, 'Approved'),
        expected: pkg(6, 'Approved'),
      }),
    ).toThrow(/newest Approved package of dogbreed-single is .*\/7/);
    expect(
      chooseServing({
        mode: 'single',
        group: SINGLE,
        newest: pkg(6, 'Approved'),
        expected: pkg(6, 'Approved'),
      }),
    ).toBe(arnOf(SINGLE, 6));
  });
});

describe('the approval', () => {
  it('sets Approved with the verdict and the run URL, within SageMaker’s 1,024 characters', () => {
    const url = runUrl({
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_RUN_ID: '42',
    });
    expect(url).toBe('https://github.com/o/r/actions/runs/42');
    const req = approvalRequest(arnOf(SINGLE, 1), 'single replay passed: 120 requests compared', url);
    expect(req).toMatchObject({ ModelPackageArn: arnOf(SINGLE, 1), ModelApprovalStatus: 'Approved' });
    expect(req.ApprovalDescription).toMatch(/^single replay passed.*actions\/runs\/42\)$/);
    expect(approvalRequest(arnOf(SINGLE, 1), 'x'.repeat(2000), url).ApprovalDescription).toHaveLength(
      APPROVAL_DESCRIPTION_MAX,
    );
    expect(runUrl({})).toBe('');
  });

  it('refuses without a replay verdict', () => {
    expect(() => approvalRequest(arnOf(SINGLE, 1), ' ', '')).toThrow(/no replay verdict/);
  });
});

describe('the replay inputs', () => {
  it('spreads the held-out sample over the whole listing, first and last included', () => {
    const keys = Array.from({ length: 10 }, (_, i) => i);
    expect(sampleEvenly(keys, 4)).toEqual([0, 3, 6, 9]);
    expect(sampleEvenly(keys, 20)).toEqual(keys);
    expect(sampleEvenly(keys, 1)).toEqual([0]);
    expect(sampleEvenly(keys, 0)).toEqual([]);
  });

  it('keeps <class>/<image> keys of the test split only', () => {
    expect(imagePath('datasets/test/beagle/1.jpg')).toBe('beagle/1.jpg');
    expect(imagePath('datasets/test/pug/x.PNG')).toBe('pug/x.PNG');
    expect(imagePath('datasets/train/beagle/1.jpg')).toBeUndefined();
    expect(imagePath('datasets/test/beagle/deeper/1.jpg')).toBeUndefined();
    expect(imagePath('datasets/test/beagle/notes.txt')).toBeUndefined();
    expect(imagePath('datasets/test/../1.jpg')).toBeUndefined();
  });

  it("lists the mode's endpoint captures from the lookback's hour folder on", () => {
    const now = new Date('2026-11-30T05:30:00Z');
    const { name, variantName } = spec.endpoints.multi;
    const hours = spec.ci.modelRegistry.replayInputs.captureLookbackHours;
    const since = new Date(now.getTime() - hours * 3_600_000);
    const l = captureListing(spec, 'multi', now);
    expect(l.prefix).toBe(`data-capture/${name}/${variantName}/`);
    expect(l.startAfter).toBe(
      `data-capture/${name}/${variantName}/${since.getUTCFullYear()}/${String(since.getUTCMonth() + 1).padStart(2, '0')}/${String(since.getUTCDate()).padStart(2, '0')}/05/`,
    );
  });

  it('takes artifacts from the model bucket only, and never writes outside its folder', () => {
    expect(artifactLocation('s3://models-1/training-output/a/model.tar.gz', 'models-1')).toEqual({
      bucket: 'models-1',
      key: 'training-output/a/model.tar.gz',
    });
    expect(() => artifactLocation('s3://elsewhere/a/model.tar.gz', 'models-1')).toThrow(ReplayInputError);
    expect(() => artifactLocation('s3://models-1/a/model.zip', 'models-1')).toThrow(ReplayInputError);
    expect(inside('/w/images', 'beagle/1.jpg')).toBe('/w/images/beagle/1.jpg');
    expect(() => inside('/w/captures', '../../etc/x.jsonl')).toThrow(ReplayInputError);
  });
});

describe('the replay verdict', () => {
  const inputs: ReplayInputs = {
    mode: 'single',
    package: arnOf(SINGLE, 2),
    candidate: { dir: '/w/candidate', modelDataUrl: 's3://m/c.tar.gz' },
    baseline: { dir: '/w/baseline', modelDataUrl: 's3://m/b.tar.gz' },
    images: { dir: '/w/images', count: 60 },
  };

  it('passes the replay only what was fetched', () => {
    expect(replayArgs(inputs, '/w/report')).toEqual([
      REPLAY_CLI,
      '--baseline',
      '/w/baseline',
      '--candidate',
      '/w/candidate',
      '--images',
      '/w/images',
      '--out',
      '/w/report',
    ]);
    expect(() => replayArgs({ ...inputs, baseline: undefined }, '/w/report')).toThrow(ReplayGateError);
  });

  it('reads as one line for the approval: figures, and the checks that failed', () => {
    const figures = {
      compared: 120,
      agreement: { rate: 0.95 },
      accuracy: { drop: 0.01 },
      latency: { p95Ratio: 1.2 },
    };
    expect(verdictLine('single', { verdict: 'pass', figures, checks: [] })).toBe(
      'single replay passed: 120 requests compared, top-1 agreement 95.0 %, accuracy drop 1.0 %, p95 latency ×1.20',
    );
    expect(
      verdictLine('multi', {
        verdict: 'fail',
        figures: { compared: 10, agreement: { rate: null }, accuracy: null, latency: null },
        checks: [{ name: 'minRequests', result: 'fail' }],
      }),
    ).toBe('multi replay failed: 10 requests compared; failed: minRequests');
  });

  it('says so when a first deploy skips the comparison', () => {
    expect(skippedLine({ ...inputs, baseline: undefined, noBaseline: 'first deploy: nothing serves' })).toBe(
      'single replay skipped: first deploy: nothing serves',
    );
  });
});

describe('stageOutputs for the gate', () => {
  it('the gate stages run in their own environments; the group is not an output (the launcher reads the spec)', () => {
    expect(stageOutputs(spec, 'train', '123456789012', 'training')).not.toHaveProperty('model-package-group');
    expect(stageOutputs(spec, 'replay', '123456789012', 'model-replay')['role-arn']).toMatch(
      /role\/dogbreed-ci-replay$/,
    );
    expect(() => stageOutputs(spec, 'approveModel', '123456789012', 'production')).toThrow(
      /must run in GitHub environment "model-approval"/,
    );
  });
});
