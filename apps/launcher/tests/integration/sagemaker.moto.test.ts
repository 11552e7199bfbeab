/**
 * Contract test: the launcher's SageMaker path with the real SDK against moto's server mode, from an account where
 * only the data, network and training stacks are deployed (no serving stack yet).
 */
import {
  PLATFORM_SPEC,
  S3_PREFIXES,
  ssmParameterNames,
  TRAINING_INPUTS_METADATA_KEY,
  trainingInputsDigest,
} from '@dogbreed/platform-spec';
import {
  DescribeTrainingJobCommand,
  ListModelPackagesCommand,
  DescribeModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create as createTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/context.js';
import { launchSageMaker } from '../../src/sagemaker/launch.js';
import { buildCreateTrainingJobRequest } from '../../src/sagemaker/request.js';
import { infraParameters, memoryIo, TEST_INFRA, testContext, TRAINING_DIR } from '../support/helpers.js';
import { motoAvailable, motoClients, startMoto, type MotoServer } from '../support/moto.js';

const REGION = PLATFORM_SPEC.project.region;

describe.skipIf(!motoAvailable())(
  'contract: the real SDK against moto server mode (skipped: moto_server not installed, run tools/setup.sh)',
  () => {
    let moto: MotoServer;
    let aws: AwsClients;

    beforeAll(async () => {
      moto = await startMoto();
      aws = motoClients(moto, REGION);
      // The infra's SSM parameters and buckets; a dataset in the data bucket.
      const names = ssmParameterNames(PLATFORM_SPEC);
      const params = infraParameters(PLATFORM_SPEC, { ...TEST_INFRA, ec2InstanceId: undefined });
      for (const [Name, Value] of Object.entries(params)) {
        const list = Name === names.trainingSubnetIds;
        await aws.ssm.send(new PutParameterCommand({ Name, Value, Type: list ? 'StringList' : 'String' }));
      }
      for (const b of [TEST_INFRA.dataBucket, TEST_INFRA.modelBucket, TEST_INFRA.checkpointBucket]) {
        await aws.s3.send(new CreateBucketCommand({ Bucket: b }));
      }
      for (const split of ['train', 'valid', 'test']) {
        for (const cls of ['beagle', 'pug']) {
          await aws.s3.send(
            new PutObjectCommand({
              Bucket: TEST_INFRA.dataBucket,
              // Where the data stores and the SageMaker role put the datasets: the launcher's default prefix.
              Key: `${S3_PREFIXES.datasets}${split}/${cls}/1.png`,
              Body: 'png',
            }),
          );
        }
      }
    });

    afterAll(async () => {
      await moto?.stop();
    });

    it('uploads the source, creates the job, describes it and reads its status; registers the model', async () => {
      // An account before its first deploy: the serving stack (and its image parameter) does not exist yet, and
      // --register must not need it (it would deadlock: serving needs an Approved package, which needs training).
      await expect(
        aws.ssm.send(new GetParameterCommand({ Name: ssmParameterNames(PLATFORM_SPEC).modelServerImageUri })),
      ).rejects.toMatchObject({ name: 'ParameterNotFound' });
      // Prepare: the model.tar.gz the job will have written (moto does not run containers).
      const jobName = 'dogbreed-contract-1';
      const artifactKey = `training-output/multi/${jobName}/output/model.tar.gz`;
      const dir = mkdtempSync(join(tmpdir(), 'launcher-moto-'));
      try {
        writeFileSync(
          join(dir, 'evaluation.json'),
          JSON.stringify({ test_top1: 0.91, test_top5: 0.99, per_class: { pug: 0.9 } }),
        );
        const chunks: Buffer[] = [];
        for await (const c of createTar({ gzip: true, cwd: dir }, [
          'evaluation.json',
        ]) as AsyncIterable<Buffer>)
          chunks.push(Buffer.from(c));
        await aws.s3.send(
          new PutObjectCommand({
            Bucket: TEST_INFRA.modelBucket,
            Key: artifactKey,
            Body: Buffer.concat(chunks),
          }),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const io = memoryIo();
      const ctx = testContext(
        PLATFORM_SPEC,
        { target: 'sagemaker', mode: 'multi', jobName, register: true },
        io,
      );

      // Act
      const outcome = await launchSageMaker(ctx, aws);

      // Assess: the job as moto stored it is the request we built.
      expect(outcome.modelArtifact).toBe(`s3://${TEST_INFRA.modelBucket}/${artifactKey}`);
      const job = await aws.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: jobName }));
      expect(job.TrainingJobStatus).toBe('Completed');
      expect(job.RoleArn).toBe(TEST_INFRA.trainingRoleArn);
      expect(job.ResourceConfig).toMatchObject({
        InstanceType: PLATFORM_SPEC.training.multiInstanceType,
        InstanceCount: PLATFORM_SPEC.training.multiInstanceCount,
      });
      expect(job.VpcConfig).toEqual({
        SecurityGroupIds: TEST_INFRA.securityGroupIds,
        Subnets: TEST_INFRA.subnetIds,
      });
      expect(job.EnableNetworkIsolation).toBe(true);
      expect(job.EnableInterContainerTrafficEncryption).toBe(true);
      expect(job.EnableManagedSpotTraining).toBe(PLATFORM_SPEC.training.spot);
      expect(job.StoppingCondition?.MaxWaitTimeInSeconds).toBe(PLATFORM_SPEC.training.maxWaitSeconds);
      expect(job.HyperParameters?.['sagemaker_program']).toBe('"train.py"');
      const channels = job.InputDataConfig?.map((c) => c.ChannelName);
      expect(channels).toEqual(['train', 'valid', 'test', 'code']);
      const code =
        job.InputDataConfig?.find((c) => c.ChannelName === 'code')?.DataSource?.S3DataSource?.S3Uri ?? '';
      // The source tarball is in (moto) S3 under its content hash.
      const key = code.replace(`s3://${TEST_INFRA.modelBucket}/`, '');
      expect(key).toMatch(/^training-source\/[0-9a-f]{16}\/sourcedir\.tar\.gz$/);
      const head = await aws.s3.send(new HeadObjectCommand({ Bucket: TEST_INFRA.modelBucket, Key: key }));
      expect(head.ContentLength).toBeGreaterThan(0);
      expect(io.stderr.some((l) => l.includes(`[${jobName}] status: - -> Completed`))).toBe(true);
      // Registration: a package pending approval with the evaluation's metrics, in the spec's group for the mode.
      const pkgs = await aws.sagemaker.send(
        new ListModelPackagesCommand({ ModelPackageGroupName: PLATFORM_SPEC.ci.modelRegistry.groups.multi }),
      );
      expect(pkgs.ModelPackageSummaryList).toHaveLength(1);
      const pkg = await aws.sagemaker.send(
        new DescribeModelPackageCommand({
          ModelPackageName: pkgs.ModelPackageSummaryList?.[0]?.ModelPackageArn,
        }),
      );
      expect(pkg.ModelApprovalStatus).toBe('PendingManualApproval');
      // No image: moto (like SageMaker, where Image is optional) stores the artifact alone.
      expect(pkg.InferenceSpecification?.Containers).toEqual([
        { ModelDataUrl: `s3://${TEST_INFRA.modelBucket}/${artifactKey}` },
      ]);
      // The digest train-decision compares: the training package and the spec's training section.
      expect(pkg.CustomerMetadataProperties?.[TRAINING_INPUTS_METADATA_KEY]).toBe(
        trainingInputsDigest({ trainingDir: TRAINING_DIR, training: PLATFORM_SPEC.training }),
      );
      // The package's ARN is in the result (the deploy workflow's replay and approve jobs take it from there).
      expect(outcome.modelPackage).toBe(pkg.ModelPackageArn);
      expect(io.stdout).toContain(`MODEL_PACKAGE=${pkg.ModelPackageArn}`);
      expect(pkg.CustomerMetadataProperties).toMatchObject({
        test_top1: '0.91',
        'per_class.pug': '0.9',
        trainingJobName: jobName,
      });
      const evalObj = await aws.s3.send(
        new GetObjectCommand({
          Bucket: TEST_INFRA.modelBucket,
          Key: `training-output/multi/${jobName}/output/evaluation.json`,
        }),
      );
      expect(JSON.parse((await evalObj.Body?.transformToString()) ?? 'null')).toMatchObject({
        test_top1: 0.91,
      });
    });

    it('the golden-style request is accepted as is (single, spot off)', async () => {
      const req = buildCreateTrainingJobRequest({
        spec: PLATFORM_SPEC,
        mode: 'single',
        region: REGION,
        jobName: 'dogbreed-contract-2',
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
        metricDefinitions: [{ Name: 'val:acc', Regex: 'val_acc=([0-9.]+)' }],
        dataPrefix: 'dataset/',
      });
      const { CreateTrainingJobCommand } = await import('@aws-sdk/client-sagemaker');
      await aws.sagemaker.send(new CreateTrainingJobCommand(req));
      const job = await aws.sagemaker.send(
        new DescribeTrainingJobCommand({ TrainingJobName: 'dogbreed-contract-2' }),
      );
      expect(job.HyperParameters).toEqual(req.HyperParameters);
      expect(job.OutputDataConfig).toEqual(req.OutputDataConfig);
      expect(job.CheckpointConfig).toEqual(req.CheckpointConfig);
    });
  },
);
