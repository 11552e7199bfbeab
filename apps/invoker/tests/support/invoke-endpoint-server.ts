/**
 * A local server speaking the SageMaker Runtime InvokeEndpoint REST protocol (restJson1):
 * `POST /endpoints/{EndpointName}/invocations` with `Content-Type`/`Accept`/`X-Amzn-SageMaker-Custom-Attributes`
 * (refused with ValidationError beyond 1024 printable ASCII chars, as SageMaker does; otherwise passed to the
 * container unchanged, like the body and `Content-Type`); success relays the container's body
 * with `Content-Type` and `x-Amzn-Invoked-Production-Variant`; errors carry `x-amzn-errortype` and a JSON body
 * with `message`; a container's non-2xx becomes `ModelError` (424) with `OriginalStatusCode`/`OriginalMessage`.
 * It verifies each request's SigV4 signature (service `sagemaker`) and refuses unsigned or mis-signed ones.
 */
import { CUSTOM_ATTRIBUTES_HEADER, CUSTOM_ATTRIBUTES_MAX_CHARS } from '@dogbreed/platform-spec';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySigV4 } from './sigv4.js';

export const DUMMY_CREDENTIALS = {
  accessKeyId: 'AKIDINVOKERTEST',
  secretAccessKey: 'invoker-test-secret',
} as const;
export const TEST_REGION = 'us-east-1';
const ACCOUNT = '123456789012';
/** Node lower-cases header names. */
const CUSTOM_ATTRIBUTES_KEY = CUSTOM_ATTRIBUTES_HEADER.toLowerCase();

export interface ContainerRequest {
  readonly endpointName: string;
  readonly body: Buffer;
  readonly contentType: string | undefined;
  readonly accept: string | undefined;
  /** `X-Amzn-SageMaker-Custom-Attributes`, unchanged. */
  readonly customAttributes: string | undefined;
}

/** What the "container" behind an endpoint does with one request. */
export type BackendReply =
  | {
      readonly kind: 'container';
      readonly status: number;
      readonly body: string | Buffer;
      readonly contentType?: string;
    }
  /** An error raised by SageMaker itself (throttling, unavailable, ...), as restJson1. */
  | { readonly kind: 'aws-error'; readonly status: number; readonly type: string; readonly message: string }
  /** Never answer (until the server closes): for timeouts. */
  | { readonly kind: 'hang' };

export type Backend = (req: ContainerRequest) => Promise<BackendReply> | BackendReply;

export interface RecordedCall {
  readonly endpointName: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly signature: ReturnType<typeof verifySigV4>;
}

export interface InvokeEndpointServer {
  readonly url: string;
  readonly calls: RecordedCall[];
  close(): Promise<void>;
}

