/**
 * Reads the data capture of a time window, from the local stack's capture folder or from S3 (SageMaker's
 * `DestinationS3Uri`), both laid out `<root>/<endpoint>/<variant>/yyyy/mm/dd/hh/*.jsonl`. Only the hour folders the
 * window touches are read, and each record is kept only when its inference time falls in the window, so a run costs
 * what its window holds, not the bucket. S3 through the SDK v3 client (ListObjectsV2 + GetObject), bounded by
 * `maxObjects`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { observationsOfJsonl, type CaptureObservation } from '@dogbreed/model-quality';
import { dataCaptureFolder } from '@dogbreed/platform-spec';
import { AwsCallError, MissingInputError, TooManyCapturesError, UsageError } from './errors.js';

/** A window of time, start included, end excluded. */
export interface TimeWindow {
  readonly start: Date;
  readonly end: Date;
}

export type CaptureSource =
  | { readonly kind: 'local'; readonly dir: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string };

const HOUR_MS = 3_600_000;

/** `--captures`: `s3://bucket/prefix` or a local folder. */
export function parseSource(text: string): CaptureSource {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(text);
  if (m) return { kind: 's3', bucket: m[1] as string, prefix: (m[2] as string).replace(/\/+$/, '') };
  return { kind: 'local', dir: text };
}

/** `START/END` in ISO-8601 (e.g. `2026-12-07T10:00:00Z/2026-12-07T11:00:00Z`), as `--window` takes it. */
export function parseWindow(text: string, flag: string): TimeWindow {
  const [a, b, ...rest] = text.split('/');
  const start = new Date(a ?? '');
  const end = new Date(b ?? '');
  if (rest.length > 0 || Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()))
    throw new UsageError(
      `${flag} ${text}: expected START/END in ISO-8601, e.g. 2026-12-07T10:00:00Z/2026-12-07T11:00:00Z`,
    );
  if (end <= start) throw new UsageError(`${flag} ${text}: the end must be after the start`);
  return { start, end };
}

/** The `hours` hours ending at `now`. */
export function lastHours(now: Date, hours: number): TimeWindow {
  return { start: new Date(now.getTime() - hours * HOUR_MS), end: now };
}

/** The hour folders (`<endpoint>/<variant>/yyyy/mm/dd/hh`) a window touches, oldest first. */
export function hourFolders(endpoint: string, variant: string, window: TimeWindow): string[] {
  const out: string[] = [];
  const first = Math.floor(window.start.getTime() / HOUR_MS) * HOUR_MS;
  for (let t = first; t < window.end.getTime(); t += HOUR_MS)
    out.push(dataCaptureFolder(endpoint, variant, new Date(t)));
  return out;
}

export interface WindowRead {
  readonly observations: CaptureObservation[];
  /** Capture files read. */
  readonly files: number;
  /** Records in those files outside the window (skipped). */
  readonly outsideWindow: number;
  /** `file:line` of lines that are no capture record. */
  readonly badLines: string[];
  readonly variants: string[];
}

export interface ReadWindowOptions {
  readonly source: CaptureSource;
  readonly endpoint: string;
  /** One variant; every variant folder of the endpoint when absent. */
  readonly variant?: string;
  readonly window: TimeWindow;
  /** Required for an S3 source. */
  readonly s3?: S3Client;
  /** The most capture objects one run reads; more is an error rather than an unbounded run. */
  readonly maxObjects: number;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

async function aws<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new AwsCallError(`S3 ${operation} failed: ${(err as Error).message}`, operation, { cause: err });
  }
}

/** The variant folders of an endpoint, sorted. */
async function variantsOf(o: ReadWindowOptions): Promise<string[]> {
  if (o.variant) return [o.variant];
  if (o.source.kind === 'local') {
    const dir = join(o.source.dir, o.endpoint);
    if (!isDir(dir))
      throw new MissingInputError(`--captures ${o.source.dir} has no ${o.endpoint}/ folder`, dir);
    return readdirSync(dir)
      .filter((v) => isDir(join(dir, v)))
      .sort();
  }
  const { bucket, prefix } = o.source;
  const s3 = o.s3 as S3Client;
  const base = `${prefix ? `${prefix}/` : ''}${o.endpoint}/`;
  const res = await aws('ListObjectsV2', () =>
    s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: base, Delimiter: '/' })),
  );
  return (res.CommonPrefixes ?? [])
    .map((p) => (p.Prefix ?? '').slice(base.length).replace(/\/$/, ''))
    .filter((v) => v !== '')
    .sort();
}

/** The capture files (local paths or S3 keys) in the window's hour folders, oldest folder first. */
async function captureFiles(o: ReadWindowOptions, variants: string[]): Promise<string[]> {
  const folders = variants.flatMap((v) => hourFolders(o.endpoint, v, o.window));
  const files: string[] = [];
  const add = (f: string) => {
    files.push(f);
    if (files.length > o.maxObjects)
      throw new TooManyCapturesError(
        `more than ${o.maxObjects} capture files in the window: narrow --window/--window-hours or give --variant`,
      );
  };
  for (const folder of folders) {
    if (o.source.kind === 'local') {
      const dir = join(o.source.dir, folder);
      if (!isDir(dir)) continue;
      for (const f of readdirSync(dir)
        .filter((f) => f.endsWith('.jsonl'))
        .sort())
        add(join(dir, f));
      continue;
    }
    const { bucket, prefix } = o.source;
    const s3 = o.s3 as S3Client;
    let token: string | undefined;
    do {
      const res = await aws('ListObjectsV2', () =>
        s3.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: `${prefix ? `${prefix}/` : ''}${folder}/`,
            ContinuationToken: token,
          }),
        ),
      );
      for (const obj of res.Contents ?? []) if (obj.Key?.endsWith('.jsonl')) add(obj.Key);
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }
  return files;
}

async function readText(o: ReadWindowOptions, file: string): Promise<string> {
  if (o.source.kind === 'local') return readFileSync(file, 'utf8');
  const { bucket } = o.source;
  const s3 = o.s3 as S3Client;
  const res = await aws('GetObject', () => s3.send(new GetObjectCommand({ Bucket: bucket, Key: file })));
  return (await res.Body?.transformToString('utf8')) ?? '';
}

/** Every captured answer of the window (the records whose inference time falls in it). */
export async function readWindow(o: ReadWindowOptions): Promise<WindowRead> {
  if (o.source.kind === 'local' && !existsSync(o.source.dir))
    throw new MissingInputError(`--captures ${o.source.dir} does not exist`, o.source.dir);
  if (o.source.kind === 's3' && !o.s3) throw new UsageError('an s3:// capture source needs an S3 client');
  const variants = await variantsOf(o);
  const files = await captureFiles(o, variants);
  const observations: CaptureObservation[] = [];
  const badLines: string[] = [];
  let outsideWindow = 0;
  const [from, to] = [o.window.start.getTime(), o.window.end.getTime()];
  for (const file of files) {
    const read = observationsOfJsonl(await readText(o, file));
    badLines.push(...read.badLines.map((n) => `${file}:${n}`));
    for (const obs of read.observations) {
      const t = Date.parse(obs.time);
      if (t >= from && t < to) observations.push(obs);
      else outsideWindow += 1;
    }
  }
  return { observations, files: files.length, outsideWindow, badLines, variants };
}
