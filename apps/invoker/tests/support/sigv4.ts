import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * An independent SigV4 verifier (node:crypto only, not the SDK's signer), so the protocol server proves the SDK
 * really signed the request with the configured credentials for service `sagemaker`.
 */
export interface SigV4Check {
  readonly ok: boolean;
  readonly reason?: string;
  readonly service?: string;
  readonly region?: string;
  readonly accessKeyId?: string;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function verifySigV4(
  req: { method: string; url: string; headers: IncomingHttpHeaders; body: Buffer },
  credentials: { accessKeyId: string; secretAccessKey: string },
): SigV4Check {
  const auth = req.headers['authorization'];
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      auth ?? '',
    );
  if (!m) return { ok: false, reason: `malformed or missing Authorization header: ${auth}` };
  const [, accessKeyId = '', date = '', region = '', service = '', signedHeaders = '', signature] = m;
  if (accessKeyId !== credentials.accessKeyId)
    return { ok: false, reason: 'unknown access key', accessKeyId };
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(date))
    return { ok: false, reason: 'x-amz-date does not match the credential scope' };
  const [rawPath = '/', rawQuery = ''] = req.url.split('?');
  const canonicalPath = rawPath.split('/').map(rfc3986).join('/');
  const canonicalQuery = rawQuery
    .split('&')
    .filter(Boolean)
    .map((kv) =>
      kv
        .split('=')
        .map((p) => rfc3986(decodeURIComponent(p)))
        .join('='),
    )
    .sort()
    .join('&');
  const names = signedHeaders.split(';');
  const canonicalHeaders = names
    .map(
      (n) =>
        `${n}:${String(req.headers[n] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const payloadHash = String(req.headers['x-amz-content-sha256'] ?? sha256(req.body));
  const canonicalRequest = [
    req.method,
    canonicalPath,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, date);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
  if (expected !== signature)
    return { ok: false, reason: 'signature mismatch', service, region, accessKeyId };
  return { ok: true, service, region, accessKeyId };
}
