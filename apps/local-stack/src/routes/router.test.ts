/**
 * The dispatcher: table order, exact and pattern paths, method and header conditions, the 404 for anything
 * unmatched (a wrong method included: there is no 405), and thrown errors answered in the AWS shape. Also the
 * server's own table, so a reordering that changes who answers what fails here rather than in the e2e tests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSpec } from '@dogbreed/platform-spec';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AwsApiError } from '../errors.js';
import { header, sendJson } from '../http-util.js';
import type { LambdaRuntime } from '../lambda/runtime.js';
import { STACK_ROUTES } from '../server.js';
import { healthRoute, prometheusRoute } from './admin.js';
import type { RouteContext, StackContext } from './context.js';
import { functionUrlRoute, lambdaInvokeRoute } from './lambda.js';
import { dispatch, matchRoute, type Route } from './router.js';
import { controlPlaneRoute, invokeEndpointRoute } from './sagemaker.js';

const request = (method: string, headers: Record<string, string> = {}) =>
  ({ method, headers }) as unknown as IncomingMessage;

/** Answers with what the handler was given, so a test sees which route ran and with what. */
const echo =
  (name: string) =>
  (_req: IncomingMessage, res: ServerResponse, ctx: RouteContext): void =>
    sendJson(res, 200, { name, params: ctx.params, path: ctx.path, requestId: ctx.requestId });

describe('matchRoute', () => {
  const routes: Route[] = [
    { method: 'POST', pattern: '/', when: (req) => header(req, 'x-target') === 'a', handler: echo('target') },
    { method: 'GET', pattern: '/', handler: echo('root') },
    { method: 'POST', pattern: /^\/items\/([^/]+)\/parts\/([^/]+)$/, handler: echo('part') },
    { pattern: /^\/any(?:\/.*)?$/s, handler: echo('any') },
    { method: 'GET', pattern: '/any/shadowed', handler: echo('shadowed') },
  ];
  const name = (m: ReturnType<typeof matchRoute>) => m && routes.indexOf(m.route);

  it('matches an exact path with its method and no params', () => {
    expect(matchRoute(routes, request('GET'), '/')).toEqual({ route: routes[1], params: [] });
  });

  it('passes a pattern’s capture groups as params, in order and still encoded', () => {
    expect(matchRoute(routes, request('POST'), '/items/a%2Fb/parts/7')?.params).toEqual(['a%2Fb', '7']);
  });

  it('skips a route whose method differs, and matches nothing when no method fits', () => {
    expect(matchRoute(routes, request('DELETE'), '/')).toBeUndefined();
    expect(matchRoute(routes, request('GET'), '/items/a/parts/7')).toBeUndefined();
  });

  it('skips a route whose condition is false, and takes it when true', () => {
    expect(matchRoute(routes, request('POST'), '/')).toBeUndefined();
    expect(name(matchRoute(routes, request('POST', { 'x-target': 'a' }), '/'))).toBe(0);
  });

  it('lets a route without a method take every method; the first match wins', () => {
    for (const method of ['GET', 'PUT', 'PATCH']) {
      expect(name(matchRoute(routes, request(method), '/any/shadowed'))).toBe(3);
    }
    expect(matchRoute(routes, request('GET'), '/anything')).toBeUndefined();
  });

  it('takes a request without a method as GET', () => {
    expect(name(matchRoute(routes, { headers: {} } as IncomingMessage, '/'))).toBe(1);
  });
});

