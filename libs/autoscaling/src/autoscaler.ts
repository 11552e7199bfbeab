/**
 * Application Auto Scaling for a SageMaker variant as a pure function: completed metric periods + scaler state +
 * now → decision. No timers, no I/O. It honours `spec.autoscaling`: the policy (target tracking or step scaling),
 * its cooldowns and evaluation periods, and the scheduled windows that move min/max.
 */
import type { AutoscalingSpec, MetricPoint, ScalingMetric } from '@dogbreed/platform-spec';
import { policyBounds, scheduledBounds, type ScalingBounds } from './schedule.js';

/** Cooldowns in the caller's clock (real ms, or compressed by a time scale as in the local stack). */
export interface ScalerTiming {
  readonly scaleOutCooldownMs: number;
  readonly scaleInCooldownMs: number;
}

export interface ScalerState {
  /** Current desired instance count. */
  readonly desired: number;
  /** Epoch ms of the last scale-out (scale-out cooldown), null if none yet. */
  readonly lastScaleOutAt: number | null;
  /** Epoch ms of the last scaling activity in either direction (scale-in cooldown), null if none yet. */
  readonly lastActivityAt: number | null;
}

export type ScalingDecision =
  | { readonly action: 'none'; readonly reason: string }
  | {
      readonly action: 'scale';
      readonly direction: 'out' | 'in';
      readonly fromDesired: number;
      readonly toDesired: number;
      readonly cause: string;
      /** What acted: the scaling policy, or a scheduled action moving min/max past the desired count. */
      readonly source: 'policy' | 'schedule';
    };

/** Scale-in needs the metric below this fraction of the target (CloudWatch's low alarm of target tracking). */
export const SCALE_IN_THRESHOLD_FRACTION = 0.9;

/**
 * The metric value CloudWatch would report for one period.
 * InvocationsPerInstance: invocations per InService instance per minute (the period's count scaled to a minute
 * using the spec's period, so a time-compressed period counts as a full simulated period).
 * ConcurrentRequestsPerModel: the period's maximum concurrent requests per InService instance.
 * Undefined when no instance was InService (CloudWatch has no data point then).
 */
export function metricValue(
  point: MetricPoint,
  metric: ScalingMetric,
  metricPeriodSeconds: number,
): number | undefined {
  if (point.instances <= 0) return undefined;
  if (metric === 'SageMakerVariantInvocationsPerInstance') {
    return (point.invocations * (60 / metricPeriodSeconds)) / point.instances;
  }
  return point.concurrentRequests / point.instances;
}

export function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}

/** desired = ceil(metric × current / target), clamped to the bounds in force (default: the policy's min/max). */
export function targetCapacity(
  value: number,
  current: number,
  spec: AutoscalingSpec,
  bounds: ScalingBounds = policyBounds(spec),
): number {
  return clamp(Math.ceil((value * current) / spec.targetValue - 1e-9), bounds.min, bounds.max);
}

function lastValues(series: readonly MetricPoint[], n: number, spec: AutoscalingSpec): number[] | undefined {
  if (series.length < n) return undefined;
  const values = series.slice(-n).map((p) => metricValue(p, spec.metric, spec.metricPeriodSeconds));
  return values.every((v): v is number => v !== undefined) ? values : undefined;
}

const fmt = (n: number) => String(Math.round(n * 100) / 100);

interface PolicyInput {
  readonly series: readonly MetricPoint[];
  readonly state: ScalerState;
  readonly now: number;
  readonly spec: AutoscalingSpec;
  readonly timing: ScalerTiming;
  readonly bounds: ScalingBounds;
}

function outCooling({ state, now, timing }: PolicyInput): boolean {
  return state.lastScaleOutAt !== null && now - state.lastScaleOutAt < timing.scaleOutCooldownMs;
}

function inCooling({ state, now, timing }: PolicyInput): boolean {
  return state.lastActivityAt !== null && now - state.lastActivityAt < timing.scaleInCooldownMs;
}

function scale(
  direction: 'out' | 'in',
  state: ScalerState,
  toDesired: number,
  cause: string,
): ScalingDecision {
  return { action: 'scale', direction, fromDesired: state.desired, toDesired, cause, source: 'policy' };
}

function targetTracking(p: PolicyInput, current: number): ScalingDecision {
  const { series, state, spec, bounds } = p;
  const outValues = lastValues(series, spec.scaleOutEvaluationPeriods, spec);
  if (outValues && outValues.every((v) => v > spec.targetValue)) {
    const value = outValues.at(-1) as number;
    const toDesired = targetCapacity(value, current, spec, bounds);
    if (toDesired <= state.desired) {
      return { action: 'none', reason: `metric above target but desired ${state.desired} already covers it` };
    }
    if (outCooling(p)) return { action: 'none', reason: 'scale-out cooldown' };
    return scale(
      'out',
      state,
      toDesired,
      `${spec.metric} ${outValues.map(fmt).join(', ')} > target ${spec.targetValue} for ` +
        `${spec.scaleOutEvaluationPeriods} period(s): ceil(${fmt(value)} × ${current} / ${spec.targetValue}) = ${toDesired}`,
    );
  }

  const inValues = lastValues(series, spec.scaleInEvaluationPeriods, spec);
  const low = spec.targetValue * SCALE_IN_THRESHOLD_FRACTION;
  if (inValues && inValues.every((v) => v < low)) {
    const value = inValues.at(-1) as number;
    const toDesired = targetCapacity(value, current, spec, bounds);
    if (toDesired >= state.desired) {
      return {
        action: 'none',
        reason: `metric below target; desired ${state.desired} is already the minimum needed`,
      };
    }
    if (inCooling(p)) return { action: 'none', reason: 'scale-in cooldown' };
    return scale(
      'in',
      state,
      toDesired,
      `${spec.metric} below ${fmt(low)} (90% of target ${spec.targetValue}) for ` +
        `${spec.scaleInEvaluationPeriods} period(s): ceil(${fmt(value)} × ${current} / ${spec.targetValue}) = ${toDesired}`,
    );
  }
  return { action: 'none', reason: 'metric within the target band or not enough periods' };
}