function sendAwsError(
  res: ServerResponse,
  status: number,
  type: string,
  body: Record<string, unknown>,
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.sagemaker/`,
    'x-amzn-requestid': crypto.randomUUID(),
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export async function startInvokeEndpointServer(opts: {
  /** Endpoint name → backend. Unknown names get SageMaker's ValidationError. */
  readonly endpoints: Readonly<Record<string, Backend>>;
  readonly variant?: string;
}): Promise<InvokeEndpointServer> {
  const calls: RecordedCall[] = [];
  const hanging = new Set<ServerResponse>();
  const variant = opts.variant ?? 'AllTraffic';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const m = /^\/endpoints\/([^/?]+)\/invocations$/.exec(req.url ?? '');
        if (req.method !== 'POST' || !m?.[1]) {
          sendAwsError(res, 404, 'UnknownOperationException', { message: 'Unknown operation' });
          return;
        }
        const endpointName = decodeURIComponent(m[1]);
        const signature = verifySigV4(
          { method: req.method, url: req.url ?? '', headers: req.headers, body },
          DUMMY_CREDENTIALS,
        );
        calls.push({ endpointName, headers: req.headers, body, signature });
        if (!signature.ok || signature.service !== 'sagemaker') {
          sendAwsError(res, 403, 'InvalidSignatureException', {
            message: `Signature rejected: ${signature.reason ?? signature.service}`,
          });
          return;
        }
        const customAttributes = req.headers[CUSTOM_ATTRIBUTES_KEY];
        if (typeof customAttributes === 'string' && !/^[\x20-\x7e]{0,1024}$/.test(customAttributes)) {
          sendAwsError(res, 400, 'ValidationError', {
            message: `1 validation error detected: Value at 'customAttributes' failed to satisfy constraint: Member must have length less than or equal to ${CUSTOM_ATTRIBUTES_MAX_CHARS} and match pattern \\p{ASCII}*`,
          });
          return;
        }
        const backend = opts.endpoints[endpointName];
        if (!backend) {
          sendAwsError(res, 400, 'ValidationError', {
            message: `Endpoint ${endpointName} of account ${ACCOUNT} not found.`,
          });
          return;
        }
        let reply: BackendReply;
        try {
          reply = await backend({
            endpointName,
            body,
            contentType: req.headers['content-type'],
            accept: req.headers['accept'],
            customAttributes: typeof customAttributes === 'string' ? customAttributes : undefined,
          });
        } catch (err) {
          sendAwsError(res, 500, 'InternalFailure', { message: `backend failed: ${(err as Error).message}` });
          return;
        }
        if (reply.kind === 'hang') {
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
          return;
        }
        if (reply.kind === 'aws-error') {
          sendAwsError(res, reply.status, reply.type, { message: reply.message });
          return;
        }
        if (reply.status >= 200 && reply.status < 300) {
          const out = Buffer.from(reply.body);
          res.writeHead(200, {
            'content-type': reply.contentType ?? 'application/json',
            'x-amzn-invoked-production-variant': variant,
            'x-amzn-requestid': crypto.randomUUID(),
            'content-length': out.length,
          });
          res.end(out);
          return;
        }
        const original = Buffer.from(reply.body).toString('utf8');
        const clientSide = reply.status < 500;
        sendAwsError(res, 424, 'ModelError', {
          ErrorCode: clientSide ? 'CLIENT_ERROR_FROM_MODEL' : 'SERVER_ERROR_FROM_MODEL',
          LogStreamArn: `arn:aws:logs:${TEST_REGION}:${ACCOUNT}:log-group:/aws/sagemaker/Endpoints/${endpointName}`,
          message: `Received ${clientSide ? 'client' : 'server'} error (${reply.status}) from primary with message "${original}".`,
          OriginalMessage: original,
          OriginalStatusCode: reply.status,
        });
      })();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A fixed, valid model-server reply (`PredictionResponseSchema`). */
export function cannedBackend(predictions = [{ label: 'beagle', index: 3, probability: 0.9 }]): Backend {
  const body = JSON.stringify({
    predictions,
    modelVersion: 'canned-1',
    timingsMs: { decode: 0.1, preprocess: 0.1, inference: 0.1, total: 0.3 },
  });
  return () => ({ kind: 'container', status: 200, body });
}

/** Forwards to a real model server's `POST /invocations` (the SageMaker container contract), headers as SageMaker does. */
export function httpBackend(baseUrl: string): Backend {
  return (req) =>
    new Promise<BackendReply>((resolve, reject) => {
      const out = httpRequest(
        `${baseUrl}/invocations`,
        {
          method: 'POST',
          headers: {
            'content-type': req.contentType ?? 'application/octet-stream',
            accept: req.accept ?? 'application/json',
            ...(req.customAttributes !== undefined ? { [CUSTOM_ATTRIBUTES_KEY]: req.customAttributes } : {}),
            'content-length': req.body.length,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              kind: 'container',
              status: res.statusCode ?? 500,
              body: Buffer.concat(chunks),
              contentType: res.headers['content-type'],
            }),
          );
          res.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(req.body);
    });
}
