/**
 * `upload-dataset`, `stop` and a cancelled CI run, with the real SDK against moto through the recording proxy (which
 * lists every call, so the tests can say exactly which S3 calls were made: ListObjectsV2, never HeadObject).
 *
 * moto 5.2.5 completes a training job the moment it is created and has no StopTrainingJob, so for the jobs named in
 * RUNNING the recorder plays SageMaker's part of a job's life: DescribeTrainingJob answers InProgress until a
 * StopTrainingJob for it arrives, Stopping after. Everything else (SSM, S3, CreateTrainingJob) is moto's.
 */
import { PLATFORM_SPEC, S3_PREFIXES, ssmParameterNames } from '@dogbreed/platform-spec';
import {
  CreateTrainingJobCommand,
  DescribeTrainingJobCommand,
  type CreateTrainingJobRequest,
} from '@aws-sdk/client-sagemaker';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { startAwsRecorder, type AwsRecorder } from '@dogbreed/testing';
import { workspaceRoot } from '@dogbreed/workspace';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import type { AwsClients } from '../../src/context.js';
import { EXIT_CODES } from '../../src/errors.js';
import { InterruptSignal } from '../../src/io.js';
import { buildCreateTrainingJobRequest } from '../../src/sagemaker/request.js';
import { infraParameters, memoryIo, TEST_INFRA } from '../support/helpers.js';
import { motoAvailable, motoClients, startMoto, type MotoServer } from '../support/moto.js';

const REGION = PLATFORM_SPEC.project.region;
/** Jobs whose life the recorder plays (moto would report them Completed at once). */
const RUNNING = new Set(['stop-running-1', 'sigterm-1']);

