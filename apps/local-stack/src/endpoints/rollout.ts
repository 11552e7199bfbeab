/**
 * SageMaker's blue/green endpoint update as a pure state machine: the traffic steps of a mode (all-at-once, canary,
 * linear), the bakes between them, the rollback alarms evaluated on closed metric samples, and the decision (promote
 * or roll back). No clock, no processes: `advance` is fed events (the green fleet is ready or failed, a tick with
 * the sample that just closed) and returns the next state; `managed-endpoint.ts` does the I/O.
 */
import {
  ERROR_CODES,
  PredictionResponseSchema,
  ROLLBACK_ALARM_KINDS,
  rolloutSteps,
  type DeploymentSpec,
  type RollbackAlarmKind,
  type RolloutMode,
} from '@dogbreed/platform-spec';
import { percentile } from '../metrics-recorder.js';

/** One rollback alarm, its period already divided by the time scale. */
export interface RolloutAlarm {
  /** The AlarmName the update named (the spec name when the spec's deployment applies). */
  readonly name: string;
  readonly metric: RollbackAlarmKind;
  readonly threshold: number;
  /** Real length of one alarm period (spec periodSeconds / time scale). */
  readonly periodMs: number;
  readonly evaluationPeriods: number;
  /** The quality alarm's cut: an answer whose top-1 probability is at or below it is low quality. */
  readonly minConfidence?: number;
}

/** Everything a rollout needs to know, in real milliseconds. */
export interface RolloutPlan {
  readonly mode: RolloutMode;
  /** The green fleet's share of requests after each traffic shift, in %; the last is 100. */
  readonly steps: readonly number[];
  readonly bakeMs: number;
  readonly terminationWaitMs: number;
  readonly maxExecutionMs: number;
  readonly alarms: readonly RolloutAlarm[];
  /** Real length of one metric sample: the greatest common divisor of the alarm periods. */
  readonly sampleMs: number;
}

/** What the stack measured in one sample (`plan.sampleMs`) of the rollout. */
export interface AlarmSample {
  /** End of the sample, epoch ms. */
  readonly t: number;
  /** Invocation5XXErrors of the endpoint's variant (both fleets: they share the variant, as on SageMaker). */
  readonly errors5xx: number;
  /** ModelLatency of every request the variant answered. */
  readonly latenciesMs: readonly number[];
  /** The invoker's requests and those it answered with a 5xx or an unhandled error. */
  readonly invokerInvocations: number;
  readonly invokerFailed: number;
  /**
   * The variant's answers (200, or the 422 NOT_A_DOG refusal) and the low-quality ones among them: top-1 at or below
   * the quality alarm's `minConfidence`, or not a dog. Absent: not measured (no quality alarm armed).
   */
  readonly answers?: number;
  readonly lowQuality?: number;
}

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmStatus {
  readonly name: string;
  readonly metric: RollbackAlarmKind;
  readonly threshold: number;
  readonly state: AlarmState;
  /** The metric in the last complete alarm period; null when that period had no data. */
  readonly value: number | null;
}

/**
 * Provisioning: the green fleet is starting, all traffic on blue. Baking: green takes `greenPercent` % while the
 * alarms are watched. TerminationWait: green takes everything, blue still up. Promoted / RolledBack: decided.
 */
export type RolloutPhase = 'Provisioning' | 'Baking' | 'TerminationWait' | 'Promoted' | 'RolledBack';

export interface RolloutDecision {
  readonly outcome: 'promoted' | 'rolled-back';
  readonly reason: string;
  readonly at: number;
}

export interface RolloutState {
  readonly phase: RolloutPhase;
  readonly startedAt: number;
  readonly phaseStartedAt: number;
  /** Index into `plan.steps`; -1 before the first shift. */
  readonly step: number;
  readonly greenPercent: number;
  /** Samples since the first traffic shift (trimmed to what the alarms can still look at). */
  readonly samples: readonly AlarmSample[];
  readonly alarms: readonly AlarmStatus[];
  readonly decision: RolloutDecision | null;
}

export type RolloutEvent =
  | { readonly type: 'green-ready'; readonly now: number }
  | { readonly type: 'green-failed'; readonly now: number; readonly reason: string }
  | { readonly type: 'tick'; readonly now: number; readonly sample?: AlarmSample };

