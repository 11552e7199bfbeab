/**
 * Route handlers called alone, with a fake request, response and context: each answers with the statuses,
 * headers and bodies the SDKs and the dashboard read, and refuses with the AWS error the service would give.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { buildSpec } from '@dogbreed/platform-spec';
import { describe, expect, it, vi } from 'vitest';
import type { ManagedEndpoint } from '../endpoints/managed-endpoint.js';
import { AwsApiError } from '../errors.js';
import type { InvokeOutcome, LambdaRuntime } from '../lambda/runtime.js';
import { dashboardFileRoute, killInstanceRoute, metricsRoute, prometheusRoute } from './admin.js';
import type { RouteContext, StackContext } from './context.js';
import { lambdaInvokeRoute } from './lambda.js';
import { controlPlaneRoute, invokeEndpointRoute } from './sagemaker.js';

const spec = buildSpec();

function fakeRequest(opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return Object.assign(Readable.from([Buffer.from(opts.body ?? '')]), {
    method: opts.method ?? 'POST',
    headers: opts.headers ?? {},
  }) as unknown as IncomingMessage;
}

/** Records what a handler writes. */
function fakeResponse() {
  const sent = { status: 0, headers: {} as Record<string, string>, body: '' };
  const res = {
    writeHead: (status: number, headers: Record<string, string> = {}) => {
      sent.status = status;
      sent.headers = headers;
    },
    end: (body?: string | Buffer) => {
      sent.body = body === undefined ? '' : body.toString();
    },
  } as unknown as ServerResponse;
  return { res, sent, json: () => JSON.parse(sent.body) as unknown };
}

function context(
  stack: Partial<StackContext>,
  more: Partial<Omit<RouteContext, 'stack'>> = {},
): RouteContext {
  const base = { spec, log: vi.fn(), endpoints: new Map(), dashboard: new Map() };
  return { stack: { ...base, ...stack } as StackContext, requestId: 'req-1', params: [], path: '/', ...more };
}

describe('admin handlers', () => {
  it('metricsRoute: the metrics as JSON, never cached', () => {
    const { res, sent, json } = fakeResponse();
    const metrics = { at: 1 };
    metricsRoute(fakeRequest(), res, context({ metrics: () => metrics as never }));
    expect(sent.status).toBe(200);
    expect(sent.headers).toMatchObject({ 'content-type': 'application/json', 'cache-control': 'no-store' });
    expect(json()).toEqual(metrics);
  });

  it('prometheusRoute: the exposition format’s content type', () => {
    const { res, sent } = fakeResponse();
    prometheusRoute(fakeRequest(), res, context({ prometheus: () => 'up 1\n' }));
    expect(sent).toEqual({
      status: 200,
      headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
      body: 'up 1\n',
    });
  });

  it('killInstanceRoute: kills the instance in whichever fleet has it, 404 when none does', () => {
    const kill = vi.fn((id: string) => ({ id, state: 'Stopping' }));
    const blue = { list: () => [{ id: 'i-1', inFlight: 0 }], kill };
    const green = { list: () => [{ id: 'i-2', inFlight: 3 }], kill };
    const endpoint = { name: 'ep one', pools: () => [blue, green] } as unknown as ManagedEndpoint;
    const ctx = (params: string[]) => context({ endpoints: new Map([['ep one', endpoint]]) }, { params });

    const ok = fakeResponse();
    killInstanceRoute(fakeRequest(), ok.res, ctx(['ep%20one', 'i-2']));
    expect(ok.sent.status).toBe(200);
    expect(ok.json()).toEqual({ endpoint: 'ep one', killed: 'i-2', state: 'Stopping', inFlight: 3 });
    expect(kill).toHaveBeenCalledWith('i-2');

    const missing = fakeResponse();
    killInstanceRoute(fakeRequest(), missing.res, ctx(['ep%20one', 'i-9']));
    expect(missing.sent.status).toBe(404);
    expect(missing.json()).toEqual({ message: 'no running instance i-9 in endpoint ep%20one' });
  });

  it('dashboardFileRoute: the file with its type and length, the no-route 404 for a name it does not have', () => {
    const dashboard = new Map([
      ['/app.js', { type: 'text/javascript; charset=utf-8', body: Buffer.from('x=1') }],
    ]);
    const found = fakeResponse();
    dashboardFileRoute(
      fakeRequest({ method: 'GET' }),
      found.res,
      context({ dashboard }, { path: '/app.js' }),
    );
    expect(found.sent).toEqual({
      status: 200,
      headers: {
        'content-type': 'text/javascript; charset=utf-8',
        'content-length': '3',
        'cache-control': 'no-store',
      },
      body: 'x=1',
    });
    const missing = fakeResponse();
    dashboardFileRoute(
      fakeRequest({ method: 'GET' }),
      missing.res,
      context({ dashboard }, { path: '/a.css' }),
    );
    expect(missing.sent.status).toBe(404);
    expect(missing.json()).toEqual({ message: 'no route for GET /a.css' });
  });
});

