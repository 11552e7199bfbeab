/**
 * `s3://bucket/key` → parts (no validation beyond the scheme). A `{{resolve:ssm:/name}}` placeholder (dry run)
 * counts as one bucket name even though it holds slashes.
 */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/(\{\{[^}]*\}\}|[^/]+)\/?(.*)$/.exec(uri);
  if (!m || !m[1]) throw new Error(`not an s3:// URI: ${uri}`);
  return { bucket: m[1], key: m[2] ?? '' };
}