/** The green share after each shift: all-at-once [100]; canary [c, 100]; linear [s, 2s, …, 100]. */
export function trafficSteps(mode: RolloutMode, canaryPercent: number, linearStepPercent: number): number[] {
  if (mode === 'all-at-once') return [100];
  if (mode === 'canary') return [canaryPercent, 100];
  const n = rolloutSteps({ mode, linearStepPercent });
  return Array.from({ length: n }, (_, k) => Math.min(100, (k + 1) * linearStepPercent));
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The shape of a plan, in the spec's (simulated) seconds; `planFromSeconds` scales it. */
export interface PlanInput {
  readonly mode: RolloutMode;
  readonly canaryPercent: number;
  readonly linearStepPercent: number;
  readonly bakeSeconds: number;
  readonly terminationWaitSeconds: number;
  readonly maxExecutionSeconds: number;
  readonly alarms: readonly {
    readonly name: string;
    readonly metric: RollbackAlarmKind;
    readonly threshold: number;
    readonly periodSeconds: number;
    readonly evaluationPeriods: number;
    readonly minConfidence?: number;
  }[];
  /** Sample length when no alarm is armed (the stack's metric period), simulated seconds. */
  readonly defaultPeriodSeconds: number;
}

/** A plan in real milliseconds: every spec duration divided by `timeScale`. */
export function planFromSeconds(input: PlanInput, timeScale: number): RolloutPlan {
  const ms = (s: number) => (s * 1000) / timeScale;
  const periods = input.alarms.map((a) => a.periodSeconds);
  const sampleSeconds = periods.length > 0 ? periods.reduce(gcd) : input.defaultPeriodSeconds;
  return {
    mode: input.mode,
    steps: trafficSteps(input.mode, input.canaryPercent, input.linearStepPercent),
    bakeMs: ms(input.bakeSeconds),
    terminationWaitMs: ms(input.terminationWaitSeconds),
    maxExecutionMs: ms(input.maxExecutionSeconds),
    alarms: input.alarms.map((a) => ({
      name: a.name,
      metric: a.metric,
      threshold: a.threshold,
      periodMs: ms(a.periodSeconds),
      evaluationPeriods: a.evaluationPeriods,
      ...(a.minConfidence !== undefined ? { minConfidence: a.minConfidence } : {}),
    })),
    sampleMs: ms(sampleSeconds),
  };
}

/** The spec's deployment as a plan input: every rollback alarm under its spec name. */
export function specPlanInput(d: DeploymentSpec, defaultPeriodSeconds: number): PlanInput {
  return {
    mode: d.mode,
    canaryPercent: d.canaryPercent,
    linearStepPercent: d.linearStepPercent,
    bakeSeconds: d.bakeSeconds,
    terminationWaitSeconds: d.terminationWaitSeconds,
    maxExecutionSeconds: d.maxExecutionSeconds,
    alarms: ROLLBACK_ALARM_KINDS.map((metric) => ({ name: metric, metric, ...d.rollbackAlarms[metric] })),
    defaultPeriodSeconds,
  };
}

/** Samples per alarm period. */
function samplesPerPeriod(alarm: RolloutAlarm, sampleMs: number): number {
  return Math.max(1, Math.round(alarm.periodMs / sampleMs));
}

/** The alarm's metric over one alarm period's samples; null = no data (missing data does not breach). */
export function alarmValue(metric: RollbackAlarmKind, samples: readonly AlarmSample[]): number | null {
  if (metric === 'errors5xx') return samples.reduce((n, s) => n + s.errors5xx, 0);
  if (metric === 'modelLatencyP90Ms') {
    const all = samples.flatMap((s) => s.latenciesMs);
    return all.length === 0 ? null : percentile(all, 90);
  }
  if (metric === 'lowQualityPercent') {
    const answers = samples.reduce((n, s) => n + (s.answers ?? 0), 0);
    const low = samples.reduce((n, s) => n + (s.lowQuality ?? 0), 0);
    return answers === 0 ? null : (low * 100) / answers;
  }
  const invocations = samples.reduce((n, s) => n + s.invokerInvocations, 0);
  const failed = samples.reduce((n, s) => n + s.invokerFailed, 0);
  return invocations === 0 ? null : (failed * 100) / invocations;
}

/**
 * Whether one answer of the variant is low quality for the quality rollback alarm: a 200 whose top-1 is at or below
 * `minConfidence` or that says it is not a dog, or the 422 NOT_A_DOG refusal. Undefined: not an answer (an error,
 * which the other alarms count).
 */
export function lowQualityAnswer(status: number, body: Buffer, minConfidence: number): boolean | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (status === ERROR_CODES.NOT_A_DOG.status)
    return (json as { error?: { code?: unknown } } | null)?.error?.code === 'NOT_A_DOG' ? true : undefined;
  if (status !== 200) return undefined;
  const parsed = PredictionResponseSchema.safeParse(json);
  const top1 = parsed.success ? parsed.data.predictions[0] : undefined;
  if (!parsed.success || !top1) return undefined;
  return top1.probability <= minConfidence || parsed.data.dog?.isDog === false;
}

