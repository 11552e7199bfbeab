/**
 * A recording proxy for AWS API calls: programs under test get `AWS_ENDPOINT_URL` = the recorder, which notes every
 * request (service from the SigV4 credential scope, operation from the protocol: X-Amz-Target, Action=, the
 * rpcv2-cbor path, or S3's REST shape) and forwards it to moto, or answers it itself (`respond`). Seam tests use it to
 * prove a command reached its first AWS call and to list exactly which calls a program makes, for the IAM check.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface RecordedCall {
  /** The SigV4 credential-scope service (`s3`, `ssm`, `sagemaker`, `monitoring`, `lambda`, ...); '' when unsigned. */
  readonly service: string;
  /** The API operation (`ListObjectsV2`, `GetParameters`, `CreateTrainingJob`, `InvokeFunctionUrl`, ...). */
  readonly operation: string;
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
  /** UTF-8 body (the first 1 MiB). */
  readonly body: string;
}

export interface RecorderReply {
  readonly status: number;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface AwsRecorder {
  readonly endpoint: string;
  readonly calls: RecordedCall[];
  stop(): Promise<void>;
}

export interface AwsRecorderOptions {
  /** Where to forward (moto's endpoint); without it every call gets `respond`'s answer or a 500. */
  readonly upstream?: string;
  /** Answers a call itself (e.g. a function URL) instead of forwarding it; undefined = forward. */
  readonly respond?: (call: RecordedCall) => RecorderReply | undefined;
}

const MAX_BODY = 1024 * 1024;

function s3Operation(
  method: string,
  path: string,
  query: URLSearchParams,
  headers: Record<string, string>,
): string {
  const [, bucket = '', ...key] = path.split('/');
  if (!bucket) return method === 'GET' ? 'ListBuckets' : `S3 ${method} /`;
  if (key.join('/') === '') {
    if (method === 'GET')
      return query.get('list-type') === '2'
        ? 'ListObjectsV2'
        : query.has('location')
          ? 'GetBucketLocation'
          : 'ListObjects';
    if (method === 'HEAD') return 'HeadBucket';
    if (method === 'PUT') return 'CreateBucket';
    if (method === 'DELETE') return 'DeleteBucket';
    if (method === 'POST' && query.has('delete')) return 'DeleteObjects';
  }
  if (method === 'GET') return 'GetObject';
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'PUT')
    return headers['x-amz-copy-source'] ? 'CopyObject' : query.has('uploadId') ? 'UploadPart' : 'PutObject';
  if (method === 'POST')
    return query.has('uploads')
      ? 'CreateMultipartUpload'
      : query.has('uploadId')
        ? 'CompleteMultipartUpload'
        : 'PostObject';
  if (method === 'DELETE') return query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
  return `S3 ${method}`;
}

/** The service and operation of one request (pure). */
export function classifyAwsRequest(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string,
): { service: string; operation: string } {
  const u = new URL(url, 'http://recorder');
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(headers['authorization'] ?? '');
  const service = scope?.[1] ?? '';
  const target = headers['x-amz-target'];
  if (target) return { service, operation: target.split('.').pop() ?? target };
  const rpc = /\/service\/[^/]+\/operation\/([A-Za-z]+)$/.exec(u.pathname);
  if (rpc?.[1]) return { service, operation: rpc[1] };
  const action = u.searchParams.get('Action') ?? new URLSearchParams(body).get('Action');
  if (action && service !== 's3') return { service, operation: action };
  if (service === 's3')
    return { service, operation: s3Operation(method, u.pathname, u.searchParams, headers) };
  if (service === 'lambda') {
    const fn = /^\/\d{4}-\d{2}-\d{2}\/functions\/[^/]+(\/invocations)?$/.exec(u.pathname);
    if (!fn) return { service, operation: 'InvokeFunctionUrl' };
    return { service, operation: fn[1] ? 'Invoke' : method === 'GET' ? 'GetFunction' : `Lambda ${method}` };
  }
  return { service, operation: `${method} ${u.pathname}` };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

/** Starts the recorder on a free 127.0.0.1 port. */
export async function startAwsRecorder(options: AwsRecorderOptions = {}): Promise<AwsRecorder> {
  const calls: RecordedCall[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
      );
      const url = req.url ?? '/';
      const text = raw.subarray(0, MAX_BODY).toString('utf8');
      const u = new URL(url, 'http://recorder');
      const call: RecordedCall = {
        ...classifyAwsRequest(req.method ?? 'GET', url, headers, text),
        method: req.method ?? 'GET',
        path: u.pathname,
        query: u.search,
        headers,
        body: text,
      };
      calls.push(call);
      const own = options.respond?.(call);
      if (own || !options.upstream) {
        const reply = own ?? { status: 500, body: 'no upstream' };
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(reply.body);
        return;
      }
      // Node's server already answered `Expect: 100-continue` (large S3 uploads); fetch refuses to send that header.
      const forwarded = await fetch(`${options.upstream}${url}`, {
        method: req.method,
        headers: Object.fromEntries(
          Object.entries(headers).filter(
            ([k]) => !['host', 'connection', 'content-length', 'transfer-encoding', 'expect'].includes(k),
          ),
        ),
        body: ['GET', 'HEAD'].includes(req.method ?? 'GET') ? undefined : raw,
        redirect: 'manual',
      });
      const out = Buffer.from(await forwarded.arrayBuffer());
      const outHeaders: Record<string, string> = {};
      forwarded.headers.forEach((v, k) => {
        if (!['content-encoding', 'transfer-encoding', 'connection', 'content-length'].includes(k))
          outHeaders[k] = v;
      });
      // HEAD answers carry the object's length, not the (empty) body's.
      if (req.method === 'HEAD' && forwarded.headers.get('content-length'))
        outHeaders['content-length'] = forwarded.headers.get('content-length') ?? '0';
      res.writeHead(forwarded.status, outHeaders);
      res.end(req.method === 'HEAD' ? undefined : out);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`recorder: ${(err as Error).message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
