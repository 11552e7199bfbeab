import type { Options } from 'k6/options';
import { readEnv, type RunEnv } from './env.ts';
import { autoscaleProfile, concurrencyProfile, probeStep } from './profiles.ts';
import {
  arrivalRateThresholds,
  baseThresholds,
  concurrencyThresholds,
  rolloutThresholds,
  sloFor,
  type ScenarioName,
} from './thresholds.ts';

/**
 * The one options module: every scenario's executor, profile and thresholds, derived from the spec in `SPEC`
 * and the env (named load profiles in one place, quickpizza style).
 */
export const env: RunEnv = readEnv();

/** A constant arrival rate of `rps` for `durationS`, with VUs sized for the expected latency (soak, probe). */
function constantArrival(rps: number, durationS: number, expectedLatencyMs: number) {
  const step = probeStep(rps, durationS, expectedLatencyMs);
  return {
    executor: 'constant-arrival-rate' as const,
    rate: Math.max(1, Math.round(rps * 60)),
    timeUnit: '1m',
    duration: step.duration,
    preAllocatedVUs: step.preAllocatedVUs,
    maxVUs: step.maxVUs,
  };
}

const common: Options = {
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max', 'count'],
  discardResponseBodies: false,
  // Local stack on loopback / function URL over HTTPS; never follow redirects off the target.
  maxRedirects: 0,
};

function numEnv(name: string, fallback: number): number {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v)) throw new Error(`${name} must be a number, got ${raw}`);
  return v;
}

export function optionsFor(name: ScenarioName): Options {
  const slo = sloFor(name, __ENV);
  switch (name) {
    case 'smoke':
      return {
        ...common,
        scenarios: {
          smoke: {
            executor: 'shared-iterations',
            vus: 1,
            iterations: numEnv('ITERATIONS', 3),
            maxDuration: '60s',
          },
        },
        thresholds: baseThresholds(slo),
      };
    case 'autoscale': {
      const p = autoscaleProfile(env.spec, {
        timeScale: env.timeScale,
        instanceWarmupSeconds: numEnv(
          'WARMUP_S',
          env.mode === 'aws' ? env.spec.ci.loadTest.instanceWarmupSeconds : 8,
        ),
        overdrive: numEnv('OVERDRIVE', 1.25),
        expectedLatencyMs: numEnv('EXPECTED_LATENCY_MS', 200),
      });
      const expected = Math.ceil(
        p.peakRps * (p.rampSeconds / 2 + p.holdSeconds) + p.trickleRps * p.dropSeconds,
      );
      return {
        ...common,
        scenarios: {
          autoscale: {
            executor: 'ramping-arrival-rate',
            startRate: p.startRate,
            timeUnit: p.timeUnit,
            stages: p.stages,
            preAllocatedVUs: p.preAllocatedVUs,
            maxVUs: p.maxVUs,
          },
        },
        thresholds: arrivalRateThresholds(slo, expected),
      };
    }
    case 'concurrency': {
      const p = concurrencyProfile(env.spec, numEnv('DURATION_S', 10), numEnv('CONCURRENCY_FACTOR', 2));
      return {
        ...common,
        scenarios: {
          concurrency: { executor: 'constant-vus', vus: p.vus, duration: p.duration, gracefulStop: '30s' },
        },
        thresholds: concurrencyThresholds(slo),
      };
    }
    case 'soak': {
      const durationS = numEnv('DURATION_S', 60);
      // Half the target per instance at minInstances: steady, no scaling expected.
      const a = env.spec.autoscaling;
      const rps = numEnv('RATE', (0.5 * a.minInstances * a.targetValue * env.timeScale) / 60);
      return {
        ...common,
        scenarios: { soak: constantArrival(rps, durationS, numEnv('EXPECTED_LATENCY_MS', 200)) },
        thresholds: {
          ...arrivalRateThresholds(slo, Math.ceil(rps * durationS)),
          'http_req_duration{phase:early}': [`p(95)<${slo.p95Ms}`],
          'http_req_duration{phase:late}': [`p(95)<${slo.p95Ms}`],
        },
      };
    }
    case 'rollout': {
      // A bounded constant arrival rate through InvokeEndpoint while the endpoint is updated under it. The default
      // latency sizes the VU pool for a slow candidate, so a slow green fleet cannot starve the generator.
      const rps = numEnv('RATE', 4);
      const durationS = numEnv('DURATION_S', 30);
      return {
        ...common,
        scenarios: {
          rollout: {
            ...constantArrival(rps, durationS, numEnv('EXPECTED_LATENCY_MS', 500)),
            gracefulStop: '60s',
          },
        },
        thresholds: rolloutThresholds(),
      };
    }
    case 'probe': {
      const rps = numEnv('RATE', 1);
      const durationS = numEnv('DURATION_S', 10);
      return {
        ...common,
        scenarios: { probe: constantArrival(rps, durationS, numEnv('EXPECTED_LATENCY_MS', 100)) },
        thresholds: arrivalRateThresholds(slo, Math.ceil(rps * durationS)),
      };
    }
  }
}
