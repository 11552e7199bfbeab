/**
 * The pure parts of issue 24's launcher changes: registration without an image and with the training-inputs digest,
 * the infra a `--register` run reads, what an interrupt does without a TTY, the `stop` decision, and the dataset
 * layout check and upload plan of `upload-dataset`.
 */
import { PLATFORM_SPEC, ssmParameterNames, TRAINING_INPUTS_METADATA_KEY } from '@dogbreed/platform-spec';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { datasetKey, planUpload, progressLine, scanDataset, type DatasetFile } from './dataset.js';
import { DatasetLayoutError, EXIT_CODES } from './errors.js';
import { readInfra } from './infra.js';
import { InterruptSignal } from './io.js';
import { buildCreateModelPackageRequest } from './register.js';
import { runTrainingInputs } from './sagemaker/launch.js';
import { interruptAction } from './sagemaker/wait.js';
import { stopDecision, stopResultLine } from './stop.js';
import { infraParameters, memoryIo, testContext } from '../tests/support/helpers.js';

describe('--register without the serving image', () => {
  it('readInfra never asks SSM for the model server image, and a run with --register needs nothing more', async () => {
    const ssm = mockClient(SSMClient);
    const params = infraParameters(PLATFORM_SPEC);
    ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
      Parameters: input.Names.filter((n) => params[n]).map((n) => ({ Name: n, Value: params[n] })),
    }));
    const infra = await readInfra(new SSMClient({ region: 'us-east-1' }), PLATFORM_SPEC);
    const asked = ssm.commandCalls(GetParametersCommand).flatMap((c) => c.args[0].input.Names ?? []);
    expect(asked).not.toContain(ssmParameterNames(PLATFORM_SPEC).modelServerImageUri);
    expect(infra.modelBucket).toBe(params[ssmParameterNames(PLATFORM_SPEC).modelBucket]);
    ssm.restore();
  });

  it('the package names the artifact only, carries the digest, and stays within 50 metadata entries', () => {
    const evaluation = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`m${i}`, i / 100]));
    const req = buildCreateModelPackageRequest({
      spec: PLATFORM_SPEC,
      mode: 'single',
      group: 'dogbreed-single',
      modelDataUrl: 's3://b/training-output/single/j/output/model.tar.gz',
      evaluationUri: 's3://b/training-output/single/j/output/evaluation.json',
      evaluation,
      trainingInputs: 'a'.repeat(64),
      trainingJobName: 'j',
    });
    expect(req.InferenceSpecification?.Containers).toEqual([
      { ModelDataUrl: 's3://b/training-output/single/j/output/model.tar.gz' },
    ]);
    expect(req.CustomerMetadataProperties?.[TRAINING_INPUTS_METADATA_KEY]).toBe('a'.repeat(64));
    expect(Object.keys(req.CustomerMetadataProperties ?? {})).toHaveLength(50);
  });

  it("a run's digest is CI's when it overrides nothing, another one with --epochs or another data prefix", () => {
    const ci = runTrainingInputs(testContext(PLATFORM_SPEC, { target: 'sagemaker' }));
    expect(runTrainingInputs(testContext(PLATFORM_SPEC, { target: 'sagemaker', mode: 'multi' }))).toBe(ci);
    expect(runTrainingInputs(testContext(PLATFORM_SPEC, { target: 'sagemaker', epochs: '1' }))).not.toBe(ci);
    expect(
      runTrainingInputs(testContext(PLATFORM_SPEC, { target: 'sagemaker', dataPrefix: 'other/' })),
    ).not.toBe(ci);
  });
});

describe('an interrupt while following a job', () => {
  it('stops the job without a TTY (CI cancelling), asks on a TTY', () => {
    expect(interruptAction(false)).toBe('stop');
    expect(interruptAction(true)).toBe('ask');
  });
});