/** Invocation5XXErrors alarms at ≥ threshold (GreaterThanOrEqualToThreshold); the others above it. */
export function breaches(alarm: Pick<RolloutAlarm, 'metric' | 'threshold'>, value: number | null): boolean {
  if (value === null) return false;
  return alarm.metric === 'errors5xx' ? value >= alarm.threshold : value > alarm.threshold;
}

/**
 * CloudWatch's evaluation, simplified: the samples are grouped into alarm periods from the first shift on; the
 * alarm is in ALARM when each of its last `evaluationPeriods` complete periods breaches, INSUFFICIENT_DATA before
 * it has that many periods, OK otherwise.
 */
export function evaluateAlarm(
  alarm: RolloutAlarm,
  samples: readonly AlarmSample[],
  sampleMs: number,
): AlarmStatus {
  const k = samplesPerPeriod(alarm, sampleMs);
  const complete = Math.floor(samples.length / k);
  const values: (number | null)[] = [];
  for (let p = Math.max(0, complete - alarm.evaluationPeriods); p < complete; p++) {
    values.push(alarmValue(alarm.metric, samples.slice(p * k, (p + 1) * k)));
  }
  const base = { name: alarm.name, metric: alarm.metric, threshold: alarm.threshold };
  const value = values.length > 0 ? (values[values.length - 1] as number | null) : null;
  if (values.length < alarm.evaluationPeriods) {
    // A window that already breaches in every period it has still cannot fire early: CloudWatch needs them all.
    return { ...base, state: 'INSUFFICIENT_DATA', value };
  }
  return { ...base, state: values.every((v) => breaches(alarm, v)) ? 'ALARM' : 'OK', value };
}

/** Drops the oldest samples no alarm can look at again, whole alarm periods at a time so periods stay aligned. */
export function trimSamples(plan: RolloutPlan, samples: readonly AlarmSample[]): readonly AlarmSample[] {
  if (plan.alarms.length === 0) return [];
  const ks = plan.alarms.map((a) => samplesPerPeriod(a, plan.sampleMs));
  const keep = Math.max(...plan.alarms.map((a, i) => (ks[i] as number) * a.evaluationPeriods));
  const lcm = ks.reduce((a, b) => (a * b) / gcd(a, b));
  const drop = Math.floor(Math.max(0, samples.length - keep) / lcm) * lcm;
  return drop > 0 ? samples.slice(drop) : samples;
}

/** A rollout that has just been asked for: green provisioning, no traffic on it yet. */
export function startRollout(plan: RolloutPlan, now: number): RolloutState {
  return {
    phase: 'Provisioning',
    startedAt: now,
    phaseStartedAt: now,
    step: -1,
    greenPercent: 0,
    samples: [],
    alarms: plan.alarms.map((a) => ({
      name: a.name,
      metric: a.metric,
      threshold: a.threshold,
      state: 'INSUFFICIENT_DATA' as const,
      value: null,
    })),
    decision: null,
  };
}

export function isDecided(state: RolloutState): boolean {
  return state.phase === 'Promoted' || state.phase === 'RolledBack';
}

function rollBack(state: RolloutState, now: number, reason: string): RolloutState {
  return {
    ...state,
    phase: 'RolledBack',
    phaseStartedAt: now,
    greenPercent: 0,
    decision: { outcome: 'rolled-back', reason, at: now },
  };
}

function promote(state: RolloutState, now: number, reason: string): RolloutState {
  return {
    ...state,
    phase: 'Promoted',
    phaseStartedAt: now,
    greenPercent: 100,
    decision: { outcome: 'promoted', reason, at: now },
  };
}