describe.skipIf(!motoAvailable())(
  'upload-dataset, stop and a cancelled run against moto (skipped: moto_server not installed, run tools/setup.sh)',
  () => {
    let moto: MotoServer;
    let recorder: AwsRecorder;
    let aws: AwsClients;
    const stopped = new Set<string>();
    const dir = mkdtempSync(join(tmpdir(), 'launcher-commands-'));
    const run = (argv: string[], io = memoryIo()) =>
      runCli(argv, {
        io,
        env: {},
        interrupts: new InterruptSignal(),
        clients: (r) =>
          motoClients({ endpoint: recorder.endpoint, log: () => '', stop: async () => undefined }, r),
      });
    const calls = (): string[] => recorder.calls.map((c) => `${c.service}:${c.operation}`);

    beforeAll(async () => {
      moto = await startMoto();
      recorder = await startAwsRecorder({
        upstream: moto.endpoint,
        respond: (call) => {
          if (call.service !== 'sagemaker') return undefined;
          const name = (JSON.parse(call.body || '{}') as { TrainingJobName?: string }).TrainingJobName ?? '';
          if (!RUNNING.has(name)) return undefined;
          if (call.operation === 'StopTrainingJob') {
            stopped.add(name);
            return { status: 200, body: '{}' };
          }
          if (call.operation === 'DescribeTrainingJob') {
            const status = stopped.has(name) ? 'Stopping' : 'InProgress';
            return {
              status: 200,
              body: JSON.stringify({
                TrainingJobName: name,
                TrainingJobStatus: status,
                SecondaryStatus: stopped.has(name) ? 'Stopping' : 'Training',
              }),
            };
          }
          return undefined;
        },
      });
      aws = motoClients(moto, REGION);
      const names = ssmParameterNames(PLATFORM_SPEC);
      for (const [Name, Value] of Object.entries(infraParameters(PLATFORM_SPEC, TEST_INFRA))) {
        const list = Name === names.trainingSubnetIds;
        await aws.ssm.send(new PutParameterCommand({ Name, Value, Type: list ? 'StringList' : 'String' }));
      }
      for (const b of [TEST_INFRA.dataBucket, TEST_INFRA.modelBucket, TEST_INFRA.checkpointBucket])
        await aws.s3.send(new CreateBucketCommand({ Bucket: b }));
    });

    afterAll(async () => {
      await recorder?.stop();
      await moto?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    describe('upload-dataset', () => {
      const dataset = join(dir, 'dataset');
      beforeAll(() => {
        for (const split of ['train', 'valid', 'test'])
          for (const cls of ['beagle', 'pug'])
            for (const n of [1, 2, 3]) {
              const path = join(dataset, split, cls, `${n}.png`);
              mkdirSync(dirname(path), { recursive: true });
              writeFileSync(path, `${split}-${cls}-${n}`);
            }
      });

      it('--dry-run reads the bucket and what is there, uploads nothing', async () => {
        recorder.calls.length = 0;
        const io = memoryIo();
        expect(await run(['upload-dataset', '--dir', dataset, '--dry-run'], io)).toBe(EXIT_CODES.ok);
        expect(calls()).toEqual(['ssm:GetParameter', 's3:ListObjectsV2']);
        expect(io.stderr).toContain(
          `[dry-run] 18 files (0.0 MiB) to upload to s3://${TEST_INFRA.dataBucket}/${S3_PREFIXES.datasets}, 0 already there with the same size`,
        );
      });

      it('uploads every file to datasets/<split>/<class>/<file>; a second run uploads nothing', async () => {
        recorder.calls.length = 0;
        const io = memoryIo();
        expect(await run(['upload-dataset', '--dir', dataset], io)).toBe(EXIT_CODES.ok);
        expect(calls().filter((c) => c === 's3:PutObject')).toHaveLength(18);
        expect(calls().filter((c) => c !== 's3:PutObject')).toEqual(['ssm:GetParameter', 's3:ListObjectsV2']);
        expect(io.stderr).toContain('[upload] 18/18 files, 0.0 MiB');
        expect(io.stdout).toEqual([`DATASET=s3://${TEST_INFRA.dataBucket}/${S3_PREFIXES.datasets}`]);
        const obj = await aws.s3.send(
          new GetObjectCommand({
            Bucket: TEST_INFRA.dataBucket,
            Key: `${S3_PREFIXES.datasets}valid/pug/2.png`,
          }),
        );
        expect(await obj.Body?.transformToString()).toBe('valid-pug-2');

        recorder.calls.length = 0;
        const again = memoryIo();
        expect(await run(['upload-dataset', '--dir', dataset], again)).toBe(EXIT_CODES.ok);
        expect(calls()).toEqual(['ssm:GetParameter', 's3:ListObjectsV2']);
        expect(again.stderr.join('\n')).toContain('uploaded 0 files (0.0 MiB)');
        expect(again.stderr.join('\n')).toContain('skipped 18 already there');
      });

      it('a changed file (other size) goes up again, alone', async () => {
        writeFileSync(join(dataset, 'test', 'beagle', '1.png'), 'a longer replacement image');
        recorder.calls.length = 0;
        expect(await run(['upload-dataset', '--dir', dataset])).toBe(EXIT_CODES.ok);
        const puts = recorder.calls.filter((c) => c.operation === 'PutObject').map((c) => c.path);
        expect(puts).toEqual([`/${TEST_INFRA.dataBucket}/${S3_PREFIXES.datasets}test/beagle/1.png`]);
      });

      it('a bad layout fails before any AWS call (exit 4), naming the problem', async () => {
        const bad = join(dir, 'bad');
        mkdirSync(join(bad, 'train', 'pug'), { recursive: true });
        writeFileSync(join(bad, 'train', 'pug', '1.png'), 'x');
        recorder.calls.length = 0;
        const io = memoryIo();
        expect(await run(['upload-dataset', '--dir', bad], io)).toBe(EXIT_CODES.missingInput);
        expect(io.stderr.join('\n')).toContain('valid/: missing');
        expect(recorder.calls).toHaveLength(0);
      });
    });

    describe('stop', () => {
      const request = (name: string): CreateTrainingJobRequest =>
        buildCreateTrainingJobRequest({
          spec: PLATFORM_SPEC,
          mode: 'single',
          region: REGION,
          jobName: name,
          infra: TEST_INFRA,
          sourceUri: `s3://${TEST_INFRA.modelBucket}/training-source/x/sourcedir.tar.gz`,
          hyperparameters: {
            backbone: 'tiny_cnn',
            epochs: 1,
            batchSize: 4,
            learningRate: 0.01,
            freezeBackbone: false,
            earlyStoppingPatience: 1,
            imageSize: 32,
          },
          metricDefinitions: [],
          dataPrefix: S3_PREFIXES.datasets,
        });

      it('stops a running job', async () => {
        recorder.calls.length = 0;
        const io = memoryIo();
        expect(await run(['stop', '--job-name', 'stop-running-1'], io)).toBe(EXIT_CODES.ok);
        expect(calls()).toEqual(['sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob']);
        expect(io.stdout).toEqual(['TRAINING_JOB_STATUS=Stopping']);
        // Again: already stopping, no second StopTrainingJob.
        recorder.calls.length = 0;
        expect(await run(['stop', '--job-name', 'stop-running-1'])).toBe(EXIT_CODES.ok);
        expect(calls()).toEqual(['sagemaker:DescribeTrainingJob']);
      });

      it('reports a job that already ended, and one that never existed, as exit 0', async () => {
        await aws.sagemaker.send(new CreateTrainingJobCommand(request('stop-done-1')));
        recorder.calls.length = 0;
        const io = memoryIo();
        expect(await run(['stop', '--job-name', 'stop-done-1'], io)).toBe(EXIT_CODES.ok);
        expect(io.stdout).toEqual(['TRAINING_JOB_STATUS=Completed']);
        expect(io.stderr.join('\n')).toContain('already ended (Completed)');
        const none = memoryIo();
        expect(await run(['stop', '--job-name', 'never-created-1'], none)).toBe(EXIT_CODES.ok);
        expect(none.stdout).toEqual(['TRAINING_JOB_STATUS=Absent']);
        expect(calls()).not.toContain('sagemaker:StopTrainingJob');
      });
    });

    it('a launcher process following a job stops it on SIGTERM without a TTY and exits 130', async () => {
      const root = workspaceRoot();
      // The channels the launcher checks (independent of the upload-dataset tests above).
      for (const split of ['train', 'valid', 'test'])
        await aws.s3.send(
          new PutObjectCommand({
            Bucket: TEST_INFRA.dataBucket,
            Key: `${S3_PREFIXES.datasets}${split}/pug/sigterm.png`,
            Body: 'png',
          }),
        );
      recorder.calls.length = 0;
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join(root, 'apps/launcher/src/main.ts'),
          '--target',
          'sagemaker',
          '--job-name',
          'sigterm-1',
          '--poll-seconds',
          '0.2',
        ],
        {
          cwd: root,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: {
            PATH: process.env['PATH'],
            HOME: process.env['HOME'],
            TSX_TSCONFIG_PATH: join(root, 'tsconfig.base.json'),
            AWS_ENDPOINT_URL: recorder.endpoint,
            AWS_ACCESS_KEY_ID: 'testing',
            AWS_SECRET_ACCESS_KEY: 'testing',
            AWS_REGION: REGION,
          },
        },
      );
      let stderr = '';
      const following = new Promise<void>((resolve) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (stderr.includes('[sigterm-1] status: - -> InProgress')) resolve();
        });
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await Promise.race([following, exited]);
      child.kill('SIGTERM');
      const code = await exited;

      expect(code, stderr).toBe(EXIT_CODES.interrupted);
      expect(stderr).toContain('[sigterm-1] interrupted without a TTY: stopping the training job');
      const stops = recorder.calls.filter((c) => c.operation === 'StopTrainingJob');
      expect(stops.map((c) => JSON.parse(c.body) as unknown)).toEqual([{ TrainingJobName: 'sigterm-1' }]);
      const after = await motoClients(
        { endpoint: recorder.endpoint, log: () => '', stop: async () => undefined },
        REGION,
      ).sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: 'sigterm-1' }));
      expect(after.TrainingJobStatus).toBe('Stopping');
      // Its S3 calls against moto: the channel and source-key listings and the source upload, never a HeadObject.
      expect(recorder.calls.filter((c) => c.service === 's3').map((c) => c.operation)).toEqual([
        'ListObjectsV2',
        'ListObjectsV2',
        'ListObjectsV2',
        'ListObjectsV2',
        'PutObject',
      ]);
      // The job the process created is moto's (CreateTrainingJob went through).
      expect(recorder.calls.some((c) => c.operation === 'CreateTrainingJob')).toBe(true);
    });
  },
);
