/**
 * The one HTTP server of the local stack: SageMaker Runtime InvokeEndpoint, SageMaker's control plane (UpdateEndpoint
 * and friends), Lambda Invoke, the function URL, the metrics and admin API, and the dashboard. Routing only; the work is done by the modules it calls.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { LocalMetrics, PlatformSpec } from '@dogbreed/platform-spec';
import { drainBody, readBody } from '@dogbreed/http-body';
import {
  LOCAL_ADMIN_PREFIX,
  LOCAL_METRICS_PATH,
  OVERSIZE_BODY_MAX_DISCARD_BYTES,
  SAGEMAKER_RUNTIME_LIMITS,
} from '@dogbreed/platform-spec';
import { captureInvocation } from './endpoints/data-capture.js';
import type { ControlPlane } from './endpoints/control-plane.js';
import { checkFrontDoorHeaders, oversizeBody } from './endpoints/front-door.js';
import { invokeEndpoint } from './endpoints/invoke-endpoint.js';
import type { ManagedEndpoint } from './endpoints/managed-endpoint.js';
import { AwsApiError } from './errors.js';
import { header, sendAwsError, sendJson } from './http-util.js';
import {
  buildFunctionUrlEvent,
  FUNCTION_URL_THROTTLE_BODY,
  functionUrlResponse,
} from './lambda/function-url.js';
import { INVOKE_PATH, matchesFunction, THROTTLE_BODY } from './lambda/invoke-api.js';
import type { LambdaRuntime } from './lambda/runtime.js';
import type { Log } from './log.js';

export interface ServerDeps {
  readonly spec: PlatformSpec;
  readonly endpoints: ReadonlyMap<string, ManagedEndpoint>;
  readonly lambda: LambdaRuntime;
  readonly metrics: () => LocalMetrics;
  readonly prometheus: () => string;
  readonly health: () => Record<string, unknown>;
  readonly dashboardDir: string;
  readonly log: Log;
  /** SageMaker's control plane (`POST /`, `X-Amz-Target: SageMaker.*`). */
  readonly controlPlane?: ControlPlane;
}

export const FUNCTION_URL_PREFIX = '/function-url';
const SAGEMAKER_TARGET_PREFIX = 'SageMaker.';
const AWS_JSON = 'application/x-amz-json-1.1';
const INVOKE_ENDPOINT_PATH = /^\/endpoints\/([^/]+)\/invocations$/;
const KILL_PATH = new RegExp(`^${LOCAL_ADMIN_PREFIX}/endpoints/([^/]+)/instances/([^/]+)/kill$`);
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The dashboard's files, read once (only these names are served: no path traversal). */
function loadDashboard(dir: string): Map<string, { type: string; body: Buffer }> {
  const files = new Map<string, { type: string; body: Buffer }>();
  for (const name of readdirSync(dir)) {
    const type = CONTENT_TYPES[extname(name)];
    if (type) files.set(`/${name}`, { type, body: readFileSync(join(dir, name)) });
  }
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  return files;
}

