/**
 * The one HTTP server of the local stack: SageMaker Runtime InvokeEndpoint, SageMaker's control plane (UpdateEndpoint
 * and friends), Lambda Invoke, the function URL, the metrics and admin API, and the dashboard. Routing only: the
 * table below says which handler (in `routes/`) answers what; the work is done by the modules they call.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { LOCAL_ADMIN_PREFIX, LOCAL_METRICS_PATH, SHADOW_ROLLOUT_PATH } from '@dogbreed/platform-spec';
import { INVOKE_PATH } from './lambda/invoke-api.js';
import {
  dashboardRoutes,
  healthRoute,
  KILL_INSTANCE_PATH,
  killInstanceRoute,
  loadDashboard,
  metricsRoute,
  prometheusRoute,
  shadowRolloutRoute,
  startShadowRolloutRoute,
} from './routes/admin.js';
import type { ServerDeps, StackContext } from './routes/context.js';
import { FUNCTION_URL_PATH, functionUrlRoute, lambdaInvokeRoute } from './routes/lambda.js';
import { dispatch, type Route } from './routes/router.js';
import {
  controlPlaneRoute,
  INVOKE_ENDPOINT_PATH,
  invokeEndpointRoute,
  isControlPlaneRequest,
} from './routes/sagemaker.js';

export type { ServerDeps } from './routes/context.js';
export { FUNCTION_URL_PREFIX } from './routes/lambda.js';

/** Every route but the dashboard's files, first match wins (the dashboard's are added per file, after these). */
export const STACK_ROUTES: readonly Route[] = [
  { method: 'POST', pattern: '/', when: isControlPlaneRequest, handler: controlPlaneRoute },
  { method: 'POST', pattern: INVOKE_ENDPOINT_PATH, handler: invokeEndpointRoute },
  { method: 'POST', pattern: INVOKE_PATH, handler: lambdaInvokeRoute },
  // Any method: the function URL passes it to the function.
  { pattern: FUNCTION_URL_PATH, handler: functionUrlRoute },
  { method: 'GET', pattern: LOCAL_METRICS_PATH, handler: metricsRoute },
  { method: 'GET', pattern: `${LOCAL_ADMIN_PREFIX}/health`, handler: healthRoute },
  { method: 'GET', pattern: '/metrics', handler: prometheusRoute },
  { method: 'POST', pattern: KILL_INSTANCE_PATH, handler: killInstanceRoute },
  { method: 'POST', pattern: SHADOW_ROLLOUT_PATH, handler: startShadowRolloutRoute },
  { method: 'GET', pattern: SHADOW_ROLLOUT_PATH, handler: shadowRolloutRoute },
];

export function createStackServer(deps: ServerDeps): Server {
  const { dashboardDir, ...rest } = deps;
  const stack: StackContext = { ...rest, dashboard: loadDashboard(dashboardDir) };
  const routes = [...STACK_ROUTES, ...dashboardRoutes(stack.dashboard)];
  const server = createServer((req, res) => {
    void dispatch(req, res, { routes, stack, requestId: randomUUID() });
  });
  server.keepAliveTimeout = 5_000;
  return server;
}
