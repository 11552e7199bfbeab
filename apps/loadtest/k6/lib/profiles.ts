/**
 * Load profiles derived from the platform spec. Pure functions with no imports, so the same file runs inside k6
 * (which computes its scenarios from the `SPEC` env blob) and under vitest (which checks the arithmetic).
 */

/** The part of the platform spec the k6 scripts need (the runner passes the whole spec as `-e SPEC=<json>`). */
export interface LoadSpec {
  project: { region: string };
  endpoints: { single: { name: string }; multi: { name: string } };
  autoscaling: {
    minInstances: number;
    maxInstances: number;
    metric: string;
    targetValue: number;
    scaleOutCooldownSeconds: number;
    scaleInCooldownSeconds: number;
    metricPeriodSeconds: number;
    scaleOutEvaluationPeriods: number;
    scaleInEvaluationPeriods: number;
  };
  invoker: { functionName: string; reservedConcurrency: number; maxImageBytes: number };
  localStack: { host: string; port: number; timeScale: number };
  /** The AWS load test: the warm-up the autoscale profile allows a new instance on AWS. */
  ci: { loadTest: { instanceWarmupSeconds: number } };
}

function num(obj: Record<string, unknown>, key: string, where: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new Error(`SPEC.${where}.${key} must be a number, got ${String(v)}`);
  return v;
}
function str(obj: Record<string, unknown>, key: string, where: string): string {
  const v = obj[key];
  if (typeof v !== 'string' || v.length === 0)
    throw new Error(`SPEC.${where}.${key} must be a non-empty string`);
  return v;
}
function obj(parent: Record<string, unknown>, key: string, where: string): Record<string, unknown> {
  const v = parent[key];
  if (typeof v !== 'object' || v === null)
    throw new Error(`SPEC${where ? '.' + where : ''}.${key} is missing`);
  return v as Record<string, unknown>;
}

/** Parses and checks the `SPEC` blob (k6 has no zod; the runner already validated it with the real schema). */
export function parseLoadSpec(json: string | undefined): LoadSpec {
  if (!json)
    throw new Error('SPEC is not set: pass the platform spec as -e SPEC=<json> (the runner does this)');
  const root = JSON.parse(json) as Record<string, unknown>;
  const a = obj(root, 'autoscaling', '');
  const i = obj(root, 'invoker', '');
  const e = obj(root, 'endpoints', '');
  const l = obj(root, 'localStack', '');
  const p = obj(root, 'project', '');
  const lt = obj(obj(root, 'ci', ''), 'loadTest', 'ci');
  return {
    project: { region: str(p, 'region', 'project') },
    endpoints: {
      single: { name: str(obj(e, 'single', 'endpoints'), 'name', 'endpoints.single') },
      multi: { name: str(obj(e, 'multi', 'endpoints'), 'name', 'endpoints.multi') },
    },
    autoscaling: {
      minInstances: num(a, 'minInstances', 'autoscaling'),
      maxInstances: num(a, 'maxInstances', 'autoscaling'),
      metric: str(a, 'metric', 'autoscaling'),
      targetValue: num(a, 'targetValue', 'autoscaling'),
      scaleOutCooldownSeconds: num(a, 'scaleOutCooldownSeconds', 'autoscaling'),
      scaleInCooldownSeconds: num(a, 'scaleInCooldownSeconds', 'autoscaling'),
      metricPeriodSeconds: num(a, 'metricPeriodSeconds', 'autoscaling'),
      scaleOutEvaluationPeriods: num(a, 'scaleOutEvaluationPeriods', 'autoscaling'),
      scaleInEvaluationPeriods: num(a, 'scaleInEvaluationPeriods', 'autoscaling'),
    },
    invoker: {
      functionName: str(i, 'functionName', 'invoker'),
      reservedConcurrency: num(i, 'reservedConcurrency', 'invoker'),
      maxImageBytes: num(i, 'maxImageBytes', 'invoker'),
    },
    localStack: {
      host: str(l, 'host', 'localStack'),
      port: num(l, 'port', 'localStack'),
      timeScale: num(l, 'timeScale', 'localStack'),
    },
    ci: { loadTest: { instanceWarmupSeconds: num(lt, 'instanceWarmupSeconds', 'ci.loadTest') } },
  };
}

export interface Stage {
  /** Arrival rate at the end of the stage, per `timeUnit`. */
  target: number;
  /** k6 duration string, e.g. "12s". */
  duration: string;
}

export interface AutoscaleProfile {
  /** Requests per minute (the scenario's timeUnit is 1m: keeps low rates integral). */
  timeUnit: '1m';
  startRate: number;
  stages: Stage[];
  /** Peak offered rate, requests per real second. */
  peakRps: number;
  /** Rate kept during the drop (keeps the metric defined: CloudWatch has no datapoint without traffic). */
  trickleRps: number;
  /** Real seconds: ramp, hold, drop. */
  rampSeconds: number;
  holdSeconds: number;
  dropSeconds: number;
  totalSeconds: number;
  preAllocatedVUs: number;
  maxVUs: number;
  /** The metric value per instance the peak rate produces with all `maxInstances` in service. */
  peakMetricPerInstanceAtMax: number;
}

