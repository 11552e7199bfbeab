/**
 * The replay job's inputs, fetched with the replay role: the candidate (the ModelDataUrl of the package this run
 * registered, still PendingManualApproval), the serving model (the artifact the last successful deploy recorded in SSM
 * `deployed-model/<mode>`), held-out images (the dataset's test split, `maxImages` spread evenly over the listed keys)
 * and the newest data captures of the mode's endpoint (`maxCaptureFiles` from the last `captureLookbackHours`), all
 * bounded by `spec.ci.modelRegistry.replayInputs`. Both artifacts are extracted into model dirs (model.onnx +
 * metadata.json). Writes `<dir>/inputs.json` (read by replay-gate.ts) and sets the step output `inputs`. On a first
 * deploy there is no serving model: the manifest says so and nothing else is fetched.
 *
 * usage: tsx tools/gha/replay-inputs.ts --mode single|multi --package-single ARN --package-multi ARN --dir DIR
 *        env: AWS credentials and region (the replay role), DOGBREED_SPEC_FILE / DOGBREED_SPEC_JSON
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as core from '@actions/core';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import {
  dataCaptureFolder,
  loadPlatformSpec,
  METADATA_FILE,
  MODEL_FILE,
  parseModelArtifactUri,
  S3_PREFIXES,
  ssmParameterNames,
  TrainingMode,
  type ModelArtifactLocation,
  type PlatformSpec,
} from '@dogbreed/platform-spec';
import { x as extractTar } from 'tar';
import { z } from 'zod';
import { readFlags } from './args.js';
import { ReplayInputError } from './errors.js';
import { describePackage, packageOfMode, requireApproval } from './model-registry.js';
import { optionalParameter } from './ssm.js';

export const INPUTS_FILE = 'inputs.json';
/** The held-out split below the dataset prefix (the launcher's default `--data-prefix`). */
export const HELD_OUT_PREFIX = `${S3_PREFIXES.datasets}test/`;
const IMAGE_FILE = /\.(jpe?g|png|webp)$/i;
/** Keys S3 returns per ListObjectsV2 page. */
const PAGE = 1000;

/** What replay-gate.ts runs the replay on; absent baseline = first deploy. */
export const ReplayInputsSchema = z.object({
  mode: TrainingMode,
  package: z.string().min(1),
  candidate: z.object({ dir: z.string().min(1), modelDataUrl: z.string().min(1) }),
  baseline: z.object({ dir: z.string().min(1), modelDataUrl: z.string().min(1) }).optional(),
  /** Why there is no baseline (a first deploy). */
  noBaseline: z.string().optional(),
  images: z.object({ dir: z.string().min(1), count: z.number().int().nonnegative() }).optional(),
  captures: z.object({ dir: z.string().min(1), count: z.number().int().nonnegative() }).optional(),
});
export type ReplayInputs = z.infer<typeof ReplayInputsSchema>;

/** `count` keys spread evenly over `keys` (first, last and in between), so every class of a sorted listing shows. */
export function sampleEvenly<T>(keys: readonly T[], count: number): T[] {
  if (keys.length <= count) return [...keys];
  if (count <= 0) return [];
  if (count === 1) return keys.slice(0, 1);
  const step = (keys.length - 1) / (count - 1);
  return Array.from({ length: count }, (_, i) => keys[Math.round(i * step)] as T);
}

/** `<class>/<file>` of a held-out image key, or undefined for anything else (deeper keys, non-images). */
export function imagePath(key: string): string | undefined {
  if (!key.startsWith(HELD_OUT_PREFIX)) return undefined;
  const rest = key.slice(HELD_OUT_PREFIX.length).split('/');
  if (rest.length !== 2 || !rest[0] || !rest[1] || !IMAGE_FILE.test(rest[1])) return undefined;
  if (rest.some((p) => p === '.' || p === '..')) return undefined;
  return rest.join('/');
}

/**
 * Where the mode's captures are listed (`data-capture/<endpoint>/<variant>/`) and the key to list after: the folder
 * of `lookbackHours` ago (SageMaker writes `yyyy/mm/dd/hh/` folders, so keys sort by time).
 */
