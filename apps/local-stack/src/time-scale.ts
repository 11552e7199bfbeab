import type { AutoscalingSpec } from '@dogbreed/platform-spec';

/** Real durations of the spec's periods and cooldowns once compressed by the time scale. */
export interface ScaledTiming {
  readonly timeScale: number;
  /** Real length of one metric period (spec period / time scale). */
  readonly periodMs: number;
  readonly scaleOutCooldownMs: number;
  readonly scaleInCooldownMs: number;
}

export function scaledTiming(autoscaling: AutoscalingSpec, timeScale: number): ScaledTiming {
  if (!(timeScale > 0)) throw new RangeError(`time scale must be positive, got ${timeScale}`);
  return {
    timeScale,
    periodMs: (autoscaling.metricPeriodSeconds * 1000) / timeScale,
    scaleOutCooldownMs: (autoscaling.scaleOutCooldownSeconds * 1000) / timeScale,
    scaleInCooldownMs: (autoscaling.scaleInCooldownSeconds * 1000) / timeScale,
  };
}

/** 60 → "1 min", 90 → "90 s", 3600 → "1 h", 0.5 → "0.5 s". */
export function formatSeconds(seconds: number): string {
  const round = (n: number) => String(Math.round(n * 1000) / 1000);
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${round(seconds)} s`;
}

/** The log line that says how compressed time is, e.g. "time scale 60: 1 s stands for 1 min; ...". */
export function describeTimeScale(autoscaling: AutoscalingSpec, timeScale: number): string {
  const t = scaledTiming(autoscaling, timeScale);
  const real = (ms: number) => formatSeconds(ms / 1000);
  return (
    `time scale ${timeScale}: 1 s stands for ${formatSeconds(timeScale)}; ` +
    `metric period ${formatSeconds(autoscaling.metricPeriodSeconds)} lasts ${real(t.periodMs)}; ` +
    `scale-out cooldown ${autoscaling.scaleOutCooldownSeconds} s lasts ${real(t.scaleOutCooldownMs)}; ` +
    `scale-in cooldown ${autoscaling.scaleInCooldownSeconds} s lasts ${real(t.scaleInCooldownMs)}`
  );
}
