/**
 * Defect 5 of issue 16: a deploy of the serving stack with training skipped must reuse the artifacts the last
 * successful deploy recorded, never a key nothing wrote; with none recorded (a first deploy) it fails saying to train
 * first. Against moto through the recorder: the real SDK calls the deploy-endpoints role makes.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { PLATFORM_SPEC, S3_PREFIXES, ssmParameterNames } from '@dogbreed/platform-spec';
import {
  motoAvailable,
  startAwsRecorder,
  startMoto,
  type AwsRecorder,
  type MotoServer,
} from '@dogbreed/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ModelArtifactError,
  resolveServingModels,
  type ArtifactClients,
} from '../../scripts/serving-artifacts.js';

const names = ssmParameterNames(PLATFORM_SPEC);
const BUCKET = 'dogbreed-models-123456789012';
const trained = `s3://${BUCKET}/${S3_PREFIXES.trainingOutput}single/dogbreed-single-1/output/model.tar.gz`;
const lastMulti = `s3://${BUCKET}/${S3_PREFIXES.trainingOutput}multi/dogbreed-multi-0/output/model.tar.gz`;

describe.skipIf(!motoAvailable())(
  'resolveServingModels against moto (skipped: moto_server not installed, run tools/setup.sh)',
  () => {
    let moto: MotoServer;
    let recorder: AwsRecorder;
    let clients: ArtifactClients;

    beforeAll(async () => {
      moto = await startMoto();
      recorder = await startAwsRecorder({ upstream: moto.endpoint });
      const common = {
        region: PLATFORM_SPEC.project.region,
        endpoint: recorder.endpoint,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      };
      clients = { ssm: new SSMClient(common), s3: new S3Client({ ...common, forcePathStyle: true }) };
      await clients.ssm.send(
        new PutParameterCommand({ Name: names.modelBucket, Value: BUCKET, Type: 'String' }),
      );
      await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      for (const uri of [trained, lastMulti]) {
        await clients.s3.send(
          new PutObjectCommand({ Bucket: BUCKET, Key: uri.slice(`s3://${BUCKET}/`.length), Body: 'tar' }),
        );
      }
    });

    afterAll(async () => {
      await recorder?.stop();
      await moto?.stop();
    });

    beforeEach(() => {
      recorder.calls.length = 0;
    });

    it('a first deploy (nothing recorded, nothing trained) fails saying to train first', async () => {
      const err = await resolveServingModels(clients, { spec: PLATFORM_SPEC, given: {} }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ModelArtifactError);
      expect((err as Error).message).toMatch(/no model artifact for single and multi.*force-train/);
    });

    it('training skipped for multi: the multi endpoint keeps what the last deploy recorded', async () => {
      await clients.ssm.send(
        new PutParameterCommand({
          Name: names.deployedModelMulti,
          Value: lastMulti,
          Type: 'String',
          Overwrite: true,
        }),
      );
      recorder.calls.length = 0;
      const models = await resolveServingModels(clients, { spec: PLATFORM_SPEC, given: { single: trained } });
      expect(models).toEqual({ single: trained, multi: lastMulti });
      // Only reads: the recorded parameter, the model bucket's name, and a listing of each exact key.
      expect(recorder.calls.map((c) => `${c.service}:${c.operation}`).sort()).toEqual(
        ['ssm:GetParameter', 'ssm:GetParameter', 's3:ListObjectsV2', 's3:ListObjectsV2'].sort(),
      );
    });

    it('refuses an artifact nothing wrote, and one outside the model bucket', async () => {
      const missing = `s3://${BUCKET}/${S3_PREFIXES.models}single/model.tar.gz`;
      await expect(
        resolveServingModels(clients, { spec: PLATFORM_SPEC, given: { single: missing, multi: lastMulti } }),
      ).rejects.toThrow(/does not exist/);
      await expect(
        resolveServingModels(clients, {
          spec: PLATFORM_SPEC,
          given: { single: 's3://other-bucket/x/model.tar.gz', multi: lastMulti },
        }),
      ).rejects.toThrow(/not in the model bucket/);
    });
  },
);
