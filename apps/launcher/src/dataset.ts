/**
 * `upload-dataset --dir DIR`: puts an ImageFolder dataset (`train/`, `valid/`, `test/`, one folder per class in
 * each) where `train` looks for it, `s3://<data bucket>/datasets/<split>/<class>/<file>`. The layout is checked first
 * (every problem named at once), the bucket comes from the data stack's SSM parameter, one listing of the prefix says
 * what is already there (same key and size = skipped, so a second run uploads nothing), and the rest goes up a few
 * files at a time with progress lines. No HeadObject: see s3-exists.ts.
 */
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { DATASET_UPLOAD, ssmParameterNames, type PlatformSpec } from '@dogbreed/platform-spec';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatasetLayoutError, InterruptedError, MissingInfraParameterError } from './errors.js';
import type { InterruptSignal, Io } from './io.js';
import { DATA_CHANNELS, type DataChannel } from './sagemaker/request.js';

/** What the training package loads as images (IMAGE_EXTENSIONS in training/dogbreed_training/data.py). */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.bmp', '.gif', '.webp', '.tif', '.tiff'] as const;

/** Problems listed in full before the rest is counted (a wrong folder can hold thousands of non-images). */
const PROBLEMS_SHOWN = 20;

export interface DatasetFile {
  readonly split: DataChannel;
  readonly className: string;
  readonly name: string;
  /** Absolute path on disk. */
  readonly path: string;
  readonly size: number;
}

