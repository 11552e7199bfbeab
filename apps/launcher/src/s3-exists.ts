/**
 * Whether an S3 key exists, asked the one way the CI roles can answer: ListObjectsV2 with the key as `Prefix`.
 *
 * Never HeadObject (or GetObject) for this: "If the object you request doesn't exist, the error that Amazon S3 returns
 * depends on whether you also have the s3:ListBucket permission. If you have the s3:ListBucket permission on the
 * bucket, Amazon S3 returns an HTTP status code 404 Not Found error. If you don't have the s3:ListBucket permission,
 * Amazon S3 returns an HTTP status code 403 Forbidden error." (AWS S3 API Reference, HeadObject and GetObject,
 * Permissions). The CI roles hold s3:ListBucket only under an `s3:prefix` condition (the data stack's bucket
 * policies), which a HeadObject request carries no prefix to meet: a missing key would read as AccessDenied, and the
 * first upload would never happen. A ListObjectsV2 with `Prefix` meets the condition and answers an empty list.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/**
 * Keys listed per check: the key itself sorts first among the keys it prefixes, so one is enough; a few more cost
 * nothing and make the comparison below obviously exact.
 */
const KEYS_PER_CHECK = 5;

/** The size of `key` in `bucket`, or undefined when there is no object with exactly that key. */
export async function s3ObjectSize(s3: S3Client, bucket: string, key: string): Promise<number | undefined> {
  const out = await s3.send(new ListObjectsV2Command(keyCheckRequest(bucket, key)));
  // Prefix matches `key.bak` and `key/…` too: only an exact key counts.
  const hit = (out.Contents ?? []).find((o) => o.Key === key);
  return hit ? (hit.Size ?? 0) : undefined;
}

/** Whether an object with exactly `key` exists (ListObjectsV2, never HeadObject: see the file's comment). */
export async function s3KeyExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  return (await s3ObjectSize(s3, bucket, key)) !== undefined;
}

/** The ListObjectsV2 request a check makes (what --dry-run prints). */
export function keyCheckRequest(
  bucket: string,
  key: string,
): { Bucket: string; Prefix: string; MaxKeys: number } {
  return { Bucket: bucket, Prefix: key, MaxKeys: KEYS_PER_CHECK };
}
