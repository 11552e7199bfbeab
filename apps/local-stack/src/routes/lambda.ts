/**
 * Lambda's routes: the Invoke API (`POST /2015-03-31/functions/{name}/invocations`) and the function URL (any
 * method under `/function-url`). Both run the one function of the spec in the local Lambda runtime; they differ in
 * how they word throttles, oversize bodies and function errors, as the real service does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '@dogbreed/http-body';
import { OVERSIZE_BODY_MAX_DISCARD_BYTES, type PlatformSpec } from '@dogbreed/platform-spec';
import { AwsApiError } from '../errors.js';
import { header, sendJson } from '../http-util.js';
import {
  buildFunctionUrlEvent,
  FUNCTION_URL_THROTTLE_BODY,
  functionUrlResponse,
} from '../lambda/function-url.js';
import { matchesFunction, THROTTLE_BODY } from '../lambda/invoke-api.js';
import type { RouteContext } from './context.js';

export const FUNCTION_URL_PREFIX = '/function-url';
/** The prefix itself or anything below it. */
export const FUNCTION_URL_PATH = new RegExp(`^${FUNCTION_URL_PREFIX}(?:/.*)?$`, 's');

/** The request body within the function's payload limit; Lambda words it the same for both routes. */
function lambdaBody(req: IncomingMessage, spec: PlatformSpec): Promise<Buffer> {
  return readBody(req, {
    limit: spec.invoker.maxRequestBytes,
    maxDiscardBytes: OVERSIZE_BODY_MAX_DISCARD_BYTES,
    tooLarge: () =>
      new AwsApiError(
        413,
        'RequestTooLargeException',
        `Request must be smaller than ${spec.invoker.maxRequestBytes} bytes for the InvokeFunction operation`,
      ),
  });
}

/** Lambda Invoke: `params[0]` is the function's name or ARN. */
export async function lambdaInvokeRoute(
  req: IncomingMessage,
  res: ServerResponse,
  { stack, requestId, params }: RouteContext,
): Promise<void> {
  const fn = params[0] ?? '';
  if (!matchesFunction(fn, stack.spec.invoker.functionName)) {
    throw new AwsApiError(404, 'ResourceNotFoundException', `Function not found: ${decodeURIComponent(fn)}`, {
      Type: 'User',
    });
  }
  const type = header(req, 'x-amz-invocation-type') ?? 'RequestResponse';
  const body = await lambdaBody(req, stack.spec);
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
      throw new AwsApiError(400, 'InvalidRequestContentException', 'Could not parse request body into json', {
        Type: 'User',
      });
    }
  }
  const outcome = await stack.lambda.invoke(event);
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

/** The function URL: the HTTP request as a payload 2.0 event, the function's result as the HTTP response. */
export async function functionUrlRoute(
  req: IncomingMessage,
  res: ServerResponse,
  { stack, requestId }: RouteContext,
): Promise<void> {
  const { spec } = stack;
  let body: Buffer;
  try {
    body = await lambdaBody(req, spec);
  } catch (err) {
    if (err instanceof AwsApiError) return sendJson(res, 413, { Message: err.message });
    throw err;
  }
  // The raw URL, not the parsed path: the function sees the path and query as the client sent them.
  const pathAndQuery = (req.url ?? '').slice(FUNCTION_URL_PREFIX.length);
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
  const outcome = await stack.lambda.invoke(event);
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