export function createStackServer(deps: ServerDeps): Server {
  const dashboard = loadDashboard(deps.dashboardDir);
  const { spec } = deps;
  // Lambda words it the same for the Invoke API and the function URL.
  const lambdaTooLarge = () =>
    new AwsApiError(
      413,
      'RequestTooLargeException',
      `Request must be smaller than ${spec.invoker.maxRequestBytes} bytes for the InvokeFunction operation`,
    );
  const lambdaBody = (req: IncomingMessage) =>
    readBody(req, {
      limit: spec.invoker.maxRequestBytes,
      maxDiscardBytes: OVERSIZE_BODY_MAX_DISCARD_BYTES,
      tooLarge: lambdaTooLarge,
    });

  async function invokeEndpointRoute(
    req: IncomingMessage,
    res: ServerResponse,
    name: string,
    requestId: string,
  ) {
    const endpoint = deps.endpoints.get(decodeURIComponent(name));
    if (!endpoint) {
      throw new AwsApiError(
        400,
        'ValidationError',
        `Endpoint ${decodeURIComponent(name)} of account 000000000000 not found.`,
      );
    }
    const headers = {
      contentType: header(req, 'content-type'),
      accept: header(req, 'accept'),
      customAttributes: header(req, 'x-amzn-sagemaker-custom-attributes'),
    };
    checkFrontDoorHeaders(headers);
    // The front door's limit, not the container's: a body between the two reaches the container, which refuses it.
    const body = await readBody(req, {
      limit: SAGEMAKER_RUNTIME_LIMITS.maxPayloadBytes,
      maxDiscardBytes: OVERSIZE_BODY_MAX_DISCARD_BYTES,
      tooLarge: () => oversizeBody(requestId),
    });
    const out = await invokeEndpoint(
      endpoint,
      { body, ...headers },
      { maxQueueDepth: spec.modelServer.maxQueueDepth, region: spec.project.region },
    );
    res.writeHead(200, {
      'content-type': out.contentType,
      'content-length': String(out.body.length),
      'x-amzn-requestid': requestId,
      ...out.headers,
    });
    res.end(out.body);
    captureInvocation(spec, deps.log, {
      endpointName: endpoint.name,
      variantName: endpoint.endpoint.variantName,
      eventId: requestId,
      input: { body, contentType: headers.contentType },
      output: { body: out.body, contentType: out.contentType },
    });
  }

  async function lambdaInvokeRoute(req: IncomingMessage, res: ServerResponse, fn: string, requestId: string) {
    const name = spec.invoker.functionName;
    if (!matchesFunction(fn, name)) {
      throw new AwsApiError(
        404,
        'ResourceNotFoundException',
        `Function not found: ${decodeURIComponent(fn)}`,
        { Type: 'User' },
      );
    }
    const type = header(req, 'x-amz-invocation-type') ?? 'RequestResponse';
    const body = await lambdaBody(req);
    if (type === 'DryRun') {
      res.writeHead(204, { 'x-amzn-requestid': requestId });
      res.end();
      return;
    }
    if (type !== 'RequestResponse') {
      throw new AwsApiError(
        400,
        'InvalidParameterValueException',
        `the local stack runs RequestResponse and DryRun invokes only, not ${type}`,
        { Type: 'User' },
      );
    }
    let event: unknown = {};
    if (body.length > 0) {
      try {
        event = JSON.parse(body.toString('utf8'));
      } catch {
        throw new AwsApiError(
          400,
          'InvalidRequestContentException',
          'Could not parse request body into json',
          { Type: 'User' },
        );
      }
    }
    const outcome = await deps.lambda.invoke(event);
    if (outcome.kind === 'throttled') {
      sendJson(res, 429, THROTTLE_BODY, {
        'x-amzn-errortype': 'TooManyRequestsException',
        'x-amzn-requestid': requestId,
      });
      return;
    }
    const headers: Record<string, string> = {
      'x-amzn-requestid': outcome.requestId,
      'x-amz-executed-version': '$LATEST',
    };
    if (header(req, 'x-amz-log-type') === 'Tail') headers['x-amz-log-result'] = outcome.logResult;
    if (outcome.kind === 'error') {
      sendJson(res, 200, outcome.error, { ...headers, 'x-amz-function-error': 'Unhandled' });
      return;
    }
    sendJson(res, 200, outcome.result, headers);
  }

  async function functionUrlRoute(
    req: IncomingMessage,
    res: ServerResponse,
    pathAndQuery: string,
    requestId: string,
  ) {
    let body: Buffer;
    try {
      body = await lambdaBody(req);
    } catch (err) {
      if (err instanceof AwsApiError) return sendJson(res, 413, { Message: err.message });
      throw err;
    }
    const event = buildFunctionUrlEvent(
      {
        method: req.method ?? 'GET',
        pathAndQuery: pathAndQuery || '/',
        headers: req.headers,
        body,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        httpVersion: req.httpVersion,
      },
      {
        requestId,
        now: new Date(),
        urlId: `local${spec.invoker.functionName.replace(/[^a-z0-9]/g, '')}`,
        region: spec.project.region,
      },
    );
    const outcome = await deps.lambda.invoke(event);
    if (outcome.kind === 'throttled') {
      return sendJson(res, 429, FUNCTION_URL_THROTTLE_BODY, {
        'x-amzn-errortype': 'TooManyRequestsException',
        'x-amzn-requestid': requestId,
      });
    }
    if (outcome.kind === 'error') {
      return sendJson(res, 502, { Message: 'Internal Server Error' }, { 'x-amzn-requestid': requestId });
    }
    const out = functionUrlResponse(outcome.result);
    res.writeHead(out.status, {
      ...out.headers,
      'content-length': String(out.body.length),
      'x-amzn-requestid': requestId,
    });
    res.end(out.body);
  }

  /** AWS JSON 1.1: the operation in `X-Amz-Target`, the input and output JSON bodies. */
  async function controlPlaneRoute(
    req: IncomingMessage,
    res: ServerResponse,
    target: string,
    requestId: string,
  ) {
    const plane = deps.controlPlane;
    const operation = target.slice(SAGEMAKER_TARGET_PREFIX.length);
    if (!plane)
      throw new AwsApiError(400, 'UnknownOperationException', `SageMaker.${operation} is not served here.`);
    const raw = await readBody(req, {
      limit: SAGEMAKER_RUNTIME_LIMITS.maxPayloadBytes,
      maxDiscardBytes: OVERSIZE_BODY_MAX_DISCARD_BYTES,
      tooLarge: () => new AwsApiError(413, 'ValidationException', 'Request body too large.'),
    });
    let input: unknown = {};
    try {
      if (raw.length > 0) input = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new AwsApiError(400, 'SerializationException', 'The request body is not valid JSON.');
    }
    const out = plane.handle(operation, input);
    deps.log(`SageMaker.${operation} ${JSON.stringify(input).slice(0, 200)}`);
    sendJson(res, 200, out, { 'content-type': AWS_JSON, 'x-amzn-requestid': requestId });
  }

  async function route(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    let m: RegExpExecArray | null;
    const target = header(req, 'x-amz-target');
    if (method === 'POST' && path === '/' && target?.startsWith(SAGEMAKER_TARGET_PREFIX))
      return controlPlaneRoute(req, res, target, requestId);
    if (method === 'POST' && (m = INVOKE_ENDPOINT_PATH.exec(path)))
      return invokeEndpointRoute(req, res, m[1] as string, requestId);
    if (method === 'POST' && (m = INVOKE_PATH.exec(path)))
      return lambdaInvokeRoute(req, res, m[1] as string, requestId);
    if (path === FUNCTION_URL_PREFIX || path.startsWith(`${FUNCTION_URL_PREFIX}/`)) {
      return functionUrlRoute(req, res, (req.url ?? '').slice(FUNCTION_URL_PREFIX.length), requestId);
    }
    if (method === 'GET' && path === LOCAL_METRICS_PATH)
      return sendJson(res, 200, deps.metrics(), { 'cache-control': 'no-store' });
    if (method === 'GET' && path === `${LOCAL_ADMIN_PREFIX}/health`) return sendJson(res, 200, deps.health());
    if (method === 'GET' && path === '/metrics') {
      const text = deps.prometheus();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(text);
      return;
    }
    if (method === 'POST' && (m = KILL_PATH.exec(path))) {
      const endpoint = deps.endpoints.get(decodeURIComponent(m[1] as string));
      const id = decodeURIComponent(m[2] as string);
      // Any fleet's instance: blue, or green during an update.
      const pool = endpoint?.pools().find((p) => p.list().some((i) => i.id === id));
      const inFlight = pool?.list().find((i) => i.id === id)?.inFlight ?? 0;
      const killed = pool?.kill(id);
      if (!killed) return sendJson(res, 404, { message: `no running instance ${id} in endpoint ${m[1]}` });
      return sendJson(res, 200, { endpoint: endpoint?.name, killed: id, state: killed.state, inFlight });
    }
    const file = method === 'GET' ? dashboard.get(path) : undefined;
    if (file) {
      res.writeHead(200, {
        'content-type': file.type,
        'content-length': String(file.body.length),
        'cache-control': 'no-store',
      });
      res.end(file.body);
      return;
    }
    sendJson(res, 404, { message: `no route for ${method} ${path}` });
  }

  const server = createServer((req, res) => {
    const requestId = randomUUID();
    route(req, res, requestId).catch(async (err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // Refused before the body was read (unknown endpoint, bad header): drop the body first so the client,
      // which may send all of it before reading, gets the error rather than a reset.
      await drainBody(req, OVERSIZE_BODY_MAX_DISCARD_BYTES);
      if (res.destroyed) return;
      if (err instanceof AwsApiError) return sendAwsError(res, err, requestId);
      deps.log(`internal error on ${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}`);
      sendAwsError(res, new AwsApiError(500, 'InternalFailure', (err as Error).message), requestId);
    });
  });
  server.keepAliveTimeout = 5_000;
  return server;
}
