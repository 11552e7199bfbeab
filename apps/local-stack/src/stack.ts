/**
 * Composes the local stack: one server, two endpoints, SageMaker's control plane over them, the shadow rollout
 * driver on that control plane, the Lambda runtime, and the period clock.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import {
  INVOKER_ENV,
  invokerSettingsEnv,
  LAMBDA_LIMITS,
  type LocalMetrics,
  type PlatformSpec,
  type ShadowRolloutRequest,
  type ShadowRolloutStatus,
  type TrainingMode,
} from '@dogbreed/platform-spec';
import { ControlPlane } from './endpoints/control-plane.js';
import { ManagedEndpoint } from './endpoints/managed-endpoint.js';
import { PING_DEADLINE_MS } from './endpoints/pool.js';
import { runShadowRollout } from './endpoints/shadow-rollout.js';
import { AwsApiError, LocalStackError } from './errors.js';
import { LambdaRuntime } from './lambda/runtime.js';
import type { Log } from './log.js';
import { LambdaRecorder } from './metrics-recorder.js';
import { readModelDir } from './model-dir.js';
import { describeModel } from './models.js';
import { renderPrometheus } from './prometheus.js';
import { createStackServer } from './server.js';
import { describeTimeScale, scaledTiming, type ScaledTiming } from './time-scale.js';

export interface StackOptions {
  readonly spec: PlatformSpec;
  readonly modelDirs: Readonly<Record<TrainingMode, string>>;
  readonly modelServerMain: string;
  readonly invokerBundle: string;
  readonly workerPath: string;
  readonly dashboardDir: string;
  readonly log: Log;
  /** What each endpoint serves, for /_local/health and the dashboard. */
  readonly models?: Readonly<Partial<Record<TrainingMode, ServedModel>>>;
}

export interface ServedModel {
  readonly modelVersion: string;
  readonly kind: string;
  readonly description: string;
  readonly classes: number;
}

