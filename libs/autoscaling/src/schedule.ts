/**
 * Scheduled scaling as Application Auto Scaling runs it: each window of `spec.autoscaling.schedule` is two scheduled
 * actions, one at `start` (min/max become the window's) and one at `end` (the policy's own return). The bounds in
 * force at an instant are those set by the latest action that fired, whichever window it belongs to.
 */
import {
  parseCron,
  previousFire,
  type AutoscalingSpec,
  type Cron,
  type ScheduledWindow,
} from '@dogbreed/platform-spec';

export interface ScalingBounds {
  readonly min: number;
  readonly max: number;
  /** The window whose start action set these bounds; undefined = the policy's own min/max. */
  readonly window?: string;
}

// Parsing is pure, so parsed expressions can be shared across calls (the simulator asks once per virtual minute).
const parsed = new Map<string, Cron>();
function cron(source: string): Cron {
  let c = parsed.get(source);
  if (!c) {
    c = parseCron(source);
    parsed.set(source, c);
  }
  return c;
}

export function policyBounds(spec: AutoscalingSpec): ScalingBounds {
  return { min: spec.minInstances, max: spec.maxInstances };
}

function windowBounds(spec: AutoscalingSpec, w: ScheduledWindow): ScalingBounds {
  return { min: w.minInstances, max: w.maxInstances ?? spec.maxInstances, window: w.name };
}

/** The min/max in force at `now` (epoch ms, UTC). */
export function scheduledBounds(spec: AutoscalingSpec, now: number): ScalingBounds {
  let latest: { at: number; bounds: ScalingBounds } | undefined;
  for (const w of spec.schedule) {
    const started = previousFire(cron(w.start), now);
    const ended = previousFire(cron(w.end), now);
    // At the same minute the end wins: a window that ends and starts at once is over.
    if (started !== undefined && (!latest || started > latest.at))
      latest = { at: started, bounds: windowBounds(spec, w) };
    if (ended !== undefined && (!latest || ended >= latest.at))
      latest = { at: ended, bounds: policyBounds(spec) };
  }
  return latest?.bounds ?? policyBounds(spec);
}
