/**
 * The requests a replay sends: labelled images from an ImageFolder split (`<class>/<image>`, the label is the class
 * folder) and unlabelled requests from SageMaker data-capture JSONL (the captured endpoint input, sent with the
 * content type it was observed with, so JSON bodies stay JSON). Images are read when sent, not all at once.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, relative } from 'node:path';
import { capturedBytes, DataCaptureRecordSchema } from '@dogbreed/platform-spec';
import { CaptureFormatError, MissingInputError, NoRequestsError } from './errors.js';

export type RequestSource = 'image' | 'capture';

export interface ReplayRequest {
  /** Where it came from: `003.beagle/x.jpg` or `<file>.jsonl:12`. */
  readonly id: string;
  readonly source: RequestSource;
  /** The class folder name for images; undefined for captures. */
  readonly label?: string;
  readonly contentType: string;
  readonly body: () => Buffer;
}

/** The media types the model server reads as raw image bodies, by file extension. */
export const IMAGE_TYPES: Readonly<Record<string, string>> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
};

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Every image of an ImageFolder split, sorted by class then file; other files are ignored. */
export function imageRequests(dir: string): ReplayRequest[] {
  if (!isDir(dir)) throw new MissingInputError(`--images ${dir} is not a directory`, dir);
  const classes = readdirSync(dir)
    .filter((c) => isDir(join(dir, c)))
    .sort();
  if (classes.length === 0)
    throw new NoRequestsError(
      `--images ${dir} has no class folders: expected the ImageFolder layout <class>/<image>`,
    );
  const out = classes.flatMap((label) =>
    readdirSync(join(dir, label))
      .filter((f) => IMAGE_TYPES[extname(f).toLowerCase()] !== undefined && isFile(join(dir, label, f)))
      .sort()
      .map((f): ReplayRequest => {
        const file = join(dir, label, f);
        return {
          id: `${label}/${f}`,
          source: 'image',
          label,
          contentType: IMAGE_TYPES[extname(f).toLowerCase()] as string,
          body: () => readFileSync(file),
        };
      }),
  );
  if (out.length === 0)
    throw new NoRequestsError(
      `--images ${dir} has ${classes.length} class folder(s) but no images (${Object.keys(IMAGE_TYPES).join(' ')})`,
    );
  return out;
}

/** `.jsonl` files under `dir`, recursively, in path order (SageMaker's yyyy/mm/dd/hh layout sorts by time). */
function jsonlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => f.endsWith('.jsonl') && isFile(f))
    .sort();
}

export interface CaptureRequests {
  readonly requests: ReplayRequest[];
  readonly files: number;
  /** Records that hold no endpoint input (output-only captures): nothing to replay. */
  readonly withoutInput: number;
}

/** One request per data-capture record with an endpoint input; a line that is no such record is an error. */
export function parseCaptureLines(text: string, file: string, idPrefix: string): CaptureRequests {
  const requests: ReplayRequest[] = [];
  let withoutInput = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      throw new CaptureFormatError(`${file}:${i + 1} is not JSON: ${(err as Error).message}`, file, i + 1, {
        cause: err,
      });
    }
    const parsed = DataCaptureRecordSchema.safeParse(json);
    if (!parsed.success)
      throw new CaptureFormatError(
        `${file}:${i + 1} is not a SageMaker data-capture record: ${parsed.error.issues
          .map((x) => `${x.path.join('.')}: ${x.message}`)
          .join('; ')}`,
        file,
        i + 1,
      );
    const input = parsed.data.captureData.endpointInput;
    if (!input) {
      withoutInput += 1;
      return;
    }
    const bytes = capturedBytes(input);
    requests.push({
      id: `${idPrefix}:${i + 1}`,
      source: 'capture',
      contentType: input.observedContentType,
      body: () => bytes,
    });
  });
  return { requests, files: 1, withoutInput };
}

/** Every captured request in a `.jsonl` file or under a directory (recursively). */
export function captureRequests(path: string): CaptureRequests {
  const files = isFile(path) ? [path] : isDir(path) ? jsonlFiles(path) : undefined;
  if (!files) throw new MissingInputError(`--captures ${path} does not exist`, path);
  if (files.length === 0) throw new NoRequestsError(`--captures ${path} holds no .jsonl files`);
  const parts = files.map((f) =>
    parseCaptureLines(readFileSync(f, 'utf8'), f, isFile(path) ? basename(f) : relative(path, f)),
  );
  const requests = parts.flatMap((p) => p.requests);
  const withoutInput = parts.reduce((n, p) => n + p.withoutInput, 0);
  if (requests.length === 0)
    throw new NoRequestsError(
      `--captures ${path}: ${files.length} file(s), ${withoutInput} record(s), none with an endpoint input`,
    );
  return { requests, files: files.length, withoutInput };
}
