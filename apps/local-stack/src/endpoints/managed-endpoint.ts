/**
 * One endpoint variant as SageMaker + Application Auto Scaling run it: the serving (blue) fleet, during an update a
 * green fleet beside it, the metrics the router records, the target-tracking state and the rollout. The decisions
 * are pure (`@dogbreed/autoscaling`, `./rollout.ts`); this class only starts and stops processes and timers.
 */
import type {
  EndpointMetrics,
  EndpointSpec,
  PlatformSpec,
  RolloutStatus,
  ScalingActivity,
  ShadowStatus,
} from '@dogbreed/platform-spec';
import { applyDecision, clamp, evaluate, type ScalerState } from '@dogbreed/autoscaling';
import type { Log } from '../log.js';
import { EndpointRecorder } from '../metrics-recorder.js';
import type { ScaledTiming } from '../time-scale.js';
import type { DeploymentConfigInput, ShadowUpdateRequest, UpdateRequest } from './control-plane.js';
import { InstancePool, type Instance } from './pool.js';
import { ShadowSession } from './shadow.js';
import {
  advance,
  describeTransition,
  endpointStatus,
  isDecided,
  lowQualityAnswer,
  routeToGreen,
  startRollout,
  type RolloutEvent,
  type RolloutPlan,
  type RolloutState,
} from './rollout.js';

const KEEP_ACTIVITIES = 200;

/** Cumulative counts of the invoker's requests, for the invoker error-rate rollback alarm. */
export interface InvokerTotals {
  readonly invocations: number;
  readonly failed: number;
}

/** What a managed endpoint is built from. */
export interface ManagedEndpointOptions {
  /** The endpoint variant: name, variant name, initial instance count. */
  readonly endpoint: EndpointSpec;
  /** The platform spec: autoscaling policy, instance limits. */
  readonly spec: PlatformSpec;
  /** The autoscaling periods and cooldowns, scaled to the local stack's clock. */
  readonly timing: ScaledTiming;
  /** The model dir every instance serves. */
  readonly modelDir: string;
  /** The built model server each instance runs. */
  readonly modelServerMain: string;
  /** Hands out a free port for each new instance. */
  readonly nextPort: () => number;
  readonly log: Log;
  /**
   * The endpoint config and model the endpoint boots with (SageMaker names).
   * @default `<endpoint name>-initial` for both
   */
  readonly configName?: string;
  readonly modelName?: string;
  /**
   * The invoker's cumulative requests and failures (the third rollback alarm's metric).
   * @default none: that alarm sees no data
   */
  readonly invokerTotals?: () => InvokerTotals;
}

/** The serving configuration: which config and model, served from which dir. */
interface Deployed {
  readonly configName: string;
  readonly modelName: string;
  readonly modelDir: string;
}

interface ActiveRollout {
  readonly plan: RolloutPlan;
  state: RolloutState;
  readonly from: Deployed;
  readonly to: Deployed;
  readonly deploymentConfig: DeploymentConfigInput;
  /** Green's instance count when it started: ready when that many are InService. */
  readonly greenSize: number;
  timer: NodeJS.Timeout | undefined;
  /** The metric sample being filled (see AlarmSample). */
  errors5xx: number;
  latencies: number[];
  invokerAt: InvokerTotals;
  /** The quality alarm's cut when one is armed (else answers are not read), and the sample's answer counts. */
  readonly minConfidence: number | undefined;
  answers: number;
  lowQuality: number;
}

/** A shadow variant's fleet: a fixed instance count (the config's), not scaled with production. */
interface ShadowFleet {
  readonly session: ShadowSession;
  readonly pool: InstancePool;
  readonly size: number;
}

/** Where one copied request goes: taken when the copy is decided, so a shadow removed meanwhile still gets it. */
export interface ShadowCopy {
  readonly session: ShadowSession;
  readonly pool: InstancePool;
  readonly variantName: string;
}