export interface AutoscaleOptions {
  /** Real seconds per spec second (1 on AWS; the local stack's --time-scale locally). */
  timeScale: number;
  /** Offered load as a multiple of what maxInstances can absorb at the target (>1 so the cap is tested). */
  overdrive?: number;
  /** Real seconds an instance needs to start and pass its health check (AWS: minutes). */
  instanceWarmupSeconds: number;
  /** Expected request latency, used to size VUs and, for the concurrency metric, to convert concurrency to rate. */
  expectedLatencyMs?: number;
  /** Fraction of the target (per instance, at minInstances) offered during the drop. */
  trickleFraction?: number;
}

const seconds = (s: number) => `${Math.max(1, Math.ceil(s))}s`;

/**
 * The autoscale scenario: ramp to a rate that needs more than `maxInstances` at the target value, hold long
 * enough for stepwise scale-out (evaluation periods + cooldown per step + instance warm-up), then drop to a
 * trickle for the scale-in evaluation periods plus the scale-in cooldown. Durations follow the time scale.
 */
export function autoscaleProfile(spec: LoadSpec, opts: AutoscaleOptions): AutoscaleProfile {
  const a = spec.autoscaling;
  const f = opts.timeScale;
  if (!(f > 0)) throw new Error(`timeScale must be positive, got ${f}`);
  const overdrive = opts.overdrive ?? 1.25;
  const latencyS = (opts.expectedLatencyMs ?? 200) / 1000;
  const periodS = a.metricPeriodSeconds / f;
  const steps = Math.max(1, a.maxInstances - a.minInstances);

  let peakRps: number;
  let trickleRps: number;
  const trickleFraction = opts.trickleFraction ?? 0.25;
  if (a.metric === 'SageMakerVariantInvocationsPerInstance') {
    // The metric counts invocations per instance per (simulated) minute: R real req/s give R × 60 / f of them.
    peakRps = (overdrive * a.maxInstances * a.targetValue * f) / 60;
    trickleRps = (trickleFraction * a.minInstances * a.targetValue * f) / 60;
  } else {
    // Concurrent requests per model: concurrency = rate × latency (Little's law).
    peakRps = (overdrive * a.maxInstances * a.targetValue) / latencyS;
    trickleRps = (trickleFraction * a.minInstances * a.targetValue) / latencyS;
  }
  const perMinute = (rps: number) => Math.max(1, Math.round(rps * 60));

  const rampSeconds = 2 * periodS;
  const holdSeconds =
    steps * ((a.scaleOutEvaluationPeriods + 1) * periodS + a.scaleOutCooldownSeconds / f) +
    opts.instanceWarmupSeconds;
  const dropSeconds = (a.scaleInEvaluationPeriods + 3) * periodS + a.scaleInCooldownSeconds / f;
  const inFlight = peakRps * latencyS;
  return {
    timeUnit: '1m',
    startRate: perMinute(trickleRps),
    stages: [
      { target: perMinute(peakRps), duration: seconds(rampSeconds) },
      { target: perMinute(peakRps), duration: seconds(holdSeconds) },
      { target: perMinute(trickleRps), duration: seconds(periodS) },
      { target: perMinute(trickleRps), duration: seconds(dropSeconds - periodS) },
    ],
    peakRps,
    trickleRps,
    rampSeconds,
    holdSeconds,
    dropSeconds,
    totalSeconds:
      Math.max(1, Math.ceil(rampSeconds)) +
      Math.max(1, Math.ceil(holdSeconds)) +
      Math.max(1, Math.ceil(dropSeconds)),
    ...vuPool(Math.ceil(inFlight * 10) + 20),
    peakMetricPerInstanceAtMax:
      a.metric === 'SageMakerVariantInvocationsPerInstance'
        ? (peakRps * 60) / f / a.maxInstances
        : (peakRps * latencyS) / a.maxInstances,
  };
}

export interface ConcurrencyProfile {
  /** Concurrent virtual users: more than the reserved concurrency, so the excess must be throttled. */
  vus: number;
  duration: string;
}

/** The concurrency scenario: `factor` × reserved concurrency closed-loop users against the function URL. */
export function concurrencyProfile(spec: LoadSpec, durationSeconds: number, factor = 2): ConcurrencyProfile {
  if (!(factor > 1))
    throw new Error('the concurrency scenario must offer more than the reserved concurrency');
  return { vus: Math.ceil(spec.invoker.reservedConcurrency * factor), duration: seconds(durationSeconds) };
}

/** One step of the capacity probe: a constant arrival rate against a single instance. */
export interface ProbeStep {
  rps: number;
  duration: string;
  preAllocatedVUs: number;
  maxVUs: number;
}

export function probeStep(rps: number, durationSeconds: number, expectedLatencyMs = 200): ProbeStep {
  const inFlight = (rps * expectedLatencyMs) / 1000;
  return { rps, duration: seconds(durationSeconds), ...vuPool(Math.ceil(inFlight * 10) + 10) };
}

/**
 * Every VU allocated before the test starts: k6 initialises a missing VU mid-test exactly when the generator is
 * busiest, and an iteration that finds no free VU is dropped, so a CPU-starved load generator failed the
 * dropped-iterations threshold while the stack answered every request.
 */
function vuPool(maxVUs: number): { preAllocatedVUs: number; maxVUs: number } {
  return { preAllocatedVUs: maxVUs, maxVUs };
}
