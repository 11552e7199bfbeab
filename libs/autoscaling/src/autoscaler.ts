/**
 * Target tracking as Application Auto Scaling does it for a SageMaker variant, as a pure function:
 * completed metric periods + scaler state + now → decision. No timers, no I/O.
 */
import type { AutoscalingSpec, MetricPoint, ScalingMetric } from '@dogbreed/platform-spec';

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

/** desired = ceil(metric × current / target), clamped to [min, max]. */
export function targetCapacity(value: number, current: number, spec: AutoscalingSpec): number {
  return clamp(Math.ceil((value * current) / spec.targetValue - 1e-9), spec.minInstances, spec.maxInstances);
}

function lastValues(series: readonly MetricPoint[], n: number, spec: AutoscalingSpec): number[] | undefined {
  if (series.length < n) return undefined;
  const values = series.slice(-n).map((p) => metricValue(p, spec.metric, spec.metricPeriodSeconds));
  return values.every((v): v is number => v !== undefined) ? values : undefined;
}

const fmt = (n: number) => String(Math.round(n * 100) / 100);

export function evaluate(
  series: readonly MetricPoint[],
  state: ScalerState,
  now: number,
  spec: AutoscalingSpec,
  timing: ScalerTiming,
): ScalingDecision {
  const latest = series.at(-1);
  if (!latest) return { action: 'none', reason: 'no completed metric period yet' };
  const current = latest.instances;

  const outValues = lastValues(series, spec.scaleOutEvaluationPeriods, spec);
  if (outValues && outValues.every((v) => v > spec.targetValue)) {
    const value = outValues.at(-1) as number;
    const toDesired = targetCapacity(value, current, spec);
    if (toDesired <= state.desired) {
      return { action: 'none', reason: `metric above target but desired ${state.desired} already covers it` };
    }
    if (state.lastScaleOutAt !== null && now - state.lastScaleOutAt < timing.scaleOutCooldownMs) {
      return { action: 'none', reason: 'scale-out cooldown' };
    }
    return {
      action: 'scale',
      direction: 'out',
      fromDesired: state.desired,
      toDesired,
      cause:
        `${spec.metric} ${outValues.map(fmt).join(', ')} > target ${spec.targetValue} for ` +
        `${spec.scaleOutEvaluationPeriods} period(s): ceil(${fmt(value)} × ${current} / ${spec.targetValue}) = ${toDesired}`,
    };
  }

  const inValues = lastValues(series, spec.scaleInEvaluationPeriods, spec);
  const low = spec.targetValue * SCALE_IN_THRESHOLD_FRACTION;
  if (inValues && inValues.every((v) => v < low)) {
    const value = inValues.at(-1) as number;
    const toDesired = targetCapacity(value, current, spec);
    if (toDesired >= state.desired) {
      return {
        action: 'none',
        reason: `metric below target; desired ${state.desired} is already the minimum needed`,
      };
    }
    if (state.lastActivityAt !== null && now - state.lastActivityAt < timing.scaleInCooldownMs) {
      return { action: 'none', reason: 'scale-in cooldown' };
    }
    return {
      action: 'scale',
      direction: 'in',
      fromDesired: state.desired,
      toDesired,
      cause:
        `${spec.metric} below ${fmt(low)} (90% of target ${spec.targetValue}) for ` +
        `${spec.scaleInEvaluationPeriods} period(s): ceil(${fmt(value)} × ${current} / ${spec.targetValue}) = ${toDesired}`,
    };
  }
  return { action: 'none', reason: 'metric within the target band or not enough periods' };
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