/** The Lambda configuration the execution environments see, as the CDK stack sets it on AWS. */
export function lambdaEnvironment(spec: PlatformSpec, routerUrl: string): Record<string, string> {
  const inv = spec.invoker;
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    TZ: 'UTC',
    AWS_REGION: spec.project.region,
    AWS_DEFAULT_REGION: spec.project.region,
    AWS_ACCESS_KEY_ID: 'local-stack',
    AWS_SECRET_ACCESS_KEY: 'local-stack',
    AWS_SESSION_TOKEN: 'local-stack',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: routerUrl,
    AWS_LAMBDA_FUNCTION_NAME: inv.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(inv.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${inv.functionName}`,
    AWS_EXECUTION_ENV: `AWS_Lambda_${inv.runtime}`,
    // No X-Ray daemon locally: tracing off, as with `sam local`.
    POWERTOOLS_TRACE_ENABLED: 'false',
    ...invokerSettingsEnv(inv, { namespace: spec.project.name, serviceName: inv.functionName }),
    [INVOKER_ENV.endpointSingle]: spec.endpoints.single.name,
    [INVOKER_ENV.endpointMulti]: spec.endpoints.multi.name,
    [INVOKER_ENV.defaultEndpoint]: 'single',
    [INVOKER_ENV.endpointTimeoutMs]: String(inv.endpointTimeoutMs),
    [INVOKER_ENV.maxAttempts]: String(inv.maxAttempts),
  };
  if (inv.s3Input.enabled) env[INVOKER_ENV.inputPrefix] = inv.s3Input.prefix;
  return env;
}

export class LocalStack {
  readonly timing: ScaledTiming;
  readonly endpoints = new Map<string, ManagedEndpoint>();
  readonly lambdaRecorder = new LambdaRecorder();
  readonly lambda: LambdaRuntime;
  readonly controlPlane: ControlPlane;
  private readonly server: Server;
  private ticker: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();
  private nextInstancePort: number;
  private stopped = false;
  /** Each endpoint's current or last shadow rollout, and the endpoints with one running. */
  private readonly shadowRuns = new Map<string, ShadowRolloutStatus>();
  private readonly shadowRunning = new Set<string>();
  private shadowRunSeq = 0;
  url = '';

  constructor(private readonly opts: StackOptions) {
    const { spec } = opts;
    this.timing = scaledTiming(spec.autoscaling, spec.localStack.timeScale);
    this.nextInstancePort = spec.localStack.instanceBasePort;
    this.lambda = new LambdaRuntime({
      workerPath: opts.workerPath,
      workerData: {
        bundlePath: opts.invokerBundle,
        functionName: spec.invoker.functionName,
        region: spec.project.region,
        memoryMb: spec.invoker.memoryMb,
        logTailBytes: LAMBDA_LIMITS.logResultTailBytes,
      },
      env: () => lambdaEnvironment(spec, this.url),
      reservedConcurrency: spec.invoker.reservedConcurrency,
      timeoutMs: spec.invoker.timeoutSeconds * 1000,
      memoryMb: spec.invoker.memoryMb,
      recorder: this.lambdaRecorder,
      log: opts.log,
    });
    this.controlPlane = new ControlPlane({ spec, endpoints: () => this.endpoints.values() });
    this.server = createStackServer({
      spec,
      controlPlane: this.controlPlane,
      endpoints: this.endpoints,
      lambda: this.lambda,
      metrics: () => this.metrics(),
      prometheus: () => this.prometheus(),
      health: () => this.health(),
      dashboardDir: opts.dashboardDir,
      log: opts.log,
      shadowRollouts: {
        start: (name, request) => this.startShadowRollout(name, request),
        get: (name) => this.shadowRuns.get(name),
      },
    });
  }

  /**
   * Starts the driver on `endpointName` with a candidate made by CreateModel; it runs in the background and its
   * status is read from the admin API. One run per endpoint at a time.
   */
  private startShadowRollout(endpointName: string, request: ShadowRolloutRequest): ShadowRolloutStatus {
    const { spec, log } = this.opts;
    const endpoint = this.endpoints.get(endpointName);
    if (!endpoint)
      throw new AwsApiError(404, 'ResourceNotFoundException', `Could not find endpoint ${endpointName}.`);
    if (this.shadowRunning.has(endpointName))
      throw new AwsApiError(
        409,
        'ConflictException',
        `A shadow rollout is already running on ${endpointName}.`,
      );
    if (!this.controlPlane.models.has(request.ModelName))
      throw new AwsApiError(
        400,
        'ValidationException',
        `Could not find model "${this.controlPlane.arn('model', request.ModelName)}": create it with CreateModel first.`,
      );
    this.shadowRunning.add(endpointName);
    this.shadowRunSeq += 1;
    let logged = 0;
    const onChange = (status: ShadowRolloutStatus) => {
      this.shadowRuns.set(endpointName, status);
      for (; logged < status.events.length; logged++)
        log(`${endpointName}: shadow rollout: ${status.events[logged]?.message}`);
    };
    const timeScale = spec.localStack.timeScale;
    const run = runShadowRollout(
      {
        endpointName,
        candidateModel: request.ModelName,
        shadow: spec.rollout.shadow,
        timeScale,
        // The longest update SageMaker allows, scaled, plus the instances' start-up (which is not scaled).
        maxWaitMs: (endpoint.endpoint.deployment.maxExecutionSeconds * 1000) / timeScale + PING_DEADLINE_MS,
        runId: `${Date.now().toString(36)}${this.shadowRunSeq}`,
        onChange,
      },
      {
        sagemaker: async (operation, input) => this.controlPlane.handle(operation, input),
        shadow: () => endpoint.shadowStatus(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        now: Date.now,
      },
    );
    void run.then(onChange).finally(() => this.shadowRunning.delete(endpointName));
    return this.shadowRuns.get(endpointName) as ShadowRolloutStatus;
  }

  private nextPort = (): number => {
    if (this.nextInstancePort === 0) return 0;
    return this.nextInstancePort++;
  };

  /** Listens, starts both endpoints and resolves once every desired instance is InService. */
  async boot(): Promise<void> {
    const { spec, log } = this.opts;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(spec.localStack.port, spec.localStack.host, () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://${spec.localStack.host}:${port}`;
    log(`listening on ${this.url}`);
    log(describeTimeScale(spec.autoscaling, spec.localStack.timeScale));
    for (const mode of ['single', 'multi'] as const) {
      const e = new ManagedEndpoint({
        endpoint: spec.endpoints[mode],
        spec,
        timing: this.timing,
        modelDir: this.opts.modelDirs[mode],
        modelServerMain: this.opts.modelServerMain,
        nextPort: this.nextPort,
        log,
        invokerTotals: () => ({
          invocations: this.lambdaRecorder.totalInvocations,
          failed: this.lambdaRecorder.totalFailedRequests,
        }),
      });
      this.controlPlane.registerInitial(e.endpoint, this.opts.modelDirs[mode], e.configName, e.configName);
      this.endpoints.set(e.name, e);
      log(`starting endpoint ${e.name} (${e.desired} instance(s), model ${this.opts.modelDirs[mode]})`);
      e.start();
    }
    const deadline = Date.now() + PING_DEADLINE_MS;
    while (![...this.endpoints.values()].every((e) => e.ready())) {
      if (this.stopped) throw new LocalStackError('stopped while starting');
      if (Date.now() > deadline)
        throw new LocalStackError(`endpoints not InService after ${PING_DEADLINE_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    this.ticker = setInterval(() => this.closePeriod(), this.timing.periodMs);
  }

  private closePeriod(): void {
    const now = Date.now();
    for (const e of this.endpoints.values()) e.closePeriod(now);
    this.lambdaRecorder.close(now);
  }

  metrics(): LocalMetrics {
    const { spec } = this.opts;
    const a = spec.autoscaling;
    return {
      startedAt: this.startedAt,
      now: Date.now(),
      timeScale: this.timing.timeScale,
      periodMs: this.timing.periodMs,
      autoscaling: {
        minInstances: a.minInstances,
        maxInstances: a.maxInstances,
        metric: a.metric,
        targetValue: a.targetValue,
        scaleOutCooldownSeconds: a.scaleOutCooldownSeconds,
        scaleInCooldownSeconds: a.scaleInCooldownSeconds,
      },
      endpoints: [...this.endpoints.values()].map((e) => ({
        ...e.snapshot(),
        shadowRollout: this.shadowRuns.get(e.name) ?? null,
      })),
      lambda: {
        functionName: spec.invoker.functionName,
        reservedConcurrency: spec.invoker.reservedConcurrency,
        maxConcurrentExecutions: this.lambdaRecorder.maxConcurrentExecutions,
        totalThrottles: this.lambdaRecorder.totalThrottles,
        series: [...this.lambdaRecorder.series],
      },
    };
  }

  prometheus(): string {
    const endpoints: Record<
      string,
      { invocations: number; errors4xx: number; errors5xx: number; retries: number }
    > = {};
    for (const e of this.endpoints.values()) endpoints[e.name] = { ...e.recorder.totals };
    return renderPrometheus(this.metrics(), {
      endpoints,
      lambda: {
        invocations: this.lambdaRecorder.totalInvocations,
        errors: this.lambdaRecorder.totalErrors,
        coldStarts: this.lambda.coldStarts,
      },
    });
  }

  health(): Record<string, unknown> {
    return {
      status: 'ok',
      pid: process.pid,
      url: this.url,
      endpoints: [...this.endpoints.values()].map((e) => {
        const all = e.pools().flatMap((p) => [...p.list()]);
        return {
          name: e.name,
          desired: e.desired,
          inService: e.pool.inService().length,
          endpointStatus: e.status(),
          endpointConfigName: e.configName,
          modelDir: e.modelDir,
          instances: all.map((i) => ({ id: i.id, state: i.state, pid: i.child.pid ?? null })),
          pids: all.flatMap((i) =>
            i.child.pid !== undefined && i.child.exitCode === null && i.child.signalCode === null
              ? [i.child.pid]
              : [],
          ),
          rollout: e.rolloutStatus(),
        };
      }),
      lambda: {
        environments: this.lambda.environments,
        concurrentExecutions: this.lambda.concurrentExecutions,
      },
      models: this.servedModels(),
    };
  }

  /** What each endpoint serves now: the boot model, or the one an update promoted (read from its metadata). */
  private servedModels(): Partial<Record<TrainingMode, ServedModel>> {
    const out: Partial<Record<TrainingMode, ServedModel>> = { ...this.opts.models };
    for (const mode of ['single', 'multi'] as const) {
      const e = this.endpoints.get(this.opts.spec.endpoints[mode].name);
      if (!e || e.modelDir === this.opts.modelDirs[mode]) continue;
      const meta = readModelDir(e.modelDir);
      if (meta)
        out[mode] = {
          modelVersion: meta.modelVersion,
          kind: meta.kind ?? 'trained',
          description: describeModel(meta),
          classes: meta.numClasses,
        };
    }
    return out;
  }

  /** Stops the clock, the server, the execution environments and every instance (no orphans). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.ticker) clearInterval(this.ticker);
    this.server.closeAllConnections();
    const closed = this.server.listening
      ? new Promise<void>((resolve) => this.server.close(() => resolve()))
      : Promise.resolve();
    await Promise.all([this.lambda.close(), ...[...this.endpoints.values()].map((e) => e.close())]);
    await closed;
  }
}
