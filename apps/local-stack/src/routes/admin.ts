/**
 * The local stack's own routes, which AWS does not have: the metrics API, Prometheus text, health, killing an
 * instance (to show a failure and its replacement), the shadow rollout driver and the dashboard's files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { readBody } from '@dogbreed/http-body';
import {
  LOCAL_ADMIN_PREFIX,
  OVERSIZE_BODY_MAX_DISCARD_BYTES,
  ShadowRolloutRequestSchema,
} from '@dogbreed/platform-spec';
import { AwsApiError } from '../errors.js';
import { sendJson } from '../http-util.js';
import type { DashboardFile, RouteContext } from './context.js';
import { type Route, sendNoRoute } from './router.js';

export const KILL_INSTANCE_PATH = new RegExp(
  `^${LOCAL_ADMIN_PREFIX}/endpoints/([^/]+)/instances/([^/]+)/kill$`,
);
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export function metricsRoute(_req: IncomingMessage, res: ServerResponse, { stack }: RouteContext): void {
  sendJson(res, 200, stack.metrics(), { 'cache-control': 'no-store' });
}

export function healthRoute(_req: IncomingMessage, res: ServerResponse, { stack }: RouteContext): void {
  sendJson(res, 200, stack.health());
}

export function prometheusRoute(_req: IncomingMessage, res: ServerResponse, { stack }: RouteContext): void {
  const text = stack.prometheus();
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  res.end(text);
}

/** Kills one instance: `params` are the endpoint's name and the instance's id. */
export function killInstanceRoute(
  _req: IncomingMessage,
  res: ServerResponse,
  { stack, params }: RouteContext,
): void {
  const [endpointName = '', instanceId = ''] = params;
  const endpoint = stack.endpoints.get(decodeURIComponent(endpointName));
  const id = decodeURIComponent(instanceId);
  // Any fleet's instance: blue, or green during an update.
  const pool = endpoint?.pools().find((p) => p.list().some((i) => i.id === id));
  const inFlight = pool?.list().find((i) => i.id === id)?.inFlight ?? 0;
  const killed = pool?.kill(id);
  if (!killed)
    return sendJson(res, 404, { message: `no running instance ${id} in endpoint ${endpointName}` });
  sendJson(res, 200, { endpoint: endpoint?.name, killed: id, state: killed.state, inFlight });
}

/** The driver's request is a model name: a few bytes; anything larger is not one. */
const SHADOW_ROLLOUT_BODY_LIMIT = 4096;

/** Starts the shadow rollout of a candidate model on an endpoint: 202 with the run's first status. */
export async function startShadowRolloutRoute(
  req: IncomingMessage,
  res: ServerResponse,
  { stack, params }: RouteContext,
): Promise<void> {
  const driver = stack.shadowRollouts;
  if (!driver) throw new AwsApiError(404, 'ResourceNotFoundException', 'No shadow rollout driver here.');
  const raw = await readBody(req, {
    limit: SHADOW_ROLLOUT_BODY_LIMIT,
    maxDiscardBytes: OVERSIZE_BODY_MAX_DISCARD_BYTES,
    tooLarge: () => new AwsApiError(413, 'ValidationException', 'Request body too large.'),
  });
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AwsApiError(400, 'SerializationException', 'The request body is not valid JSON.');
  }
  const parsed = ShadowRolloutRequestSchema.safeParse(json);
  if (!parsed.success)
    throw new AwsApiError(
      400,
      'ValidationException',
      `Expected {"ModelName": "<a model made with CreateModel>"}: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
    );
  sendJson(res, 202, driver.start(decodeURIComponent(params[0] ?? ''), parsed.data));
}

/** The endpoint's current or last shadow rollout. */
export function shadowRolloutRoute(
  _req: IncomingMessage,
  res: ServerResponse,
  { stack, params }: RouteContext,
): void {
  const name = decodeURIComponent(params[0] ?? '');
  const status = stack.shadowRollouts?.get(name);
  if (!status)
    throw new AwsApiError(404, 'ResourceNotFoundException', `No shadow rollout has run on endpoint ${name}.`);
  sendJson(res, 200, status, { 'cache-control': 'no-store' });
}

/** One of the dashboard's files, by the request's path. */
export function dashboardFileRoute(
  req: IncomingMessage,
  res: ServerResponse,
  { stack, path }: RouteContext,
): void {
  const file = stack.dashboard.get(path);
  if (!file) return sendNoRoute(res, req.method ?? 'GET', path);
  res.writeHead(200, {
    'content-type': file.type,
    'content-length': String(file.body.length),
    'cache-control': 'no-store',
  });
  res.end(file.body);
}

/** The dashboard's files, read once (only these names are served: no path traversal). */
export function loadDashboard(dir: string): Map<string, DashboardFile> {
  const files = new Map<string, DashboardFile>();
  for (const name of readdirSync(dir)) {
    const type = CONTENT_TYPES[extname(name)];
    if (type) files.set(`/${name}`, { type, body: readFileSync(join(dir, name)) });
  }
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  return files;
}

/** One exact `GET` route per dashboard file, so an unknown name falls through to 404 like any other path. */
export function dashboardRoutes(dashboard: ReadonlyMap<string, DashboardFile>): Route[] {
  return [...dashboard.keys()].map((path) => ({ method: 'GET', pattern: path, handler: dashboardFileRoute }));
}
