/**
 * The dataset channels and the pretrained weights are checked before a training job is created, with ListObjectsV2
 * only (the CI roles may list their prefixes; a HeadObject on a missing key answers 403 to them, see s3-exists.ts).
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { MissingChannelError } from '../errors.js';
import { s3KeyExists } from '../s3-exists.js';
import { parseS3Uri } from '../s3-uri.js';

export interface ChannelCheck {
  channel: string;
  uri: string;
  /** prefix: at least one object under it; object: exactly this key exists. Both ListObjectsV2. */
  kind: 'prefix' | 'object';
}

function isNoSuchBucket(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchBucket' || e?.$metadata?.httpStatusCode === 404;
}

async function exists(s3: S3Client, check: ChannelCheck): Promise<boolean> {
  const { bucket, key } = parseS3Uri(check.uri);
  try {
    if (check.kind === 'object') return await s3KeyExists(s3, bucket, key);
    const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 }));
    return (out.KeyCount ?? out.Contents?.length ?? 0) > 0;
  } catch (err) {
    if (isNoSuchBucket(err)) return false;
    throw err;
  }
}

/** Checks every channel before the job is created; throws MissingChannelError naming all that are missing. */
export async function assertChannelsExist(s3: S3Client, checks: readonly ChannelCheck[]): Promise<void> {
  const results = await Promise.all(checks.map(async (c) => ({ c, ok: await exists(s3, c) })));
  const missing = results.filter((r) => !r.ok).map((r) => ({ channel: r.c.channel, uri: r.c.uri }));
  if (missing.length > 0) throw new MissingChannelError(missing);
}
