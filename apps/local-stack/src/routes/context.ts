/**
 * What the local stack's route handlers work with: the server's dependencies, captured once when the server is
 * built, and the one request's id and match. Handlers take it as their third argument so each can be called alone
 * with a fake.
 */
import type {
  LocalMetrics,
  PlatformSpec,
  ShadowRolloutRequest,
  ShadowRolloutStatus,
} from '@dogbreed/platform-spec';
import type { ControlPlane } from '../endpoints/control-plane.js';
import type { ManagedEndpoint } from '../endpoints/managed-endpoint.js';
import type { LambdaRuntime } from '../lambda/runtime.js';
import type { Log } from '../log.js';

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
  /**
   * The shadow rollout driver: starts a run on an endpoint (throws AwsApiError when it cannot), and reads the current
   * or last run. @default none: the routes answer 404
   */
  readonly shadowRollouts?: {
    start(endpointName: string, request: ShadowRolloutRequest): ShadowRolloutStatus;
    get(endpointName: string): ShadowRolloutStatus | undefined;
  };
}

/** One dashboard file, read at start-up. */
export interface DashboardFile {
  readonly type: string;
  readonly body: Buffer;
}

/** The server-wide part of a handler's context: the dependencies, with the dashboard already read. */
export interface StackContext extends Omit<ServerDeps, 'dashboardDir'> {
  /** Request path → file; only these paths are served. */
  readonly dashboard: ReadonlyMap<string, DashboardFile>;
}

/** What a handler gets besides the request and the response. */
export interface RouteContext {
  readonly stack: StackContext;
  /** This request's id, as `x-amzn-requestid` and in error bodies. */
  readonly requestId: string;
  /** The route pattern's capture groups, in order, still URL-encoded. */
  readonly params: readonly string[];
  /** The request's parsed pathname, the one the route matched. */
  readonly path: string;
}