/**
 * Step scaling: the scale-out alarm fires after scaleOutEvaluationPeriods periods at or above the lowest scale-out
 * bound, and the step whose lowerBound the latest value reached adds its `change` to the desired count; the
 * scale-in alarm likewise below the highest scale-in bound, removing the `change` of the lowest bound still above
 * the value. Changes apply to the desired count (ChangeInCapacity), clamped to the bounds in force.
 */
function stepScaling(
  p: PolicyInput,
  steps: Extract<AutoscalingSpec['policy'], { type: 'step' }>,
): ScalingDecision {
  const { series, state, spec, bounds } = p;
  const outValues = lastValues(series, spec.scaleOutEvaluationPeriods, spec);
  const lowestOut = steps.scaleOut[0]?.lowerBound ?? Infinity;
  if (outValues && outValues.every((v) => v >= lowestOut)) {
    const value = outValues.at(-1) as number;
    const step = steps.scaleOut.filter((s) => value >= s.lowerBound).at(-1) ?? steps.scaleOut[0];
    const toDesired = clamp(state.desired + (step?.change ?? 0), bounds.min, bounds.max);
    if (toDesired <= state.desired)
      return { action: 'none', reason: `scale-out alarm but desired ${state.desired} is the maximum` };
    if (outCooling(p)) return { action: 'none', reason: 'scale-out cooldown' };
    return scale(
      'out',
      state,
      toDesired,
      `${spec.metric} ${outValues.map(fmt).join(', ')} ≥ ${lowestOut} for ${spec.scaleOutEvaluationPeriods} period(s): ` +
        `step ≥ ${step?.lowerBound} adds ${step?.change}`,
    );
  }
  const inValues = lastValues(series, spec.scaleInEvaluationPeriods, spec);
  const highestIn = steps.scaleIn[0]?.upperBound ?? 0;
  if (inValues && inValues.every((v) => v < highestIn)) {
    const value = inValues.at(-1) as number;
    const step = steps.scaleIn.filter((s) => value < s.upperBound).at(-1) ?? steps.scaleIn[0];
    const toDesired = clamp(state.desired - (step?.change ?? 0), bounds.min, bounds.max);
    if (toDesired >= state.desired)
      return { action: 'none', reason: `scale-in alarm but desired ${state.desired} is the minimum` };
    if (inCooling(p)) return { action: 'none', reason: 'scale-in cooldown' };
    return scale(
      'in',
      state,
      toDesired,
      `${spec.metric} below ${highestIn} for ${spec.scaleInEvaluationPeriods} period(s): ` +
        `step < ${step?.upperBound} removes ${step?.change}`,
    );
  }
  return { action: 'none', reason: 'metric between the step alarms or not enough periods' };
}

/**
 * A scheduled action that moves min above (or max below) the desired count changes it at once, without cooldowns,
 * as Application Auto Scaling does; a lower minimum leaves the count to the policy.
 */
function scheduled(state: ScalerState, bounds: ScalingBounds): ScalingDecision | undefined {
  const why = bounds.window ? `scheduled window "${bounds.window}"` : 'end of scheduled window';
  if (state.desired < bounds.min) {
    return {
      action: 'scale',
      direction: 'out',
      fromDesired: state.desired,
      toDesired: bounds.min,
      cause: `${why} sets minInstances ${bounds.min}`,
      source: 'schedule',
    };
  }
  if (state.desired > bounds.max) {
    return {
      action: 'scale',
      direction: 'in',
      fromDesired: state.desired,
      toDesired: bounds.max,
      cause: `${why} sets maxInstances ${bounds.max}`,
      source: 'schedule',
    };
  }
  return undefined;
}

export function evaluate(
  series: readonly MetricPoint[],
  state: ScalerState,
  now: number,
  spec: AutoscalingSpec,
  timing: ScalerTiming,
): ScalingDecision {
  const bounds = scheduledBounds(spec, now);
  const forced = scheduled(state, bounds);
  if (forced) return forced;
  const latest = series.at(-1);
  if (!latest) return { action: 'none', reason: 'no completed metric period yet' };
  const input: PolicyInput = { series, state, now, spec, timing, bounds };
  return spec.policy.type === 'step'
    ? stepScaling(input, spec.policy)
    : targetTracking(input, latest.instances);
}

/** The state after applying a decision at `now`. */
export function applyDecision(state: ScalerState, decision: ScalingDecision, now: number): ScalerState {
  if (decision.action === 'none') return state;
  return {
    desired: decision.toDesired,
    lastScaleOutAt: decision.direction === 'out' ? now : state.lastScaleOutAt,
    lastActivityAt: now,
  };
}