export class ManagedEndpoint {
  readonly endpoint: EndpointSpec;
  readonly recorder = new EndpointRecorder();
  readonly activities: ScalingActivity[] = [];
  readonly createdAt = Date.now();
  lastModifiedAt = this.createdAt;
  private readonly spec: PlatformSpec;
  private readonly timing: ScaledTiming;
  private readonly log: Log;
  private readonly opts: ManagedEndpointOptions;
  private state: ScalerState;
  private closing = false;
  private blue: InstancePool;
  private green: InstancePool | undefined;
  /** Fleets an update took out of service, until their last process has exited. */
  private retiring: InstancePool[] = [];
  private generation = 1;
  private deployed: Deployed;
  private rollout: ActiveRollout | undefined;
  private failureReason: string | undefined;
  /** Requests routed since the last traffic shift (the weighted round robin's counter). */
  private routed = 0;
  /** The shadow variant starting or running, the last one (for its verdict), and removed fleets still draining. */
  private shadow: ShadowFleet | undefined;
  private lastShadow: ShadowSession | undefined;
  private retiringShadow: InstancePool[] = [];

  constructor(opts: ManagedEndpointOptions) {
    const { endpoint, spec, timing, modelDir, log } = opts;
    this.opts = opts;
    this.endpoint = endpoint;
    this.spec = spec;
    this.timing = timing;
    this.log = log;
    const a = spec.autoscaling;
    this.state = {
      desired: clamp(endpoint.initialInstanceCount, a.minInstances, a.maxInstances),
      lastScaleOutAt: null,
      lastActivityAt: null,
    };
    this.deployed = {
      configName: opts.configName ?? `${endpoint.name}-initial`,
      modelName: opts.modelName ?? `${endpoint.name}-initial`,
      modelDir,
    };
    this.blue = this.newPool(modelDir, undefined);
  }

  private newPool(modelDir: string, idPrefix: string | undefined): InstancePool {
    const pool: InstancePool = new InstancePool({
      endpoint: this.endpoint,
      modelDir,
      modelServerMain: this.opts.modelServerMain,
      spec: this.spec,
      nextPort: this.opts.nextPort,
      log: this.log,
      idPrefix,
      onChange: (i) => this.onInstanceChange(pool, i),
    });
    return pool;
  }

  get name(): string {
    return this.endpoint.name;
  }

  get desired(): number {
    return this.state.desired;
  }

  /** The serving (blue) fleet. */
  get pool(): InstancePool {
    return this.blue;
  }

  /** The serving fleet's size: an update's green fleet starts with as many instances. */
  get fleetSize(): number {
    return this.state.desired;
  }

  get configName(): string {
    return this.deployed.configName;
  }

  get modelDir(): string {
    return this.deployed.modelDir;
  }

  /** The model the production variant serves (a shadow-only update keeps it). */
  get servingModelName(): string {
    return this.deployed.modelName;
  }

  /** Whether a shadow variant is starting or running. */
  get hasShadow(): boolean {
    return this.shadow !== undefined;
  }

  /** Every fleet with instances: blue, green, retiring, the shadow's. */
  pools(): InstancePool[] {
    return [
      this.blue,
      ...(this.green ? [this.green] : []),
      ...this.retiring,
      ...(this.shadow ? [this.shadow.pool] : []),
      ...this.retiringShadow,
    ];
  }

  /** Launches the initial instances. */
  start(): void {
    this.reconcile(this.blue, undefined);
  }

  /** True when as many instances as desired are InService. */
  ready(): boolean {
    return this.blue.inService().length >= this.state.desired;
  }

  private record(activity: ScalingActivity): void {
    this.activities.push(activity);
    if (this.activities.length > KEEP_ACTIVITIES) this.activities.shift();
    this.log(
      `${this.name}: scaling activity ${activity.direction} ${activity.fromDesired} → ${activity.toDesired} (${activity.cause})`,
    );
  }

