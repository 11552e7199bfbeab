/**
 * The SageMaker Runtime InvokeEndpoint API in front of the pools: the fleet the endpoint routes to (blue, or green for
 * its share during an update), least-outstanding-requests routing within it, one retry on another instance of that
 * fleet when the chosen one died (connection refused/reset), and the service's error shapes.
 */
import { request, type IncomingHttpHeaders } from 'node:http';
import { AwsApiError } from '../errors.js';
import type { Instance } from './pool.js';
import type { ManagedEndpoint } from './managed-endpoint.js';

/** SageMaker gives the container 60 s to answer (the InvokeEndpoint limit AWS documents for real-time endpoints). */
export const CONTAINER_TIMEOUT_MS = 60_000;

export interface InvokeInput {
  readonly body: Buffer;
  readonly contentType: string | undefined;
  readonly accept: string | undefined;
  readonly customAttributes: string | undefined;
}

export interface InvokeOutput {
  readonly body: Buffer;
  readonly contentType: string;
  readonly headers: Record<string, string>;
}

export interface ContainerReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Connection-level failures that mean the instance is gone, so another instance may take the request. */
const DEAD_INSTANCE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

export class InstanceUnreachableError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'InstanceUnreachableError';
  }
}

/** One POST /invocations to an instance (production's or the shadow's). */
export function callContainer(host: string, port: number, input: InvokeInput): Promise<ContainerReply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-length': String(input.body.length) };
    if (input.contentType) headers['content-type'] = input.contentType;
    if (input.accept) headers['accept'] = input.accept;
    if (input.customAttributes) headers['x-amzn-sagemaker-custom-attributes'] = input.customAttributes;
    const req = request(
      { host, port, method: 'POST', path: '/invocations', headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', (err: NodeJS.ErrnoException) =>
          reject(new InstanceUnreachableError(err.code ?? 'ECONNRESET', err.message)),
        );
      },
    );
    req.setTimeout(CONTAINER_TIMEOUT_MS, () =>
      req.destroy(Object.assign(new Error('container timed out'), { code: 'ETIMEDOUT' })),
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? 'UNKNOWN';
      reject(DEAD_INSTANCE_CODES.has(code) ? new InstanceUnreachableError(code, err.message) : err);
    });
    req.end(input.body);
  });
}

function modelError(endpoint: ManagedEndpoint, reply: ContainerReply, region: string): AwsApiError {
  const kind = reply.status < 500 ? 'client' : 'server';
  const original = reply.body.toString('utf8').slice(0, 4096);
  return new AwsApiError(
    424,
    'ModelError',
    `Received ${kind} error (${reply.status}) from primary with message "${original}". ` +
      `See /aws/sagemaker/Endpoints/${endpoint.name} in the local stack's log for more information.`,
    {
      OriginalStatusCode: reply.status,
      OriginalMessage: original,
      LogStreamArn: `arn:aws:logs:${region}:000000000000:log-group:/aws/sagemaker/Endpoints/${endpoint.name}`,
    },
  );
}

/** One InvokeEndpoint call. Throws AwsApiError for every error the service would return. */
export async function invokeEndpoint(
  endpoint: ManagedEndpoint,
  input: InvokeInput,
  opts: { readonly maxQueueDepth: number; readonly region: string },
): Promise<InvokeOutput> {
  // During an update the router splits requests between the blue and the green fleet (weighted round robin).
  const pool = endpoint.route();
  const inService = pool.inService();
  if (inService.length === 0) {
    throw new AwsApiError(503, 'ServiceUnavailable', `Endpoint ${endpoint.name} has no InService instance.`);
  }
  const outstanding = inService.reduce((n, i) => n + i.inFlight, 0);
  if (outstanding >= inService.length * opts.maxQueueDepth) {
    throw new AwsApiError(429, 'ThrottlingException', `Rate exceeded for endpoint ${endpoint.name}.`);
  }
  const tried = new Set<string>();
  for (let attempt = 0; attempt < 2; attempt++) {
    const instance: Instance | undefined = pool.acquire(tried);
    if (!instance) break;
    tried.add(instance.id);
    const started = performance.now();
    endpoint.recorder.started();
    let reply: ContainerReply;
    try {
      reply = await callContainer(pool.host, instance.port as number, input);
    } catch (err) {
      endpoint.finished(performance.now() - started, undefined);
      pool.release(instance);
      if (err instanceof InstanceUnreachableError) {
        pool.reportUnreachable(instance);
        if (attempt === 0) endpoint.recorder.retried();
        continue;
      }
      throw new AwsApiError(
        500,
        'InternalFailure',
        `Calling ${endpoint.name}/${instance.id} failed: ${(err as Error).message}`,
      );
    }
    endpoint.finished(performance.now() - started, reply.status);
    endpoint.answered(reply.status, reply.body);
    pool.release(instance);
    if (reply.status >= 400) throw modelError(endpoint, reply, opts.region);
    const headers: Record<string, string> = {
      'x-Amzn-Invoked-Production-Variant': endpoint.endpoint.variantName,
    };
    const attrs = reply.headers['x-amzn-sagemaker-custom-attributes'];
    if (typeof attrs === 'string') headers['X-Amzn-SageMaker-Custom-Attributes'] = attrs;
    return {
      body: reply.body,
      contentType:
        typeof reply.headers['content-type'] === 'string'
          ? reply.headers['content-type']
          : 'application/json',
      headers,
    };
  }
  throw new AwsApiError(
    503,
    'ServiceUnavailable',
    `No instance of ${endpoint.name} could take the request (tried ${[...tried].join(', ') || 'none'}).`,
  );
}