function alarmMessage(a: AlarmStatus, alarm: RolloutAlarm): string {
  const unit =
    a.metric === 'modelLatencyP90Ms'
      ? ' ms'
      : a.metric === 'invokerErrorRatePercent' || a.metric === 'lowQualityPercent'
        ? ' %'
        : ' errors';
  const op = a.metric === 'errors5xx' ? '>=' : '>';
  const value = a.value === null ? 'no data' : `${Math.round(a.value * 100) / 100}${unit}`;
  return (
    `Alarm ${a.name} (${a.metric} ${op} ${a.threshold}${unit} for ${alarm.evaluationPeriods} period(s)) ` +
    `went into ALARM (last period ${value})`
  );
}

/** The next state. Decided rollouts ignore every event. */
export function advance(plan: RolloutPlan, state: RolloutState, event: RolloutEvent): RolloutState {
  if (isDecided(state)) return state;
  const now = event.now;
  if (event.type === 'green-failed') {
    return rollBack(state, now, `The new fleet could not be provisioned: ${event.reason}`);
  }
  if (event.type === 'green-ready') {
    if (state.phase !== 'Provisioning') return state;
    return {
      ...state,
      phase: 'Baking',
      phaseStartedAt: now,
      step: 0,
      greenPercent: plan.steps[0] as number,
    };
  }
  // A tick.
  let next = state;
  if (state.phase !== 'Provisioning' && event.sample) {
    const samples = trimSamples(plan, [...state.samples, event.sample]);
    const alarms = plan.alarms.map((a) => evaluateAlarm(a, samples, plan.sampleMs));
    next = { ...state, samples, alarms };
    const firing = alarms.findIndex((a) => a.state === 'ALARM');
    if (firing >= 0) {
      return rollBack(
        next,
        now,
        alarmMessage(alarms[firing] as AlarmStatus, plan.alarms[firing] as RolloutAlarm),
      );
    }
  }
  if (now - state.startedAt >= plan.maxExecutionMs) {
    return rollBack(next, now, `The update did not complete within MaximumExecutionTimeoutInSeconds`);
  }
  const elapsed = now - next.phaseStartedAt;
  if (next.phase === 'Baking' && elapsed >= plan.bakeMs) {
    if (next.step < plan.steps.length - 1) {
      const step = next.step + 1;
      return { ...next, step, greenPercent: plan.steps[step] as number, phaseStartedAt: now };
    }
    if (plan.terminationWaitMs > 0) return { ...next, phase: 'TerminationWait', phaseStartedAt: now };
    return promote(next, now, 'every bake passed with no rollback alarm');
  }
  if (next.phase === 'TerminationWait' && elapsed >= plan.terminationWaitMs) {
    return promote(next, now, 'every bake and the termination wait passed with no rollback alarm');
  }
  return next;
}

/**
 * Deterministic weighted round robin: request `n` (0, 1, 2, …) goes to green when the running count of green
 * requests, ⌊(n+1)·p/100⌋, steps up. Any 100 consecutive requests hold exactly p green ones.
 */
export function routeToGreen(n: number, greenPercent: number): boolean {
  if (greenPercent <= 0) return false;
  if (greenPercent >= 100) return true;
  return Math.floor(((n + 1) * greenPercent) / 100) > Math.floor((n * greenPercent) / 100);
}

/** SageMaker's EndpointStatus for a rollout's phase; `retiring` = the fleet being stopped still has processes. */
export function endpointStatus(
  state: RolloutState | undefined,
  retiring: boolean,
): 'InService' | 'Updating' | 'RollingBack' {
  if (!state) return 'InService';
  if (!isDecided(state)) return 'Updating';
  if (!retiring) return 'InService';
  return state.phase === 'RolledBack' ? 'RollingBack' : 'Updating';
}

/** One log line per phase change. */
export function describeTransition(
  plan: RolloutPlan,
  before: RolloutState,
  after: RolloutState,
): string | undefined {
  if (before.phase === after.phase && before.step === after.step) return undefined;
  switch (after.phase) {
    case 'Baking':
      return `traffic shift ${after.step + 1}/${plan.steps.length} (${plan.mode}): ${after.greenPercent} % of requests to the new fleet, baking ${plan.bakeMs / 1000} s`;
    case 'TerminationWait':
      return `every bake passed; the old fleet stays up for the termination wait (${plan.terminationWaitMs / 1000} s)`;
    case 'Promoted':
      return `promoted: ${after.decision?.reason ?? ''}; stopping the old fleet`;
    case 'RolledBack':
      return `rolling back: ${after.decision?.reason ?? ''}; all traffic back on the old fleet, stopping the new one`;
    default:
      return undefined;
  }
}
