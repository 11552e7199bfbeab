/**
 * `npm run loadtest`, the third front-door command: the local load test against the stack already running on the
 * configured port (judged by what that stack runs: its time scale and autoscaling numbers), or against one it starts
 * with the settings that make the whole run take about four minutes on two cores.
 */
import {
  LOCAL_METRICS_PATH,
  LocalMetricsSchema,
  type LocalMetrics,
  type SpecOverride,
} from '@dogbreed/platform-spec';
import { autoscaleProfile } from '../../k6/lib/profiles.ts';
import type { Scenario } from './k6';
import { LOCAL_WARMUP_SECONDS, runSpec, type RunOptions } from './run';

/**
 * The stack `npm run loadtest` starts: time scale 60 (a 300 s scale-in cooldown takes 5 s) and a target value that
 * four instances reach at about 20 req/s, a rate two cores can offer (apps/loadtest/README.md explains the sum).
 */
export const STARTED_STACK = {
  timeScale: 60,
  specOverride: { autoscaling: { targetValue: 6 } } satisfies SpecOverride,
} as const;

export const FRONT_DOOR_SCENARIOS: readonly Scenario[] = ['smoke', 'autoscale', 'concurrency'];

/** The metrics of the local stack answering at `url`, or undefined when nothing (or something else) answers. */
export async function probeRunningStack(
  url: string,
  fetchImpl: typeof fetch = fetch,
  timeoutMs = 2_000,
): Promise<LocalMetrics | undefined> {
  try {
    const res = await fetchImpl(`${url}${LOCAL_METRICS_PATH}`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined;
    const parsed = LocalMetricsSchema.safeParse(await res.json());
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What a running stack was started with, as a spec override: the verifier judges the stack by its own numbers (a
 * stack from `npm start` has the spec's target value and time scale 1), not by the ones this run would have chosen.
 */
export function overrideFromMetrics(m: LocalMetrics): SpecOverride {
  const a = m.autoscaling;
  return {
    autoscaling: {
      minInstances: a.minInstances,
      maxInstances: a.maxInstances,
      targetValue: a.targetValue,
      scaleOutCooldownSeconds: a.scaleOutCooldownSeconds,
      scaleInCooldownSeconds: a.scaleInCooldownSeconds,
    },
    invoker: { reservedConcurrency: m.lambda.reservedConcurrency },
  };
}

export interface FrontDoorPlan {
  /** The run's options (`runLoadTest`). */
  readonly run: RunOptions;
  /** One line for the user: which stack, and how long the run will take. */
  readonly summary: string;
}

/** The run against the running stack (`metrics` given) or a started one on `port`, and what to tell the user. */
export function frontDoorPlan(o: {
  readonly url: string;
  readonly port: number;
  readonly metrics?: LocalMetrics;
  readonly outDir: string;
  readonly modelsDir?: string;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}): FrontDoorPlan {
  const base = {
    mode: 'local' as const,
    scenarios: [...FRONT_DOOR_SCENARIOS],
    outDir: o.outDir,
    endpoint: 'single' as const,
    expectScaleIn: true,
    modelsDir: o.modelsDir,
  };
  const run: RunOptions = o.metrics
    ? {
        ...base,
        baseUrl: o.url,
        timeScale: o.metrics.timeScale,
        specOverride: overrideFromMetrics(o.metrics),
      }
    : { ...base, port: o.port, timeScale: STARTED_STACK.timeScale, specOverride: STARTED_STACK.specOverride };
  const spec = runSpec({ ...run, env: o.env ?? process.env });
  // smoke and concurrency (10 s each), the autoscale profile, and k6's start-ups between them.
  const profile = autoscaleProfile(spec, {
    timeScale: run.timeScale,
    instanceWarmupSeconds: LOCAL_WARMUP_SECONDS,
  });
  const seconds = 35 + profile.totalSeconds;
  const minutes = Math.ceil(seconds / 60);
  const summary = o.metrics
    ? `using the local stack already running at ${o.url} (time scale ${o.metrics.timeScale}); about ${minutes} min` +
      (o.metrics.timeScale === 1
        ? ` (a stack at time scale 1 waits out real cooldowns: stop it, or start it with --time-scale ${STARTED_STACK.timeScale}, for a shorter run)`
        : '')
    : `starting a local stack on ${o.port === 0 ? 'a free port' : o.url} (time scale ${STARTED_STACK.timeScale}, ` +
      `autoscaling target ${STARTED_STACK.specOverride.autoscaling.targetValue}); about ${minutes} min`;
  return { run, summary };
}
