/**
 * AWS Signature Version 4 for k6 requests (function URL with AWS_IAM auth, SageMaker Runtime). Pure: the hash
 * primitives are injected, so k6 binds them to `k6/crypto` (sigv4-k6.ts) and the unit tests to node:crypto and
 * compare with @smithy/signature-v4 and AWS's published test vector.
 *
 * Cost: the body hash is the expensive part for a 300 KB image; callers pass `payloadHash` computed once per VU
 * (the body never changes), so per request only the small canonical request and four HMACs are computed.
 */

export interface SigV4Primitives {
  sha256Hex(data: string | ArrayBuffer): string;
  hmac(key: string | ArrayBuffer, data: string): ArrayBuffer;
  hmacHex(key: string | ArrayBuffer, data: string): string;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignInput {
  method: string;
  /** Absolute URL: https://host[:port]/path?query */
  url: string;
  headers?: Record<string, string>;
  body?: string | ArrayBuffer;
  /** Hex SHA-256 of the body, when precomputed. */
  payloadHash?: string;
  service: string;
  region: string;
  credentials: Credentials;
  date: Date;
}

/** Headers SigV4 never signs (as @smithy/signature-v4). */
const UNSIGNABLE = new Set([
  'authorization',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

/** RFC 3986 encoding (encodeURIComponent leaves !'()* alone; SigV4 wants them escaped). */
export function uriEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export interface ParsedUrl {
  host: string;
  path: string;
  query: [string, string][];
}

/** k6 has no WHATWG URL: a small parser for absolute http(s) URLs. */
export function parseUrl(url: string): ParsedUrl {
  const m = /^https?:\/\/([^/?#]+)([^?#]*)(?:\?([^#]*))?/.exec(url);
  if (!m) throw new Error(`not an absolute http(s) URL: ${url}`);
  const query: [string, string][] = [];
  for (const part of (m[3] ?? '').split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    query.push([decodeURIComponent(k.replace(/\+/g, ' ')), decodeURIComponent(v.replace(/\+/g, ' '))]);
  }
  return { host: m[1] as string, path: m[2] || '/', query };
}

/** Normalised, URI-encoded path: AWS services other than S3 encode the (already encoded) path once more. */
export function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return uriEscape(normalized).replace(/%2F/g, '/');
}

export function canonicalQuery(query: [string, string][]): string {
  return query
    .map(([k, v]) => [uriEscape(k), uriEscape(v)] as const)
    .sort((x, y) => (x[0] === y[0] ? (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0) : x[0] < y[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** 20150830T123600Z */
export function amzDate(d: Date): string {
  return d
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

export interface Signed {
  /** Headers to send: the caller's, plus host-independent x-amz-date, x-amz-security-token, authorization. */
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
}

export function signRequest(input: SignInput, c: SigV4Primitives): Signed {
  const { host, path, query } = parseUrl(input.url);
  const longDate = amzDate(input.date);
  const shortDate = longDate.slice(0, 8);
  const scope = `${shortDate}/${input.region}/${input.service}/aws4_request`;

  const headers: Record<string, string> = { ...(input.headers ?? {}) };
  headers['x-amz-date'] = longDate;
  if (input.credentials.sessionToken) headers['x-amz-security-token'] = input.credentials.sessionToken;

  const canonical: Record<string, string> = { host };
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (UNSIGNABLE.has(lower) || /^(proxy|sec)-/.test(lower)) continue;
    canonical[lower] = value.trim().replace(/\s+/g, ' ');
  }
  const names = Object.keys(canonical).sort();
  const signedHeaders = names.join(';');
  const payloadHash = input.payloadHash ?? c.sha256Hex(input.body ?? '');

  const canonicalRequest = [
    input.method.toUpperCase(),
    canonicalPath(path),
    canonicalQuery(query),
    names.map((n) => `${n}:${canonical[n]}`).join('\n') + '\n',
    signedHeaders,
    payloadHash,
  ].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', longDate, scope, c.sha256Hex(canonicalRequest)].join('\n');

  const kDate = c.hmac(`AWS4${input.credentials.secretAccessKey}`, shortDate);
  const kRegion = c.hmac(kDate, input.region);
  const kService = c.hmac(kRegion, input.service);
  const kSigning = c.hmac(kService, 'aws4_request');
  const signature = c.hmacHex(kSigning, stringToSign);

  headers['authorization'] =
    `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { headers, canonicalRequest, stringToSign, signature };
}
