/**
 * Service-level objectives per scenario, as k6 `thresholds` (quickpizza's lib/load-options style). The latency
 * SLOs are not part of the platform spec; each can be overridden from env (`P95_MS`, `ERROR_RATE`).
 * 429s from the function URL are expected under the concurrency scenario: they are marked expected responses
 * (see `http.expectedStatuses`) and counted in `throttled_responses`, never in `http_req_failed`.
 */

export type ScenarioName = 'smoke' | 'autoscale' | 'concurrency' | 'soak' | 'probe' | 'rollout';

export interface Slo {
  /** p95 of successful request durations, ms. */
  p95Ms: number;
  /** Largest acceptable share of failed requests (not counting expected 429s). */
  errorRate: number;
}

export const DEFAULT_SLOS: Record<ScenarioName, Slo> = {
  smoke: { p95Ms: 3000, errorRate: 0 },
  autoscale: { p95Ms: 5000, errorRate: 0.01 },
  // Includes cold starts of up to reservedConcurrency execution environments.
  concurrency: { p95Ms: 8000, errorRate: 0 },
  soak: { p95Ms: 3000, errorRate: 0.01 },
  probe: { p95Ms: 1000, errorRate: 0.001 },
  // A rollout's failures and latency are judged by the rollout verifier (src/verify/rollout.ts): a candidate that
  // fails is the case under test, not a broken run.
  rollout: { p95Ms: 60_000, errorRate: 1 },
};

export function sloFor(name: ScenarioName, env: Record<string, string | undefined>): Slo {
  const base = DEFAULT_SLOS[name];
  const p95 = env['P95_MS'] ? Number(env['P95_MS']) : base.p95Ms;
  const err = env['ERROR_RATE'] ? Number(env['ERROR_RATE']) : base.errorRate;
  if (!(p95 > 0)) throw new Error(`P95_MS must be a positive number, got ${env['P95_MS']}`);
  if (!(err >= 0 && err <= 1)) throw new Error(`ERROR_RATE must be within [0, 1], got ${env['ERROR_RATE']}`);
  return { p95Ms: p95, errorRate: err };
}

export type Thresholds = Record<string, string[]>;

/** The thresholds every scenario shares: latency of expected responses, failure rate, every check passing. */
export function baseThresholds(slo: Slo): Thresholds {
  return {
    'http_req_duration{expected_response:true}': [`p(95)<${slo.p95Ms}`],
    http_req_failed: [`rate<=${slo.errorRate}`],
    checks: [slo.errorRate === 0 ? 'rate==1' : `rate>=${1 - slo.errorRate}`],
  };
}

/** Concurrency: nothing but 200 or 429 may come back, and some 429s must (more was offered than reserved). */
export function concurrencyThresholds(slo: Slo): Thresholds {
  return {
    ...baseThresholds(slo),
    unexpected_responses: ['count==0'],
    throttled_responses: ['count>0'],
    ok_responses: ['count>0'],
  };
}

/** Open-model scenarios must not silently drop iterations (undersized VU pools hide overload). */
export function arrivalRateThresholds(slo: Slo, expectedIterations: number, droppedShare = 0.01): Thresholds {
  return {
    ...baseThresholds(slo),
    dropped_iterations: [`count<=${Math.max(1, Math.floor(expectedIterations * droppedShare))}`],
  };
}

/**
 * Rollout: every scheduled request must be sent (a dropped iteration is a request the verifier cannot account for);
 * statuses and models are judged per request by the rollout verifier, so no latency or error threshold here.
 */
export function rolloutThresholds(): Thresholds {
  return { dropped_iterations: ['count==0'] };
}