  private onInstanceChange(pool: InstancePool, instance: Instance): void {
    if (this.closing) return;
    if (this.retiringShadow.includes(pool)) {
      if (pool.stopped()) this.retiringShadow = this.retiringShadow.filter((p) => p !== pool);
      return;
    }
    if (this.shadow && pool === this.shadow.pool) return this.onShadowInstance(this.shadow, instance);
    if (this.retiring.includes(pool)) {
      if (pool.stopped()) this.retiring = this.retiring.filter((p) => p !== pool);
      return;
    }
    const r = this.rollout;
    if (pool === this.green && r && r.state.phase === 'Provisioning') {
      // A new fleet that cannot start is the update's failure, not something to relaunch forever.
      if (instance.state === 'Failed') {
        this.apply({
          type: 'green-failed',
          now: Date.now(),
          reason: `instance ${instance.id} failed to start`,
        });
      } else {
        this.checkGreenReady();
      }
      return;
    }
    if (instance.state === 'Failed')
      this.reconcile(pool, `instance ${instance.id} Failed; launching a replacement`);
  }

  /**
   * The shadow fleet's instances: once all are InService the shadow phase begins (copies flow, the endpoint is
   * InService on the shadow's config); one that fails to start ends the update on the old config, as a green fleet
   * that cannot start does; later failures are replaced.
   */
  private onShadowInstance(fleet: ShadowFleet, instance: Instance): void {
    const { session, pool } = fleet;
    const now = Date.now();
    if (session.state === 'Starting') {
      if (instance.state === 'Failed') {
        this.shadow = undefined;
        session.end(now);
        this.retireShadowPool(pool);
        this.failureReason = `Shadow variant ${session.opts.variantName}: instance ${instance.id} failed to start`;
        this.lastModifiedAt = now;
        this.log(`${this.name}: ${this.failureReason}; InService on ${this.deployed.configName} without it`);
      } else if (pool.inService().length >= fleet.size) {
        session.start(now);
        this.deployed = { ...this.deployed, configName: session.opts.configName };
        this.lastModifiedAt = now;
        this.log(
          `${this.name}: shadow variant ${session.opts.variantName} (${session.opts.modelName}) InService: ` +
            `${session.opts.samplingPercent} % of requests copied to it; InService on ${session.opts.configName}`,
        );
      }
      return;
    }
    if (instance.state === 'Failed') {
      for (let k = pool.live().length; k < fleet.size; k++) pool.launch();
    }
  }

  private retireShadowPool(pool: InstancePool): void {
    pool.retire();
    if (!pool.stopped()) this.retiringShadow.push(pool);
  }

  /** Ends the running shadow (its verdict stays readable) and stops its fleet once its copies are answered. */
  private removeShadow(now: number): void {
    const sh = this.shadow;
    if (!sh) return;
    this.shadow = undefined;
    sh.session.end(now);
    this.retireShadowPool(sh.pool);
    this.log(`${this.name}: shadow variant ${sh.session.opts.variantName} removed`);
  }

  /**
   * UpdateEndpoint to a config whose production variant serves the same model: only the shadow variant changes
   * (added, replaced or removed), in place; the endpoint is Updating until the new shadow fleet is InService or the
   * old one has drained.
   */
  updateShadow(request: ShadowUpdateRequest): void {
    const now = Date.now();
    this.lastModifiedAt = now;
    this.failureReason = undefined;
    this.removeShadow(now);
    const s = request.shadow;
    if (!s) {
      this.deployed = { ...this.deployed, configName: request.config.name };
      this.log(`${this.name}: UpdateEndpoint → ${request.config.name} (no shadow variant)`);
      return;
    }
    this.generation += 1;
    const session = new ShadowSession({
      variantName: s.variantName,
      modelName: s.model.name,
      configName: request.config.name,
      samplingPercent: s.samplingPercent,
    });
    const pool = this.newPool(s.model.dir, `${s.variantName}-s${this.generation}`);
    this.shadow = { session, pool, size: s.instanceCount };
    this.lastShadow = session;
    this.log(
      `${this.name}: UpdateEndpoint ${this.deployed.configName} → ${request.config.name}: starting ` +
        `${s.instanceCount} instance(s) of shadow variant ${s.variantName} (${s.model.dir})`,
    );
    for (let k = 0; k < s.instanceCount; k++) pool.launch();
  }

  /**
   * Whether this production request is copied to the shadow variant, and where: the session's deterministic share.
   * Undefined when there is no running shadow or the request is not in the share.
   */
  shadowCopy(): ShadowCopy | undefined {
    const sh = this.shadow;
    if (!sh || !sh.session.takesNext()) return undefined;
    return { session: sh.session, pool: sh.pool, variantName: sh.session.opts.variantName };
  }