function isImage(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** Entries of a folder without dot-files (`.DS_Store`, editors' files): neither checked nor uploaded. */
function visible(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.'))
    .sort();
}

/**
 * Reads and checks `dir`: the three splits, nothing else at the top, the same class folders in each split, only
 * (non-empty sets of) image files in each class folder. Throws DatasetLayoutError naming every problem.
 */
export function scanDataset(dir: string): DatasetFile[] {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw new DatasetLayoutError(dir, [`${dir} is not a folder`]);
  const problems: string[] = [];
  const files: DatasetFile[] = [];
  for (const name of visible(root)) {
    if (!(DATA_CHANNELS as readonly string[]).includes(name))
      problems.push(`${name}: unexpected at the top (only ${DATA_CHANNELS.map((s) => `${s}/`).join(' ')})`);
  }
  const classesOf = new Map<DataChannel, string[]>();
  for (const split of DATA_CHANNELS) {
    const splitDir = join(root, split);
    if (!existsSync(splitDir) || !statSync(splitDir).isDirectory()) {
      problems.push(`${split}/: missing (every split is a training channel)`);
      continue;
    }
    const classes: string[] = [];
    for (const cls of visible(splitDir)) {
      const clsDir = join(splitDir, cls);
      if (!statSync(clsDir).isDirectory()) {
        problems.push(`${split}/${cls}: a file directly in a split (images go in one folder per class)`);
        continue;
      }
      classes.push(cls);
      const images = visible(clsDir);
      if (images.length === 0) problems.push(`${split}/${cls}/: no images`);
      for (const name of images) {
        const path = join(clsDir, name);
        const st = statSync(path);
        if (!st.isFile()) problems.push(`${split}/${cls}/${name}: a folder inside a class folder`);
        else if (!isImage(name))
          problems.push(`${split}/${cls}/${name}: not an image (${IMAGE_EXTENSIONS.join(' ')})`);
        else files.push({ split, className: cls, name, path, size: st.size });
      }
    }
    if (classes.length === 0) problems.push(`${split}/: no class folders`);
    classesOf.set(split, classes);
  }
  const all = [...new Set([...classesOf.values()].flat())].sort();
  for (const [split, classes] of classesOf) {
    const missing = all.filter((c) => !classes.includes(c));
    if (missing.length > 0 && classes.length > 0)
      problems.push(`${split}/: lacks class folder(s) the other splits have: ${missing.join(', ')}`);
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, PROBLEMS_SHOWN);
    if (problems.length > shown.length) shown.push(`… and ${problems.length - shown.length} more`);
    throw new DatasetLayoutError(dir, shown);
  }
  return files;
}

/** The object key of a dataset file under `prefix` (`datasets/` by default: what the roles and `train` read). */
export function datasetKey(prefix: string, file: Pick<DatasetFile, 'split' | 'className' | 'name'>): string {
  return `${prefix}${file.split}/${file.className}/${file.name}`;
}

export interface UploadPlan {
  readonly upload: readonly (DatasetFile & { readonly key: string })[];
  readonly skipped: number;
  /** Objects under the prefix that are not in the folder (left alone; a stray class folder changes the classes). */
  readonly extraKeys: readonly string[];
  readonly bytes: number;
}

/** What to upload (pure): every file whose key is not in the bucket with the same size. */
export function planUpload(
  files: readonly DatasetFile[],
  remote: ReadonlyMap<string, number>,
  prefix: string,
): UploadPlan {
  const upload = files
    .map((f) => ({ ...f, key: datasetKey(prefix, f) }))
    .filter((f) => remote.get(f.key) !== f.size);
  const local = new Set(files.map((f) => datasetKey(prefix, f)));
  return {
    upload,
    skipped: files.length - upload.length,
    extraKeys: [...remote.keys()].filter((k) => !local.has(k)).sort(),
    bytes: upload.reduce((n, f) => n + f.size, 0),
  };
}

export function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** `[upload] 120/720 files, 14.2 MiB`. */
export function progressLine(done: number, total: number, bytes: number): string {
  return `[upload] ${done}/${total} files, ${mib(bytes)}`;
}

/** Every key and size under `prefix` (one paginated listing). */
export async function listPrefix(s3: S3Client, bucket: string, prefix: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) if (o.Key) out.set(o.Key, o.Size ?? 0);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

export interface UploadDatasetOptions {
  readonly spec: PlatformSpec;
  /** The ImageFolder dataset on disk. */
  readonly dir: string;
  /** Key prefix in the data bucket, ending in `/`. */
  readonly prefix: string;
  /** Read the bucket and its listing, print the plan, upload nothing. */
  readonly dryRun: boolean;
  readonly io: Io;
  /** Ctrl-C (or CI's SIGINT/SIGTERM) ends the upload between files. */
  readonly interrupts: InterruptSignal;
}

/** Checks, plans and uploads; returns the `s3://bucket/prefix` the dataset is at. */
export async function uploadDataset(
  aws: { readonly s3: S3Client; readonly ssm: SSMClient },
  opts: UploadDatasetOptions,
): Promise<string> {
  const { io } = opts;
  const files = scanDataset(opts.dir);
  const splits = DATA_CHANNELS.map((s) => `${s} ${files.filter((f) => f.split === s).length}`).join(', ');
  const classes = new Set(files.map((f) => f.className)).size;
  io.err(`${opts.dir}: ${files.length} images in ${classes} classes (${splits})`);
  const param = ssmParameterNames(opts.spec).dataBucket;
  let bucket: string | undefined;
  try {
    bucket = (await aws.ssm.send(new GetParameterCommand({ Name: param }))).Parameter?.Value;
  } catch (err) {
    if ((err as { name?: string }).name !== 'ParameterNotFound') throw err;
  }
  if (!bucket) throw new MissingInfraParameterError([param]);
  const target = `s3://${bucket}/${opts.prefix}`;
  const plan = planUpload(files, await listPrefix(aws.s3, bucket, opts.prefix), opts.prefix);
  const summary = `${plan.upload.length} files (${mib(plan.bytes)}) to upload to ${target}, ${plan.skipped} already there with the same size`;
  if (plan.extraKeys.length > 0)
    io.err(
      `note: ${plan.extraKeys.length} object(s) under ${target} are not in ${opts.dir} and stay (e.g. ${plan.extraKeys[0]}); a class folder there that is not here is a class training sees`,
    );
  if (opts.dryRun) {
    io.err(`[dry-run] ${summary}`);
    for (const f of plan.upload) io.err(`[dry-run] put ${f.path} -> s3://${bucket}/${f.key}`);
    return target;
  }
  io.err(summary);
  const every = Math.max(1, Math.ceil(plan.upload.length / DATASET_UPLOAD.progressLines));
  let next = 0;
  let done = 0;
  let bytes = 0;
  let interrupted = false;
  const worker = async (): Promise<void> => {
    for (;;) {
      if (opts.interrupts.take()) interrupted = true;
      if (interrupted) return;
      const f = plan.upload[next];
      next += 1;
      if (!f) return;
      await aws.s3.send(new PutObjectCommand({ Bucket: bucket, Key: f.key, Body: readFileSync(f.path) }));
      done += 1;
      bytes += f.size;
      if (done % every === 0 || done === plan.upload.length)
        io.err(progressLine(done, plan.upload.length, bytes));
    }
  };
  await Promise.all(Array.from({ length: DATASET_UPLOAD.concurrency }, worker));
  if (interrupted)
    throw new InterruptedError(
      `Upload interrupted after ${done} of ${plan.upload.length} files; run the same command again to upload the rest.`,
    );
  io.err(
    `uploaded ${done} files (${mib(bytes)}) to ${target}; skipped ${plan.skipped} already there; ${files.length} images in ${classes} classes`,
  );
  return target;
}
