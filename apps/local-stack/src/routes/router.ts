/**
 * The local stack's route table and its dispatcher: the first route whose method, path and condition match gets
 * the request; none → 404 (a wrong method included: the real services answer an unknown method and path alike).
 * A handler's throw becomes the AWS error shape, so every handler reports failures by throwing `AwsApiError`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { drainBody } from '@dogbreed/http-body';
import { OVERSIZE_BODY_MAX_DISCARD_BYTES } from '@dogbreed/platform-spec';
import { AwsApiError } from '../errors.js';
import { sendAwsError, sendJson } from '../http-util.js';
import type { RouteContext, StackContext } from './context.js';

export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  context: RouteContext,
) => Promise<void> | void;

export interface Route {
  /** The HTTP method, matched exactly. @default any method */
  readonly method?: string;
  /**
   * The pathname, matched exactly, or a (non-global) RegExp whose capture groups become the handler's `params`.
   */
  readonly pattern: string | RegExp;
  /** A further condition on the request (a header), checked once method and path match. @default none */
  readonly when?: (req: IncomingMessage) => boolean;
  readonly handler: RouteHandler;
}

export interface RouteMatch {
  readonly route: Route;
  readonly params: readonly string[];
}

/** The first route of `routes` that takes this request at `path`, in table order. */
export function matchRoute(
  routes: readonly Route[],
  req: IncomingMessage,
  path: string,
): RouteMatch | undefined {
  const method = req.method ?? 'GET';
  for (const route of routes) {
    if (route.method !== undefined && route.method !== method) continue;
    const params = matchPath(route.pattern, path);
    if (!params) continue;
    if (route.when && !route.when(req)) continue;
    return { route, params };
  }
  return undefined;
}

function matchPath(pattern: string | RegExp, path: string): readonly string[] | undefined {
  if (typeof pattern === 'string') return pattern === path ? [] : undefined;
  const m = pattern.exec(path);
  return m ? m.slice(1).map((group) => group ?? '') : undefined;
}

/** The answer when no route matches. */
export function sendNoRoute(res: ServerResponse, method: string, path: string): void {
  sendJson(res, 404, { message: `no route for ${method} ${path}` });
}

export interface DispatchOptions {
  readonly routes: readonly Route[];
  readonly stack: StackContext;
  /** This request's id, given to the handler and put in error answers. */
  readonly requestId: string;
}

/** Routes one request; a handler that throws is answered with the AWS error shape (500 for anything untyped). */
export async function dispatch(
  req: IncomingMessage,
  res: ServerResponse,
  { routes, stack, requestId }: DispatchOptions,
): Promise<void> {
  try {
    // Parsed inside the try: a URL the parser refuses is answered like any other failure.
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    const match = matchRoute(routes, req, path);
    if (!match) return sendNoRoute(res, req.method ?? 'GET', path);
    await match.route.handler(req, res, { stack, requestId, params: match.params, path });
  } catch (err) {
    await answerFailure(req, res, err, { log: stack.log, requestId });
  }
}

async function answerFailure(
  req: IncomingMessage,
  res: ServerResponse,
  err: unknown,
  { log, requestId }: { readonly log: StackContext['log']; readonly requestId: string },
): Promise<void> {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // Refused before the body was read (unknown endpoint, bad header): drop the body first so the client,
  // which may send all of it before reading, gets the error rather than a reset.
  await drainBody(req, OVERSIZE_BODY_MAX_DISCARD_BYTES);
  if (res.destroyed) return;
  if (err instanceof AwsApiError) return sendAwsError(res, err, requestId);
  log(`internal error on ${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}`);
  sendAwsError(res, new AwsApiError(500, 'InternalFailure', (err as Error).message), requestId);
}
