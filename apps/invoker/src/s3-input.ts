/** The optional `{"s3Uri": "s3://BUCKET/KEY"}` input: only the configured bucket and prefix, never other URLs. */
import type { S3Client } from '@aws-sdk/client-s3';
import { HttpError } from '@dogbreed/platform-spec';
import type { InvokerConfig } from './config.js';
import { imageTooLarge } from './image.js';

export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/** `s3://bucket/key` → location; anything else (https://, s3:// without a key) is refused. */
export function parseS3Uri(uri: string): S3Location {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(uri);
  if (!m?.[1] || !m[2]) throw new HttpError('INVALID_S3_URI', 'The s3Uri must look like s3://BUCKET/KEY');
  return { bucket: m[1], key: m[2] };
}

/** Checks a URI against the configured input bucket and prefix. */
export function allowedS3Location(
  uri: string,
  config: Pick<InvokerConfig, 'inputBucket' | 'inputPrefix'>,
): S3Location {
  if (!config.inputBucket) throw new HttpError('S3_INPUT_DISABLED', 'The s3Uri input is not enabled');
  const loc = parseS3Uri(uri);
  const segments = loc.key.split('/');
  if (
    loc.bucket !== config.inputBucket ||
    !loc.key.startsWith(config.inputPrefix) ||
    segments.some((s) => s === '..' || s === '.')
  ) {
    throw new HttpError(
      'S3_URI_NOT_ALLOWED',
      `The s3Uri must be under s3://${config.inputBucket}/${config.inputPrefix}`,
    );
  }
  return loc;
}

function isAbort(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}

/** Reads the object, refusing (and not downloading) anything over `maxBytes`. */
export async function readS3Image(
  s3: S3Client,
  loc: S3Location,
  maxBytes: number,
  abortSignal?: AbortSignal,
): Promise<Uint8Array> {
  // Loaded with the S3 client (see createS3Client); cached by the module system after the first read.
  const { GetObjectCommand } = await import('./s3-client.js');
  let out;
  try {
    out = await s3.send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }), { abortSignal });
  } catch (err) {
    throw mapS3Error(err);
  }
  const body = out.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
  if (out.ContentLength !== undefined && out.ContentLength > maxBytes) {
    body?.destroy?.();
    throw imageTooLarge(out.ContentLength, maxBytes);
  }
  if (!body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      total += chunk.length;
      if (total > maxBytes) {
        body.destroy?.();
        throw imageTooLarge(total, maxBytes);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    throw mapS3Error(err);
  }
  return Buffer.concat(chunks, total);
}

/** S3 failures → HTTP errors; S3's own messages are not passed on. */
export function mapS3Error(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (isAbort(err))
    return new HttpError('ENDPOINT_TIMEOUT', 'Reading the s3Uri input timed out', { cause: err });
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'NoSuchKey' || name === 'NotFound') {
    return new HttpError('S3_OBJECT_NOT_FOUND', 'No object exists at the s3Uri', { cause: err });
  }
  return new HttpError('S3_READ_FAILED', 'The s3Uri input could not be read', { cause: err });
}