describe('stop (idempotent)', () => {
  it.each([
    [undefined, { kind: 'absent' }, 'TRAINING_JOB_STATUS=Absent'],
    ['Completed', { kind: 'ended', status: 'Completed' }, 'TRAINING_JOB_STATUS=Completed'],
    ['Failed', { kind: 'ended', status: 'Failed' }, 'TRAINING_JOB_STATUS=Failed'],
    ['Stopped', { kind: 'ended', status: 'Stopped' }, 'TRAINING_JOB_STATUS=Stopped'],
    ['Stopping', { kind: 'stopping' }, 'TRAINING_JOB_STATUS=Stopping'],
    ['InProgress', { kind: 'stop-requested', was: 'InProgress' }, 'TRAINING_JOB_STATUS=Stopping'],
  ])('a job %s → %j', (status, outcome, line) => {
    expect(stopDecision(status)).toEqual(outcome);
    expect(stopResultLine(stopDecision(status))).toBe(line);
  });

  it('--job-name is required and checked (exit 2)', async () => {
    const io = memoryIo();
    expect(await runCli(['stop'], { io, env: {}, interrupts: new InterruptSignal() })).toBe(EXIT_CODES.usage);
    expect(
      await runCli(['stop', '--job-name', 'bad_name'], { io, env: {}, interrupts: new InterruptSignal() }),
    ).toBe(EXIT_CODES.usage);
    expect(io.stderr.join('\n')).toContain('--job-name');
  });
});

describe('upload-dataset: layout check and plan', () => {
  let dir: string;
  const put = (rel: string, bytes = 3): void => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), 'x'.repeat(bytes));
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dataset-'));
    for (const split of ['train', 'valid', 'test'])
      for (const cls of ['beagle', 'pug']) put(`${split}/${cls}/1.jpg`);
    put('.DS_Store');
    put('train/pug/.DS_Store');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a valid ImageFolder dataset (dot-files ignored)', () => {
    const files = scanDataset(dir);
    expect(files.map((f) => `${f.split}/${f.className}/${f.name}`)).toEqual([
      'train/beagle/1.jpg',
      'train/pug/1.jpg',
      'valid/beagle/1.jpg',
      'valid/pug/1.jpg',
      'test/beagle/1.jpg',
      'test/pug/1.jpg',
    ]);
  });

  it('names every problem at once', () => {
    rmSync(join(dir, 'test'), { recursive: true });
    put('valid/corgi/1.png');
    put('train/pug/notes.txt');
    put('train/loose.jpg');
    put('README.md');
    mkdirSync(join(dir, 'train', 'beagle', 'nested'));
    let err: unknown;
    try {
      scanDataset(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DatasetLayoutError);
    expect((err as DatasetLayoutError).exitCode).toBe(EXIT_CODES.missingInput);
    expect((err as DatasetLayoutError).problems).toEqual([
      'README.md: unexpected at the top (only train/ valid/ test/)',
      'train/beagle/nested: a folder inside a class folder',
      'train/loose.jpg: a file directly in a split (images go in one folder per class)',
      'train/pug/notes.txt: not an image (.jpg .jpeg .png .bmp .gif .webp .tif .tiff)',
      'test/: missing (every split is a training channel)',
      'train/: lacks class folder(s) the other splits have: corgi',
    ]);
  });

  it('flags empty class folders and a missing folder', () => {
    mkdirSync(join(dir, 'valid', 'husky'));
    mkdirSync(join(dir, 'train', 'husky'));
    mkdirSync(join(dir, 'test', 'husky'));
    expect(() => scanDataset(dir)).toThrow(/train\/husky\/: no images/);
    expect(() => scanDataset(join(dir, 'nope'))).toThrow(/is not a folder/);
  });

  it('plans only files whose key is not there with the same size; reports strays', () => {
    const file = (name: string, size: number): DatasetFile => ({
      split: 'train',
      className: 'pug',
      name,
      path: `/d/train/pug/${name}`,
      size,
    });
    const files = [file('1.jpg', 3), file('2.jpg', 4), file('3.jpg', 5)];
    const remote = new Map([
      ['datasets/train/pug/1.jpg', 3],
      ['datasets/train/pug/2.jpg', 99],
      ['datasets/train/husky/1.jpg', 1],
    ]);
    const plan = planUpload(files, remote, 'datasets/');
    expect(plan.upload.map((f) => f.key)).toEqual(['datasets/train/pug/2.jpg', 'datasets/train/pug/3.jpg']);
    expect(plan).toMatchObject({ skipped: 1, bytes: 9, extraKeys: ['datasets/train/husky/1.jpg'] });
    expect(datasetKey('datasets/', files[0] as DatasetFile)).toBe('datasets/train/pug/1.jpg');
    expect(progressLine(120, 720, 14.2 * 1024 * 1024)).toBe('[upload] 120/720 files, 14.2 MiB');
  });
});