describe('lambdaInvokeRoute', () => {
  const fn = spec.invoker.functionName;
  const lambda = (outcome: InvokeOutcome) =>
    ({ invoke: vi.fn(async () => outcome) }) as unknown as LambdaRuntime;
  const ok: InvokeOutcome = {
    kind: 'ok',
    result: { statusCode: 200 },
    requestId: 'lambda-1',
    cold: false,
    logResult: 'TE9H',
  };

  it('refuses another function with ResourceNotFoundException 404', async () => {
    const { res } = fakeResponse();
    const err = await lambdaInvokeRoute(fakeRequest(), res, context({}, { params: ['other'] })).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(AwsApiError);
    expect(err).toMatchObject({
      statusCode: 404,
      errorType: 'ResourceNotFoundException',
      fields: { Type: 'User' },
    });
    expect((err as Error).message).toBe('Function not found: other');
  });

  it('answers a DryRun 204 without invoking', async () => {
    const { res, sent } = fakeResponse();
    const runtime = lambda(ok);
    const req = fakeRequest({ headers: { 'x-amz-invocation-type': 'DryRun' } });
    await lambdaInvokeRoute(req, res, context({ lambda: runtime }, { params: [fn] }));
    expect(sent).toEqual({ status: 204, headers: { 'x-amzn-requestid': 'req-1' }, body: '' });
    expect(runtime.invoke).not.toHaveBeenCalled();
  });

  it('invokes with the parsed event and answers the result with the execution’s id and log tail', async () => {
    const { res, sent, json } = fakeResponse();
    const runtime = lambda(ok);
    const req = fakeRequest({ headers: { 'x-amz-log-type': 'Tail' }, body: '{"a":1}' });
    await lambdaInvokeRoute(req, res, context({ lambda: runtime }, { params: [fn] }));
    expect(runtime.invoke).toHaveBeenCalledWith({ a: 1 });
    expect(sent.status).toBe(200);
    expect(sent.headers).toMatchObject({
      'x-amzn-requestid': 'lambda-1',
      'x-amz-executed-version': '$LATEST',
      'x-amz-log-result': 'TE9H',
    });
    expect(json()).toEqual({ statusCode: 200 });
  });

  it('answers a throttle 429 TooManyRequestsException', async () => {
    const { res, sent } = fakeResponse();
    const runtime = lambda({ kind: 'throttled' });
    await lambdaInvokeRoute(fakeRequest(), res, context({ lambda: runtime }, { params: [fn] }));
    expect(sent.status).toBe(429);
    expect(sent.headers).toMatchObject({ 'x-amzn-errortype': 'TooManyRequestsException' });
  });

  it('refuses a body that is not JSON with InvalidRequestContentException 400', async () => {
    const { res } = fakeResponse();
    const req = fakeRequest({ body: '{not json' });
    await expect(
      lambdaInvokeRoute(req, res, context({ lambda: lambda(ok) }, { params: [fn] })),
    ).rejects.toMatchObject({ statusCode: 400, errorType: 'InvalidRequestContentException' });
  });
});

describe('SageMaker handlers', () => {
  it('invokeEndpointRoute refuses an unknown endpoint with ValidationError 400, naming it decoded', async () => {
    const { res } = fakeResponse();
    const ctx = context({}, { params: ['no%20such'] });
    await expect(invokeEndpointRoute(fakeRequest(), res, ctx)).rejects.toMatchObject({
      statusCode: 400,
      errorType: 'ValidationError',
      message: 'Endpoint no such of account 000000000000 not found.',
    });
  });

  it('controlPlaneRoute without a control plane: UnknownOperationException 400 naming the operation', async () => {
    const { res } = fakeResponse();
    const req = fakeRequest({ headers: { 'x-amz-target': 'SageMaker.UpdateEndpoint' } });
    await expect(controlPlaneRoute(req, res, context({}))).rejects.toMatchObject({
      statusCode: 400,
      errorType: 'UnknownOperationException',
      message: 'SageMaker.UpdateEndpoint is not served here.',
    });
  });
});
