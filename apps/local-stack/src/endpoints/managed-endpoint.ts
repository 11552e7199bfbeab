import type { EndpointMetrics, EndpointSpec, PlatformSpec, ScalingActivity } from '@dogbreed/platform-spec';
import { applyDecision, clamp, evaluate, type ScalerState } from '@dogbreed/autoscaling';
import type { Log } from '../log.js';
import { EndpointRecorder } from '../metrics-recorder.js';
import type { ScaledTiming } from '../time-scale.js';
import { InstancePool, type Instance } from './pool.js';

const KEEP_ACTIVITIES = 200;

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
}

/**
 * One endpoint variant as SageMaker + Application Auto Scaling run it: a pool of instances, the metrics the
 * router records, and the target-tracking state. Periods are closed by the caller's clock (`closePeriod`).
 */
export class ManagedEndpoint {
  readonly endpoint: EndpointSpec;
  readonly pool: InstancePool;
  readonly recorder = new EndpointRecorder();
  readonly activities: ScalingActivity[] = [];
  private readonly spec: PlatformSpec;
  private readonly timing: ScaledTiming;
  private readonly log: Log;
  private state: ScalerState;
  private closing = false;

  constructor({ endpoint, spec, timing, modelDir, modelServerMain, nextPort, log }: ManagedEndpointOptions) {
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
    this.pool = new InstancePool({
      endpoint,
      modelDir,
      modelServerMain,
      spec,
      nextPort,
      log,
      onChange: (i) => this.onInstanceChange(i),
    });
  }

  get name(): string {
    return this.endpoint.name;
  }

  get desired(): number {
    return this.state.desired;
  }

  /** Launches the initial instances. */
  start(): void {
    this.reconcile(undefined);
  }

  /** True when as many instances as desired are InService. */
  ready(): boolean {
    return this.pool.inService().length >= this.state.desired;
  }

  private record(activity: ScalingActivity): void {
    this.activities.push(activity);
    if (this.activities.length > KEEP_ACTIVITIES) this.activities.shift();
    this.log(
      `${this.name}: scaling activity ${activity.direction} ${activity.fromDesired} → ${activity.toDesired} (${activity.cause})`,
    );
  }

  private onInstanceChange(instance: Instance): void {
    if (instance.state === 'Failed' && !this.closing) {
      this.reconcile(`instance ${instance.id} Failed; launching a replacement`);
    }
  }

  /** Launches or drains until the live count matches the desired count. `replaceCause` names a replacement. */
  private reconcile(replaceCause: string | undefined): void {
    if (this.closing) return;
    const live = this.pool.live().length;
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
      for (let k = live; k < this.state.desired; k++) this.pool.launch();
    } else if (live > this.state.desired) {
      for (let k = this.state.desired; k < live; k++) this.pool.drainOne();
    }
  }

  /** Ends a metric period at `now` and lets target tracking act on it. */
  closePeriod(now: number): void {
    this.recorder.close(now, this.pool.inService().length, this.spec.autoscaling.metricPeriodSeconds);
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
    this.reconcile(undefined);
  }

  snapshot(): EndpointMetrics {
    return {
      name: this.name,
      desiredInstances: this.state.desired,
      instances: this.pool.list().map((i) => ({ id: i.id, state: i.state, inFlight: i.inFlight })),
      series: [...this.recorder.series],
      scalingActivities: [...this.activities],
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.pool.close();
  }
}