  /** The shadow variant running now or the last one, with its live verdict. */
  shadowStatus(): ShadowStatus | null {
    const session = this.shadow?.session ?? this.lastShadow;
    if (!session) return null;
    const instances = this.shadow?.session === session ? this.shadow.pool.inService().length : 0;
    return session.status(this.spec.rollout.shadow, instances);
  }

  /** Launches or drains until the fleet's live count matches the desired count. `replaceCause` names a replacement. */
  private reconcile(pool: InstancePool, replaceCause: string | undefined): void {
    if (this.closing) return;
    const live = pool.live().length;
    if (live < this.state.desired) {
      if (replaceCause) {
        this.record({
          t: Date.now(),
          direction: 'replace',
          fromDesired: this.state.desired,
          toDesired: this.state.desired,
          cause: replaceCause,
        });
      }
      for (let k = live; k < this.state.desired; k++) pool.launch();
    } else if (live > this.state.desired) {
      for (let k = this.state.desired; k < live; k++) pool.drainOne();
    }
  }

  /**
   * Green is ready when all the instances it started with are InService, or as many as the scaler now wants if it
   * scaled in meanwhile.
   */
  private checkGreenReady(): void {
    const r = this.rollout;
    if (!r || !this.green || r.state.phase !== 'Provisioning') return;
    if (this.green.inService().length >= Math.min(r.greenSize, this.state.desired)) {
      this.apply({ type: 'green-ready', now: Date.now() });
    }
  }

  /** The green fleet's share of requests now, in %. */
  private greenPercent(): number {
    const s = this.rollout?.state;
    return this.green && s && !isDecided(s) ? s.greenPercent : 0;
  }

  /**
   * The fleet the next request goes to: green for its share by the weighted round robin, blue otherwise (also when
   * green has no InService instance at the moment, e.g. one was replaced).
   */
  route(): InstancePool {
    const p = this.greenPercent();
    if (p === 0 || !this.green) return this.blue;
    const toGreen = routeToGreen(this.routed, p);
    this.routed += 1;
    if (toGreen && this.green.inService().length > 0) return this.green;
    if (!toGreen && this.blue.inService().length === 0 && this.green.inService().length > 0)
      return this.green;
    return this.blue;
  }

  /** The router's measurement of one request (status undefined: the instance was unreachable). */
  finished(latencyMs: number, status: number | undefined): void {
    this.recorder.finished(latencyMs, status);
    const r = this.rollout;
    if (!r || status === undefined) return;
    r.latencies.push(latencyMs);
    if (status >= 500) r.errors5xx += 1;
  }

  /**
   * The variant's answer to one request (either fleet, as the quality alarm's metric is the variant's), counted
   * while an update's quality alarm is armed.
   */
  answered(status: number, body: Buffer): void {
    const r = this.rollout;
    if (!r || r.minConfidence === undefined || isDecided(r.state)) return;
    const low = lowQualityAnswer(status, body, r.minConfidence);
    if (low === undefined) return;
    r.answers += 1;
    if (low) r.lowQuality += 1;
  }

  /** UpdateEndpoint: starts the green fleet beside blue with blue's instance count; the plan does the rest. */
  update(request: UpdateRequest): void {
    const now = Date.now();
    this.generation += 1;
    const to: Deployed = {
      configName: request.config.name,
      modelName: request.model.name,
      modelDir: request.model.dir,
    };
    const r: ActiveRollout = {
      plan: request.plan,
      state: startRollout(request.plan, now),
      from: this.deployed,
      to,
      deploymentConfig: request.deploymentConfig,
      greenSize: this.state.desired,
      timer: undefined,
      errors5xx: 0,
      latencies: [],
      invokerAt: this.invokerTotals(),
      minConfidence: request.plan.alarms.find((a) => a.metric === 'lowQualityPercent')?.minConfidence,
      answers: 0,
      lowQuality: 0,
    };
    this.rollout = r;
    this.failureReason = undefined;
    this.lastModifiedAt = now;
    const plan = request.plan;
    this.log(
      `${this.name}: UpdateEndpoint ${this.deployed.configName} → ${to.configName} (${plan.mode}, steps ${plan.steps.join('/')} %, ` +
        `bake ${plan.bakeMs / 1000} s, alarms ${plan.alarms.map((a) => a.name).join(', ') || 'none'}); ` +
        `starting ${r.greenSize} instance(s) of ${to.modelDir}`,
    );
    this.green = this.newPool(to.modelDir, `${this.endpoint.variantName}-g${this.generation}`);
    r.timer = setInterval(() => this.tick(), plan.sampleMs);
    this.reconcile(this.green, undefined);
  }