export function captureListing(
  spec: PlatformSpec,
  mode: TrainingMode,
  now: Date,
): { prefix: string; startAfter: string } {
  const { name, variantName } = spec.endpoints[mode];
  const hours = spec.ci.modelRegistry.replayInputs.captureLookbackHours;
  const since = new Date(now.getTime() - hours * 3_600_000);
  return {
    prefix: `${S3_PREFIXES.dataCapture}${name}/${variantName}/`,
    startAfter: `${S3_PREFIXES.dataCapture}${dataCaptureFolder(name, variantName, since)}/`,
  };
}

/** `s3://bucket/key.tar.gz` in the model bucket, or ReplayInputError. */
export function artifactLocation(uri: string, modelBucket: string): { bucket: string; key: string } {
  let location: ModelArtifactLocation;
  try {
    location = parseModelArtifactUri(uri);
  } catch (err) {
    throw new ReplayInputError(`${uri} is not an s3://BUCKET/KEY.tar.gz artifact`, { cause: err });
  }
  if (location.bucket !== modelBucket)
    throw new ReplayInputError(
      `${uri} is not in the model bucket ${modelBucket}: the pipeline never wrote it`,
    );
  return location;
}

interface Clients {
  readonly s3: S3Client;
  readonly ssm: SSMClient;
  readonly sagemaker: SageMakerClient;
}

/** `base/rel`, refusing a key that would land outside `base` (`..` segments, absolute paths). */
export function inside(base: string, rel: string): string {
  const file = resolve(base, rel);
  if (!file.startsWith(`${resolve(base)}/`))
    throw new ReplayInputError(`refusing to write ${rel} outside ${base}`);
  return file;
}

async function download(s3: S3Client, bucket: string, key: string, file: string): Promise<void> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = await out.Body?.transformToByteArray();
  if (!bytes) throw new ReplayInputError(`s3://${bucket}/${key} is empty`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
}

/** Downloads and extracts a model.tar.gz; the dir must then hold the model-dir contract's two files. */
async function fetchModel(s3: S3Client, uri: string, modelBucket: string, dir: string): Promise<void> {
  const { bucket, key } = artifactLocation(uri, modelBucket);
  const archive = `${dir}.tar.gz`;
  await download(s3, bucket, key, archive);
  mkdirSync(dir, { recursive: true });
  await extractTar({ file: archive, cwd: dir });
  const missing = [MODEL_FILE, METADATA_FILE].filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0)
    throw new ReplayInputError(`${uri} holds no ${missing.join(' and ')}: not a servable model artifact`);
}

/** Lists keys under `prefix` (after `startAfter`), at most `max`, page by page. */
async function listKeys(
  s3: S3Client,
  bucket: string,
  prefix: string,
  max: number,
  startAfter?: string,
): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < Math.ceil(max / PAGE); page += 1) {
    const out = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        MaxKeys: Math.min(PAGE, max - keys.length),
        ...(token ? { ContinuationToken: token } : startAfter ? { StartAfter: startAfter } : {}),
      }),
    );
    keys.push(...(out.Contents ?? []).map((c) => c.Key ?? '').filter(Boolean));
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
    if (!token || keys.length >= max) break;
  }
  return keys;
}