describe('the stack’s route table', () => {
  const spec = buildSpec();
  const handlerFor = (method: string, path: string, headers: Record<string, string> = {}) =>
    matchRoute(STACK_ROUTES, request(method, headers), path)?.route.handler;

  it('sends each AWS API to its handler', () => {
    expect(handlerFor('POST', '/', { 'x-amz-target': 'SageMaker.UpdateEndpoint' })).toBe(controlPlaneRoute);
    expect(handlerFor('POST', `/endpoints/${spec.endpoints.single.name}/invocations`)).toBe(
      invokeEndpointRoute,
    );
    expect(handlerFor('POST', '/2015-03-31/functions/fn/invocations')).toBe(lambdaInvokeRoute);
  });

  it('sends every method under the function URL, and only under it, to the function URL', () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      expect(handlerFor(method, '/function-url')).toBe(functionUrlRoute);
      expect(handlerFor(method, '/function-url/a/b')).toBe(functionUrlRoute);
    }
    expect(handlerFor('GET', '/function-urlx')).toBeUndefined();
  });

  it('serves the admin API on GET only', () => {
    expect(handlerFor('GET', '/metrics')).toBe(prometheusRoute);
    expect(handlerFor('GET', '/_local/health')).toBe(healthRoute);
    expect(handlerFor('POST', '/metrics')).toBeUndefined();
    expect(handlerFor('GET', '/endpoints/x/invocations')).toBeUndefined();
  });

  it('leaves POST / without a SageMaker target unmatched', () => {
    expect(handlerFor('POST', '/')).toBeUndefined();
    expect(handlerFor('POST', '/', { 'x-amz-target': 'Lambda.Invoke' })).toBeUndefined();
  });
});

describe('dispatch', () => {
  const log = vi.fn();
  const stack = { log, spec: buildSpec(), lambda: {} as LambdaRuntime } as unknown as StackContext;
  const routes: Route[] = [
    { method: 'GET', pattern: /^\/echo\/([^/]+)$/, handler: echo('echo') },
    {
      method: 'POST',
      pattern: '/aws-error',
      handler: () => {
        throw new AwsApiError(418, 'TeapotException', 'short and stout', { Type: 'User' });
      },
    },
    { method: 'POST', pattern: '/bug', handler: () => Promise.reject(new Error('oops')) },
    {
      method: 'GET',
      pattern: '/half-sent',
      handler: (_req, res) => {
        res.writeHead(200, { 'content-length': '10' });
        res.write('12345');
        throw new Error('after the headers');
      },
    },
  ];
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((req, res) => void dispatch(req, res, { routes, stack, requestId: 'req-1' }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('gives the handler the request id, the parsed path and the params', async () => {
    const res = await fetch(`${url}/echo/a%20b?q=1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      name: 'echo',
      params: ['a%20b'],
      path: '/echo/a%20b',
      requestId: 'req-1',
    });
  });

  it('answers an unknown path 404 with the method and path', async () => {
    const res = await fetch(`${url}/nowhere?x=1`, { method: 'PUT', body: 'ignored' });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ message: 'no route for PUT /nowhere' });
  });

  it('answers a known path with the wrong method 404 too, not 405', async () => {
    const res = await fetch(`${url}/echo/a`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: 'no route for POST /echo/a' });
  });

  it('answers an AwsApiError with its status, error type, fields and the request id', async () => {
    const res = await fetch(`${url}/aws-error`, { method: 'POST', body: 'x'.repeat(100_000) });
    expect(res.status).toBe(418);
    expect(res.headers.get('x-amzn-errortype')).toBe('TeapotException');
    expect(res.headers.get('x-amzn-requestid')).toBe('req-1');
    expect(await res.json()).toEqual({
      message: 'short and stout',
      Message: 'short and stout',
      Type: 'User',
    });
  });

  it('answers any other failure 500 InternalFailure and logs it', async () => {
    log.mockClear();
    const res = await fetch(`${url}/bug`, { method: 'POST' });
    expect(res.status).toBe(500);
    expect(res.headers.get('x-amzn-errortype')).toBe('InternalFailure');
    expect(await res.json()).toEqual({ message: 'oops', Message: 'oops' });
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/^internal error on POST \/bug: Error: oops/));
  });

  it('cuts the connection when the handler fails after sending its headers', async () => {
    // The headers may or may not have left before the cut: either way the client gets no complete answer.
    await expect(fetch(`${url}/half-sent`).then((res) => res.text())).rejects.toThrow();
  });
});