  private invokerTotals(): InvokerTotals {
    return this.opts.invokerTotals?.() ?? { invocations: 0, failed: 0 };
  }

  /** Closes one rollout sample and feeds it to the state machine. */
  private tick(): void {
    const r = this.rollout;
    if (!r) return;
    const now = Date.now();
    const inv = this.invokerTotals();
    const sample = {
      t: now,
      errors5xx: r.errors5xx,
      latenciesMs: r.latencies,
      invokerInvocations: inv.invocations - r.invokerAt.invocations,
      invokerFailed: inv.failed - r.invokerAt.failed,
      ...(r.minConfidence !== undefined ? { answers: r.answers, lowQuality: r.lowQuality } : {}),
    };
    r.answers = 0;
    r.lowQuality = 0;
    r.errors5xx = 0;
    r.latencies = [];
    r.invokerAt = inv;
    this.apply({ type: 'tick', now, sample });
  }

  private apply(event: RolloutEvent): void {
    const r = this.rollout;
    if (!r || isDecided(r.state)) return;
    const before = r.state;
    r.state = advance(r.plan, before, event);
    const line = describeTransition(r.plan, before, r.state);
    if (line) this.log(`${this.name}: ${line}`);
    if (before.greenPercent !== r.state.greenPercent) this.routed = 0;
    if (!isDecided(r.state)) return;
    clearInterval(r.timer);
    r.timer = undefined;
    this.lastModifiedAt = event.now;
    const green = this.green as InstancePool;
    this.green = undefined;
    if (r.state.phase === 'Promoted') {
      this.retiring.push(this.blue);
      this.blue.retire();
      this.blue = green;
      this.deployed = r.to;
      this.failureReason = undefined;
      // The new config has no shadow variant (the control plane refuses one with a new production model).
      this.removeShadow(event.now);
      this.log(`${this.name}: InService on ${r.to.configName}`);
    } else {
      this.retiring.push(green);
      green.retire();
      this.failureReason = r.state.decision?.reason;
      this.log(`${this.name}: InService on ${r.from.configName} after rollback`);
    }
    this.retiring = this.retiring.filter((p) => !p.stopped());
  }

  /** SageMaker's EndpointStatus: Updating / RollingBack until the fleet being stopped has drained. */
  status(): 'InService' | 'Updating' | 'RollingBack' {
    const status = endpointStatus(this.rollout?.state, this.retiring.length > 0);
    const shadowChanging = this.shadow?.session.state === 'Starting' || this.retiringShadow.length > 0;
    return status === 'InService' && shadowChanging ? 'Updating' : status;
  }

  /** Ends a metric period at `now` and lets target tracking act on it; both fleets follow the desired count. */
  closePeriod(now: number): void {
    // Per-instance metrics divide by the instances taking the traffic: each fleet weighted by its share.
    const p = this.greenPercent() / 100;
    const blueIn = this.blue.inService().length;
    const greenIn = this.green?.inService().length ?? 0;
    const serving = this.green ? Math.round(blueIn * (1 - p) + greenIn * p) : blueIn;
    this.recorder.close(now, serving, this.spec.autoscaling.metricPeriodSeconds);
    const decision = evaluate(this.recorder.series, this.state, now, this.spec.autoscaling, this.timing);
    if (decision.action === 'scale') {
      this.state = applyDecision(this.state, decision, now);
      this.record({
        t: now,
        direction: decision.direction,
        fromDesired: decision.fromDesired,
        toDesired: decision.toDesired,
        cause: decision.cause,
      });
    }
    this.reconcile(this.blue, undefined);
    if (this.green) this.reconcile(this.green, undefined);
    this.checkGreenReady();
  }

