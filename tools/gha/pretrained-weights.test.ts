/**
 * Defect 6 of issue 16: the train stage supplies real pretrained weights as the `pretrained` channel, uploaded once
 * and reused by hash; a frozen backbone without weights is refused before any job starts. Against moto through the
 * recorder, with the fetch step replaced by a local file (the runner's pip/URL fetch needs the internet).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { PLATFORM_SPEC, S3_PREFIXES, ssmParameterNames } from '@dogbreed/platform-spec';
import {
  motoAvailable,
  specWith,
  startAwsRecorder,
  startMoto,
  type AwsRecorder,
  type MotoServer,
} from '@dogbreed/testing';
import { workspaceRoot } from '@dogbreed/workspace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  digestMatches,
  ensurePretrainedWeights,
  readManifest,
  selectWeights,
  type FetchWeights,
  type WeightsManifest,
} from './pretrained-weights.js';

const BUCKET = 'dogbreed-models-123456789012';
const dir = mkdtempSync(join(tmpdir(), 'pretrained-'));
const weights = join(dir, 'source.pth');
writeFileSync(weights, 'not really a state dict, but bytes with a hash');
const digest = createHash('sha256').update('not really a state dict, but bytes with a hash').digest('hex');
const spec = PLATFORM_SPEC;
const backbone = spec.training.hyperparameters.backbone;
const manifest: WeightsManifest = {
  installDir: '.cache/pretrained',
  backbones: {
    [backbone]: {
      file: 'w.pth',
      sha256: digest,
      sha256Prefix: digest.slice(0, 8),
      licence: 'Apache-2.0',
      source: { kind: 'url' },
    },
  },
};
let fetches = 0;
const localFetch: FetchWeights = async (_b, into) => {
  fetches += 1;
  copyFileSync(weights, join(into, 'w.pth'));
  return join(into, 'w.pth');
};

describe('selectWeights / digestMatches (pure)', () => {
  it('the repository registry pins weights for the spec default backbone, which trains frozen', () => {
    expect(spec.training.hyperparameters.freezeBackbone).toBe(true);
    expect(selectWeights(readManifest(workspaceRoot()), backbone, true)?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a frozen backbone without pinned weights; an unfrozen one trains without the channel', () => {
    expect(() => selectWeights(manifest, 'mobilenet_v3_large', true)).toThrow(
      /frozen backbone.*pins no weights/,
    );
    expect(selectWeights(manifest, 'mobilenet_v3_large', false)).toBeUndefined();
  });

  it('checks the full sha256 when pinned, else the 8-hex prefix torchvision puts in its file names', () => {
    const entry = manifest.backbones[backbone];
    if (!entry) throw new Error('fixture');
    expect(digestMatches(entry, digest)).toBe(true);
    expect(digestMatches(entry, `${digest.slice(0, 8)}${'0'.repeat(56)}`)).toBe(false);
    expect(digestMatches({ ...entry, sha256: null }, `${digest.slice(0, 8)}${'0'.repeat(56)}`)).toBe(true);
  });
});

describe.skipIf(!motoAvailable())(
  'ensurePretrainedWeights against moto (skipped: moto_server not installed, run tools/setup.sh)',
  () => {
    let moto: MotoServer;
    let recorder: AwsRecorder;
    let s3: S3Client;
    let ssm: SSMClient;

    beforeAll(async () => {
      moto = await startMoto();
      recorder = await startAwsRecorder({ upstream: moto.endpoint });
      const common = {
        region: spec.project.region,
        endpoint: recorder.endpoint,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      };
      s3 = new S3Client({ ...common, forcePathStyle: true });
      ssm = new SSMClient(common);
      await ssm.send(
        new PutParameterCommand({ Name: ssmParameterNames(spec).modelBucket, Value: BUCKET, Type: 'String' }),
      );
      await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    });

    afterAll(async () => {
      await recorder?.stop();
      await moto?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('uploads to pretrained/<sha256>/<file> once, then reuses the object', async () => {
      const cacheDir = mkdtempSync(join(dir, 'cache-'));
      const first = await ensurePretrainedWeights(
        { s3, ssm },
        { spec, manifest, backbone, cacheDir, fetch: localFetch },
      );
      expect(first).toEqual({
        uri: `s3://${BUCKET}/${S3_PREFIXES.pretrained}${digest}/w.pth`,
        digest,
        uploaded: true,
      });
      const body = await (
        await s3.send(
          new GetObjectCommand({ Bucket: BUCKET, Key: `${S3_PREFIXES.pretrained}${digest}/w.pth` }),
        )
      ).Body?.transformToString();
      expect(body).toBe('not really a state dict, but bytes with a hash');
      recorder.calls.length = 0;
      const again = await ensurePretrainedWeights(
        { s3, ssm },
        { spec, manifest, backbone, cacheDir, fetch: localFetch },
      );
      expect(again?.uploaded).toBe(false);
      expect(recorder.calls.map((c) => `${c.service}:${c.operation}`)).toEqual([
        'ssm:GetParameter',
        's3:ListObjectsV2',
      ]);
      expect(fetches).toBe(2);
    });

    it('an object that only starts with the key (an interrupted copy) is not the weights: they are uploaded', async () => {
      const other = 'other bytes with another hash';
      const otherDigest = createHash('sha256').update(other).digest('hex');
      writeFileSync(weights, other);
      const entry = manifest.backbones[backbone];
      if (!entry) throw new Error('fixture');
      const m: WeightsManifest = {
        ...manifest,
        backbones: { [backbone]: { ...entry, sha256: otherDigest, sha256Prefix: otherDigest.slice(0, 8) } },
      };
      const key = `${S3_PREFIXES.pretrained}${otherDigest}/w.pth`;
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${key}.partial`, Body: 'x' }));
      recorder.calls.length = 0;
      try {
        const got = await ensurePretrainedWeights(
          { s3, ssm },
          { spec, manifest: m, backbone, cacheDir: mkdtempSync(join(dir, 'p-')), fetch: localFetch },
        );
        expect(got?.uploaded).toBe(true);
        expect(recorder.calls.map((c) => `${c.service}:${c.operation}`)).toEqual([
          'ssm:GetParameter',
          's3:ListObjectsV2',
          's3:PutObject',
        ]);
      } finally {
        writeFileSync(weights, 'not really a state dict, but bytes with a hash');
      }
    });

    it('refuses a file whose hash is not the pinned one, uploading nothing', async () => {
      const entry = manifest.backbones[backbone];
      if (!entry) throw new Error('fixture');
      const bad: WeightsManifest = {
        ...manifest,
        backbones: { [backbone]: { ...entry, sha256: 'f'.repeat(64) } },
      };
      recorder.calls.length = 0;
      await expect(
        ensurePretrainedWeights(
          { s3, ssm },
          { spec, manifest: bad, backbone, cacheDir: mkdtempSync(join(dir, 'c-')), fetch: localFetch },
        ),
      ).rejects.toThrow(/not the pinned/);
      expect(recorder.calls).toHaveLength(0);
    });

    it('a frozen backbone with no pinned weights fails before any AWS call', async () => {
      recorder.calls.length = 0;
      const other = specWith({ training: { hyperparameters: { backbone: 'mobilenet_v3_large' } } });
      await expect(
        ensurePretrainedWeights(
          { s3, ssm },
          { spec: other, manifest, backbone: 'mobilenet_v3_large', cacheDir: dir, fetch: localFetch },
        ),
      ).rejects.toThrow(/pins no weights/);
      expect(recorder.calls).toHaveLength(0);
    });
  },
);
