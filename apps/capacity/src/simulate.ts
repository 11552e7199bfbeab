/**
 * The what-if simulator's engine: replays a per-minute trace through the shared autoscaler (`@dogbreed/autoscaling`)
 * in virtual time. Each minute the instances InService serve up to `capacityRps` each; what exceeds that would queue
 * or fail. At each minute's end the period becomes a metric point, visible to the policy `metricDelaySeconds` later;
 * a scale-out launches instances that serve `startupSeconds` after the decision, a scale-in removes instances at
 * once (those still starting first). Instances are billed from launch to removal. Pure and deterministic.
 */
import { applyDecision, clamp, evaluate, scheduledBounds, type ScalerState } from '@dogbreed/autoscaling';
import type { AutoscalingSpec, MetricPoint } from '@dogbreed/platform-spec';
import { SimulatorError } from './errors.js';
import { MINUTE_MS, type Trace } from './traces.js';

export interface CandidatePolicy {
  readonly name: string;
  readonly autoscaling: AutoscalingSpec;
}

export interface SimulationInput {
  readonly trace: Trace;
  readonly policy: CandidatePolicy;
  /** Requests per second one instance sustains at the latency SLO (the probe's peak). */
  readonly capacityRps: number;
  readonly startupSeconds: number;
  readonly metricDelaySeconds: number;
  readonly usdPerHour: number;
}

export interface MinuteSample {
  readonly minute: number;
  readonly offered: number;
  /** Requests the InService instances could serve in this minute. */
  readonly capacity: number;
  readonly inService: number;
  /** Instances launched and not removed (billed), InService or starting. */
  readonly billed: number;
  readonly desired: number;
}

export interface ScaleEvent {
  readonly minute: number;
  readonly direction: 'out' | 'in';
  readonly fromDesired: number;
  readonly toDesired: number;
  readonly source: 'policy' | 'schedule';
  readonly cause: string;
}

export interface SimulationResult {
  readonly trace: string;
  readonly policy: string;
  readonly minutes: number;
  readonly instanceHours: number;
  readonly usd: number;
  /** Undefined when nothing was served. */
  readonly usdPerThousand: number | undefined;
  readonly offered: number;
  readonly served: number;
  /** Requests beyond the InService capacity of their minute: they would queue or fail. */
  readonly overCapacityRequests: number;
  readonly overCapacityMinutes: number;
  readonly scaleOuts: number;
  readonly scaleIns: number;
  readonly peakInService: number;
  readonly events: readonly ScaleEvent[];
  readonly timeline: readonly MinuteSample[];
}

function check(input: SimulationInput): void {
  const a = input.policy.autoscaling;
  const where = `policy ${input.policy.name}`;
  if (a.metric !== 'SageMakerVariantInvocationsPerInstance') {
    throw new SimulatorError(
      `${where}: the simulator replays invocation counts, so it needs metric SageMakerVariantInvocationsPerInstance`,
    );
  }
  if (a.metricPeriodSeconds !== 60)
    throw new SimulatorError(`${where}: traces are per minute, so metricPeriodSeconds must be 60`);
  if (!(input.capacityRps > 0))
    throw new SimulatorError(`capacity must be positive, got ${input.capacityRps} req/s`);
  if (input.startupSeconds < 0 || input.metricDelaySeconds < 0)
    throw new SimulatorError('start-up and metric delays must be ≥ 0');
  if (!(input.usdPerHour > 0))
    throw new SimulatorError(`price must be positive, got ${input.usdPerHour} $/h`);
}

/** Rounds money and hours for reports so float noise never shows as a difference. */
const round = (n: number, digits = 6) => Math.round(n * 10 ** digits) / 10 ** digits;

export function simulate(input: SimulationInput): SimulationResult {
  check(input);
  const { trace, policy, capacityRps } = input;
  const a = policy.autoscaling;
  const timing = {
    scaleOutCooldownMs: a.scaleOutCooldownSeconds * 1000,
    scaleInCooldownMs: a.scaleInCooldownSeconds * 1000,
  };
  const startupMs = input.startupSeconds * 1000;
  const delayMs = input.metricDelaySeconds * 1000;
  const startBounds = scheduledBounds(a, trace.startMs);
  const initial = clamp(a.minInstances, startBounds.min, startBounds.max);
  let state: ScalerState = { desired: initial, lastScaleOutAt: null, lastActivityAt: null };
  /** Ready time (epoch ms) of each launched instance; the initial ones serve from the start. */
  let instances: number[] = new Array<number>(initial).fill(trace.startMs);
  const pending: MetricPoint[] = [];
  const visible: MetricPoint[] = [];
  const timeline: MinuteSample[] = [];
  const events: ScaleEvent[] = [];
  let instanceMinutes = 0;
  let served = 0;
  let offeredTotal = 0;
  let over = 0;
  let overMinutes = 0;

  trace.perMinute.forEach((offered, minute) => {
    const t0 = trace.startMs + minute * MINUTE_MS;
    const t1 = t0 + MINUTE_MS;
    const inService = instances.filter((ready) => ready <= t0).length;
    const capacity = inService * capacityRps * 60;
    const servedNow = Math.min(offered, capacity);
    timeline.push({ minute, offered, capacity, inService, billed: instances.length, desired: state.desired });
    instanceMinutes += instances.length;
    offeredTotal += offered;
    served += servedNow;
    over += offered - servedNow;
    if (offered > servedNow) overMinutes++;
    pending.push({
      t: t1,
      instances: inService,
      invocations: offered,
      invocationsPerInstance: inService > 0 ? offered / inService : 0,
      concurrentRequests: 0,
      modelLatencyP50Ms: 0,
      modelLatencyP95Ms: 0,
      invocation4xxErrors: 0,
      invocation5xxErrors: 0,
    });
    while (pending.length && (pending[0] as MetricPoint).t <= t1 - delayMs)
      visible.push(pending.shift() as MetricPoint);

    const decision = evaluate(visible, state, t1, a, timing);
    if (decision.action !== 'scale') return;
    state = applyDecision(state, decision, t1);
    events.push({
      minute: minute + 1,
      direction: decision.direction,
      fromDesired: decision.fromDesired,
      toDesired: decision.toDesired,
      source: decision.source,
      cause: decision.cause,
    });
    if (decision.toDesired > instances.length) {
      instances = [
        ...instances,
        ...new Array<number>(decision.toDesired - instances.length).fill(t1 + startupMs),
      ];
    } else {
      // Remove the instances still starting first (latest ready time), then InService ones.
      instances = [...instances].sort((x, y) => x - y).slice(0, decision.toDesired);
    }
  });

  const instanceHours = instanceMinutes / 60;
  const usd = instanceHours * input.usdPerHour;
  return {
    trace: trace.name,
    policy: policy.name,
    minutes: trace.perMinute.length,
    instanceHours: round(instanceHours, 4),
    usd: round(usd, 4),
    usdPerThousand: served > 0 ? round((usd / served) * 1000, 8) : undefined,
    offered: offeredTotal,
    served: round(served, 3),
    overCapacityRequests: round(over, 3),
    overCapacityMinutes: overMinutes,
    scaleOuts: events.filter((e) => e.direction === 'out').length,
    scaleIns: events.filter((e) => e.direction === 'in').length,
    peakInService: Math.max(0, ...timeline.map((s) => s.inService)),
    events,
    timeline,
  };
}