  /** The rollout for the admin API and the dashboard: the current one, or the last one decided. */
  rolloutStatus(): RolloutStatus | null {
    const r = this.rollout;
    if (!r) return null;
    const s = r.state;
    return {
      phase: s.phase,
      endpointStatus: this.status(),
      mode: r.plan.mode,
      fromConfig: r.from.configName,
      toConfig: r.to.configName,
      steps: [...r.plan.steps],
      step: s.step,
      greenPercent: this.greenPercent(),
      bakeMs: r.plan.bakeMs,
      startedAt: s.startedAt,
      phaseStartedAt: s.phaseStartedAt,
      alarms: s.alarms.map((a) => ({ ...a })),
      decision: s.decision ? { ...s.decision } : null,
    };
  }

  /** DescribeEndpoint's answer. */
  describe(arn: string): Record<string, unknown> {
    const r = this.rollout;
    const out: Record<string, unknown> = {
      EndpointName: this.name,
      EndpointArn: arn,
      EndpointConfigName: this.deployed.configName,
      EndpointStatus: this.status(),
      ProductionVariants: [
        {
          VariantName: this.endpoint.variantName,
          CurrentInstanceCount: this.blue.inService().length,
          DesiredInstanceCount: this.state.desired,
          CurrentWeight: 1,
          DesiredWeight: 1,
        },
      ],
      CreationTime: this.createdAt / 1000,
      LastModifiedTime: this.lastModifiedAt / 1000,
    };
    const sh = this.shadow;
    if (sh) {
      const weight = sh.session.opts.samplingPercent / 100;
      out['ShadowProductionVariants'] = [
        {
          VariantName: sh.session.opts.variantName,
          CurrentInstanceCount: sh.pool.inService().length,
          DesiredInstanceCount: sh.size,
          CurrentWeight: weight,
          DesiredWeight: weight,
        },
      ];
    }
    if (this.failureReason) out['FailureReason'] = this.failureReason;
    if (r) out['LastDeploymentConfig'] = r.deploymentConfig;
    if (r && !isDecided(r.state)) {
      const s = r.state;
      const status =
        s.phase === 'Provisioning' ? 'Creating' : s.phase === 'Baking' ? 'Baking' : 'ActivatingTraffic';
      out['PendingDeploymentSummary'] = {
        EndpointConfigName: r.to.configName,
        StartTime: s.startedAt / 1000,
        ProductionVariants: [
          {
            VariantName: this.endpoint.variantName,
            CurrentInstanceCount: this.green?.inService().length ?? 0,
            DesiredInstanceCount: r.greenSize,
            CurrentWeight: s.greenPercent / 100,
            DesiredWeight: 1,
            VariantStatus: [
              {
                Status: status,
                StatusMessage: `${s.phase}: ${s.greenPercent} % of requests on the new fleet`,
                StartTime: s.phaseStartedAt / 1000,
              },
            ],
          },
        ],
      };
    }
    return out;
  }

  snapshot(): EndpointMetrics {
    const fleet = (p: InstancePool) =>
      p === this.green
        ? 'green'
        : p === this.shadow?.pool
          ? 'shadow'
          : this.retiring.includes(p) || this.retiringShadow.includes(p)
            ? 'retiring'
            : 'blue';
    return {
      name: this.name,
      desiredInstances: this.state.desired,
      instances: this.pools().flatMap((p) =>
        p.list().map((i) => ({ id: i.id, state: i.state, inFlight: i.inFlight, fleet: fleet(p) })),
      ),
      series: [...this.recorder.series],
      scalingActivities: [...this.activities],
      endpointStatus: this.status(),
      endpointConfigName: this.deployed.configName,
      rollout: this.rolloutStatus(),
      shadow: this.shadowStatus(),
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.rollout?.timer) clearInterval(this.rollout.timer);
    await Promise.all(this.pools().map((p) => p.close()));
  }
}
