/**
 * Traffic traces for the what-if simulator: invocations per minute from a fixed start. Synthetic generators are
 * closed-form (no randomness), so a trace is the same on every run; the standard set is sized from the spec.
 */
import type { AutoscalingSpec } from '@dogbreed/platform-spec';
import { SimulatorError } from './errors.js';

export interface Trace {
  readonly name: string;
  /** Epoch ms of the first minute (UTC): scheduled windows are matched against it. */
  readonly startMs: number;
  /** Invocations offered in each minute. */
  readonly perMinute: readonly number[];
}

export const MINUTE_MS = 60_000;
/** Monday 2026-11-30 00:00 UTC: synthetic traces start on a Monday at midnight so weekday windows line up. */
export const SYNTHETIC_START_MS = Date.UTC(2026, 10, 30);

function trace(
  name: string,
  minutes: number,
  f: (minute: number) => number,
  startMs = SYNTHETIC_START_MS,
): Trace {
  if (!Number.isInteger(minutes) || minutes < 1)
    throw new SimulatorError(`trace ${name}: minutes must be a positive integer`);
  return {
    name,
    startMs,
    perMinute: Array.from({ length: minutes }, (_, m) => Math.max(0, Math.round(f(m)))),
  };
}

export function steady(o: { perMinute: number; minutes: number }): Trace {
  return trace('steady', o.minutes, () => o.perMinute);
}

/** A day-shaped sine: `low` at 02:00 UTC, `high` at 14:00 UTC, for `days` days. */
export function diurnal(o: { low: number; high: number; days: number }): Trace {
  const mid = (o.low + o.high) / 2;
  const amp = (o.high - o.low) / 2;
  return trace('diurnal', o.days * 1440, (m) => mid - amp * Math.cos((2 * Math.PI * (m - 120)) / 1440));
}

/** `base` throughout, `peak` for `spikeMinutes` starting at `atMinute`. */
export function spike(o: {
  base: number;
  peak: number;
  atMinute: number;
  spikeMinutes: number;
  minutes: number;
}): Trace {
  return trace('spike', o.minutes, (m) =>
    m >= o.atMinute && m < o.atMinute + o.spikeMinutes ? o.peak : o.base,
  );
}

/** Linear from `from` to `to` over `rampMinutes`, then held for `holdMinutes`. */
export function ramp(o: { from: number; to: number; rampMinutes: number; holdMinutes: number }): Trace {
  return trace('ramp', o.rampMinutes + o.holdMinutes, (m) =>
    m < o.rampMinutes ? o.from + ((o.to - o.from) * m) / o.rampMinutes : o.to,
  );
}

export const STANDARD_TRACE_NAMES = ['steady', 'diurnal', 'spike', 'ramp'] as const;
export type StandardTraceName = (typeof STANDARD_TRACE_NAMES)[number];

/**
 * The standard traces, in units of the spec's target (invocations per instance per minute) so they exercise any
 * policy the same way: steady at twice the target for 6 h; a 2-day diurnal from a quarter of one instance's target
 * to 80 % of the fleet's; a 10-minute spike to the fleet's full target on one instance's load; a 2-hour ramp to
 * 120 % of the fleet's target held for an hour.
 */
export function standardTrace(name: StandardTraceName, a: AutoscalingSpec): Trace {
  const t = a.targetValue;
  const fleet = a.maxInstances * t;
  switch (name) {
    case 'steady':
      return steady({ perMinute: 2 * t, minutes: 6 * 60 });
    case 'diurnal':
      return diurnal({ low: 0.25 * t, high: 0.8 * fleet, days: 2 });
    case 'spike':
      return spike({ base: t, peak: fleet, atMinute: 60, spikeMinutes: 10, minutes: 3 * 60 });
    case 'ramp':
      return ramp({ from: 0.25 * t, to: 1.2 * fleet, rampMinutes: 120, holdMinutes: 60 });
  }
}
