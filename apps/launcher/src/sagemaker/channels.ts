import { HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { MissingChannelError } from '../errors.js';
import { parseS3Uri } from '../s3-uri.js';

export interface ChannelCheck {
  channel: string;
  uri: string;
  /** prefix: at least one object under it (ListObjectsV2); object: the exact key exists (HeadObject). */
  kind: 'prefix' | 'object';
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e?.name === 'NotFound' ||
    e?.name === 'NoSuchKey' ||
    e?.name === 'NoSuchBucket' ||
    e?.$metadata?.httpStatusCode === 404
  );
}

async function exists(s3: S3Client, check: ChannelCheck): Promise<boolean> {
  const { bucket, key } = parseS3Uri(check.uri);
  try {
    if (check.kind === 'object') {
      await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    }
    const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 }));
    return (out.KeyCount ?? out.Contents?.length ?? 0) > 0;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** Checks every channel before the job is created; throws MissingChannelError naming all that are missing. */
export async function assertChannelsExist(s3: S3Client, checks: readonly ChannelCheck[]): Promise<void> {
  const results = await Promise.all(checks.map(async (c) => ({ c, ok: await exists(s3, c) })));
  const missing = results.filter((r) => !r.ok).map((r) => ({ channel: r.c.channel, uri: r.c.uri }));
  if (missing.length > 0) throw new MissingChannelError(missing);
}