export async function fetchReplayInputs(
  clients: Clients,
  options: {
    readonly spec: PlatformSpec;
    readonly mode: TrainingMode;
    readonly packageArn: string;
    readonly dir: string;
    readonly now?: Date;
  },
): Promise<ReplayInputs> {
  const { spec, mode, dir } = options;
  const limits = spec.ci.modelRegistry.replayInputs;
  const names = ssmParameterNames(spec);
  const pkg = await describePackage(clients.sagemaker, packageOfMode(spec, mode, options.packageArn).arn);
  requireApproval(pkg, 'PendingManualApproval');
  const modelBucket = await optionalParameter(clients.ssm, names.modelBucket);
  if (!modelBucket)
    throw new ReplayInputError(`${names.modelBucket} is not set: deploy the data stack first`);
  const candidate = { dir: join(dir, 'candidate'), modelDataUrl: pkg.modelDataUrl };
  await fetchModel(clients.s3, candidate.modelDataUrl, modelBucket, candidate.dir);
  const deployedParam = mode === 'single' ? names.deployedModelSingle : names.deployedModelMulti;
  const serving = await optionalParameter(clients.ssm, deployedParam);
  if (!serving)
    return {
      mode,
      package: pkg.arn,
      candidate,
      noBaseline: `first deploy: no serving ${mode} model is recorded at ${deployedParam}, so there is nothing to compare the candidate with`,
    };
  const baseline = { dir: join(dir, 'baseline'), modelDataUrl: serving };
  await fetchModel(clients.s3, serving, modelBucket, baseline.dir);

  const dataBucket = await optionalParameter(clients.ssm, names.dataBucket);
  if (!dataBucket) throw new ReplayInputError(`${names.dataBucket} is not set: deploy the data stack first`);
  const listed = await listKeys(clients.s3, dataBucket, HELD_OUT_PREFIX, limits.maxListedKeys);
  const images = sampleEvenly(
    listed.filter((k) => imagePath(k) !== undefined),
    limits.maxImages,
  );
  const imagesDir = join(dir, 'images');
  for (const key of images)
    await download(clients.s3, dataBucket, key, inside(imagesDir, imagePath(key) ?? ''));

  const { prefix, startAfter } = captureListing(spec, mode, options.now ?? new Date());
  const captureKeys = (await listKeys(clients.s3, modelBucket, prefix, limits.maxListedKeys, startAfter))
    .filter((k) => k.endsWith('.jsonl'))
    .slice(-limits.maxCaptureFiles);
  const capturesDir = join(dir, 'captures');
  for (const key of captureKeys)
    await download(clients.s3, modelBucket, key, inside(capturesDir, key.slice(prefix.length)));

  return {
    mode,
    package: pkg.arn,
    candidate,
    baseline,
    ...(images.length > 0 ? { images: { dir: imagesDir, count: images.length } } : {}),
    ...(captureKeys.length > 0 ? { captures: { dir: capturesDir, count: captureKeys.length } } : {}),
  };
}

export function readReplayInputs(file: string): ReplayInputs {
  return ReplayInputsSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

export async function main(argv = process.argv.slice(2), env = process.env): Promise<void> {
  const flags = readFlags(
    argv,
    ['mode', 'package-single', 'package-multi', 'dir'],
    'replay-inputs.ts --mode single|multi --package-single ARN --package-multi ARN --dir DIR',
  );
  const mode = TrainingMode.parse(flags.mode);
  const packageArn = mode === 'single' ? flags['package-single'] : flags['package-multi'];
  if (!packageArn)
    throw new ReplayInputError(
      `no ${mode} model package: the train job registered none (its launch result names no modelPackage)`,
    );
  if (!flags.dir) throw new ReplayInputError('--dir DIR is required');
  const spec = loadPlatformSpec(env);
  const region = spec.project.region;
  // AWS_ENDPOINT_URL (moto in the tests) needs path-style S3 addressing.
  const clients = {
    s3: new S3Client({ region, forcePathStyle: Boolean(env['AWS_ENDPOINT_URL']) }),
    ssm: new SSMClient({ region }),
    sagemaker: new SageMakerClient({ region }),
  };
  const dir = resolve(flags.dir);
  const inputs = await fetchReplayInputs(clients, { spec, mode, packageArn, dir });
  const file = join(dir, INPUTS_FILE);
  writeFileSync(file, `${JSON.stringify(inputs, null, 2)}\n`);
  core.setOutput('inputs', file);
  core.info(
    inputs.baseline
      ? `${mode}: candidate ${inputs.candidate.modelDataUrl} vs serving ${inputs.baseline.modelDataUrl}; ${inputs.images?.count ?? 0} held-out images, ${inputs.captures?.count ?? 0} capture files`
      : `${mode}: ${inputs.noBaseline ?? ''}`,
  );
}

if (process.argv[1]?.endsWith('replay-inputs.ts')) {
  main().catch((err: unknown) => core.setFailed((err as Error).message));
}
