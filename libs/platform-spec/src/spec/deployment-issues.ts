/**
 * An endpoint rollout checked against SageMaker's deployment guardrails (`SAGEMAKER_GUARDRAILS`) and the project's
 * own stricter rules, once: the spec's schema, the CDK construct and the local stack's UpdateEndpoint each turn these
 * issues into their own errors (a zod issue, an `InfraPropsError`, a SageMaker-worded `ValidationException`).
 */
import { SAGEMAKER_GUARDRAILS } from './guardrails.js';
import type { DeploymentSpec, RollbackAlarm } from './index.js';

/** What a deployment is checked as: the spec's fields, and how many alarms the DeploymentConfig will list. */
export interface DeploymentInput extends DeploymentSpec {
  /**
   * The alarms AutoRollbackConfiguration will name (the spec's three plus any others).
   * @default - the spec's rollback alarms
   */
  readonly rollbackAlarmCount?: number;
}

/**
 * The fleet an update shifts traffic on. `smallest`: the fewest instances it can have when an update runs (the spec
 * and CDK: initialInstanceCount, autoscaling.minInstances and its scheduled windows); a step must be possible on it.
 * `live`: the instances serving now (the local stack's UpdateEndpoint); a step must be a whole instance of them, and
 * a step SageMaker was given as an instance count is a share of them, so it need not be a whole percentage.
 */
export type DeploymentFleet = { readonly smallest: number } | { readonly live: number };

/** Which rule an issue breaks, for callers that word it their own way. */
export type DeploymentRule =
  | 'range'
  | 'fleet'
  | 'bake-needed'
  | 'time-limit'
  | 'alarm-count'
  | 'alarm-threshold'
  | 'alarm-period'
  | 'alarm-evaluation-periods'
  | 'alarm-window'
  | 'error-rate-percent';

export interface DeploymentIssue {
  readonly rule: DeploymentRule;
  /**
   * `sagemaker`: SageMaker refuses it too (the local stack, which answers as SageMaker does, refuses only these);
   * `project`: the project's stricter choice, which SageMaker would accept.
   */
  readonly origin: 'sagemaker' | 'project';
  /** The field, relative to the deployment, e.g. `['rollbackAlarms', 'errors5xx', 'periodSeconds']`. */
  readonly path: readonly (string | number)[];
  /** What the field holds (for `alarm-window`, periodSeconds × evaluationPeriods; for `fleet`, the percentage). */
  readonly value: number;
  /** The bound it breaks. */
  readonly bound: { readonly min?: number; readonly max?: number };
  /** The fleet's instance count, on the issues that depend on it. */
  readonly fleet?: number;
  /** Plain words, without the field: callers put the field in front. */
  readonly message: string;
}

/** The bounded fields, each with its guardrail and the SageMaker name the message gives. */
const RANGES = [
  ['bakeSeconds', SAGEMAKER_GUARDRAILS.waitIntervalSeconds, 'SageMaker WaitIntervalInSeconds'],
  [
    'terminationWaitSeconds',
    SAGEMAKER_GUARDRAILS.terminationWaitSeconds,
    'SageMaker TerminationWaitInSeconds',
  ],
  [
    'maxExecutionSeconds',
    SAGEMAKER_GUARDRAILS.maxExecutionSeconds,
    'SageMaker MaximumExecutionTimeoutInSeconds',
  ],
  ['canaryPercent', SAGEMAKER_GUARDRAILS.canaryPercent, 'SageMaker: at most half the fleet'],
  ['linearStepPercent', SAGEMAKER_GUARDRAILS.linearStepPercent, 'SageMaker: 10-50 % of the fleet per step'],
] as const;

/** Traffic shifts of a rollout, each followed by a bake: 1 (all-at-once), 2 (canary), ⌈100 / step⌉ (linear). */
export function rolloutSteps(d: Pick<DeploymentSpec, 'mode' | 'linearStepPercent'>): number {
  if (d.mode === 'all-at-once') return 1;
  if (d.mode === 'canary') return 2;
  return Math.ceil(100 / d.linearStepPercent);
}

/** Every rule the deployment breaks on `fleet`, in the order SageMaker checks them; empty when it is valid. */
export function deploymentIssues(d: DeploymentInput, fleet: DeploymentFleet): DeploymentIssue[] {
  const issues: DeploymentIssue[] = [];
  const live = 'live' in fleet;
  const stepwise = d.mode !== 'all-at-once';
  for (const [field, { min, max }, why] of RANGES) {
    const value = d[field];
    // A percentage of a live fleet may come from an instance count; the spec's percentages are whole.
    const whole = Number.isInteger(value) || (live && field.endsWith('Percent'));
    if (!whole || value < min || value > max)
      issues.push({
        rule: 'range',
        origin: 'sagemaker',
        path: [field],
        value,
        bound: { min, max },
        message: `must be an integer ${min}-${max} (${why}; got ${value})`,
      });
  }
  if ('live' in fleet) {
    // SageMaker sizes a step in whole instances of the serving fleet: a share of under one is no step.
    const field = d.mode === 'canary' ? 'canaryPercent' : 'linearStepPercent';
    const percent = d[field];
    if (stepwise && Math.floor((fleet.live * percent) / 100) < 1)
      issues.push({
        rule: 'fleet',
        origin: 'sagemaker',
        path: [field],
        value: percent,
        bound: { min: Math.ceil(100 / percent) },
        fleet: fleet.live,
        message: `${percent} % of ${fleet.live} instance(s) is less than one instance`,
      });
  } else if (stepwise && fleet.smallest < 2) {
    // A step is at most half the fleet, so a fleet that can be one instance has no valid step.
    issues.push({
      rule: 'fleet',
      origin: 'sagemaker',
      path: ['mode'],
      value: fleet.smallest,
      bound: { min: 2 },
      fleet: fleet.smallest,
      message: `${d.mode} needs a fleet of at least 2 instances (a step is at most half of it), but initialInstanceCount, autoscaling.minInstances and the scheduled windows allow ${fleet.smallest}`,
    });
  }
  if (stepwise && d.bakeSeconds === 0)
    issues.push({
      rule: 'bake-needed',
      origin: 'sagemaker',
      path: ['bakeSeconds'],
      value: 0,
      bound: { min: 1 },
      message: `a ${d.mode} rollout needs a baking period > 0`,
    });
  const count = d.rollbackAlarmCount ?? Object.keys(d.rollbackAlarms).length;
  if (count < SAGEMAKER_GUARDRAILS.rollbackAlarms.min || count > SAGEMAKER_GUARDRAILS.rollbackAlarms.max)
    issues.push({
      rule: 'alarm-count',
      origin: 'sagemaker',
      path: ['rollbackAlarms'],
      value: count,
      bound: SAGEMAKER_GUARDRAILS.rollbackAlarms,
      message: `${count} alarms in all; SageMaker AutoRollbackConfiguration takes ${SAGEMAKER_GUARDRAILS.rollbackAlarms.min}-${SAGEMAKER_GUARDRAILS.rollbackAlarms.max}`,
    });
  for (const [kind, a] of Object.entries(d.rollbackAlarms)) {
    const at = (field: keyof RollbackAlarm) => ['rollbackAlarms', kind, field];
    const alarmIssue = (
      rule: DeploymentRule,
      field: keyof RollbackAlarm,
      value: number,
      min: number,
      message: string,
    ) => issues.push({ rule, origin: 'project', path: at(field), value, bound: { min }, message });
    if (!(a.threshold > 0))
      alarmIssue('alarm-threshold', 'threshold', a.threshold, 0, `must be positive (got ${a.threshold})`);
    const multiple = SAGEMAKER_GUARDRAILS.alarmPeriodMultipleSeconds;
    // SageMaker's invocation metrics and the invoker's are 1-minute data: a shorter period mostly sees none.
    if (!Number.isInteger(a.periodSeconds) || a.periodSeconds <= 0 || a.periodSeconds % multiple !== 0)
      alarmIssue(
        'alarm-period',
        'periodSeconds',
        a.periodSeconds,
        multiple,
        `must be a multiple of ${multiple} (the metric is 1-minute data; got ${a.periodSeconds})`,
      );
    if (!Number.isInteger(a.evaluationPeriods) || a.evaluationPeriods < 1)
      alarmIssue(
        'alarm-evaluation-periods',
        'evaluationPeriods',
        a.evaluationPeriods,
        1,
        `must be a positive integer (got ${a.evaluationPeriods})`,
      );
    // An alarm can only stop a rollout if it can fire within the bake it guards.
    const window = a.periodSeconds * a.evaluationPeriods;
    if ((stepwise || d.bakeSeconds > 0) && window > d.bakeSeconds)
      issues.push({
        rule: 'alarm-window',
        origin: 'project',
        path: at('evaluationPeriods'),
        value: window,
        bound: { max: d.bakeSeconds },
        message: `periodSeconds × evaluationPeriods (${window} s) must fit in bakeSeconds (${d.bakeSeconds} s), or the alarm cannot fire before the shift`,
      });
  }
  for (const kind of ['invokerErrorRatePercent', 'lowQualityPercent'] as const) {
    const rate = d.rollbackAlarms[kind].threshold;
    if (rate > 100)
      issues.push({
        rule: 'error-rate-percent',
        origin: 'project',
        path: ['rollbackAlarms', kind, 'threshold'],
        value: rate,
        bound: { max: 100 },
        message: `is a percentage: at most 100 (got ${rate})`,
      });
  }
  // SageMaker wants the limit above one bake and the termination wait; the project's holds every bake.
  const waits = rolloutSteps(d) * d.bakeSeconds + d.terminationWaitSeconds;
  if (d.maxExecutionSeconds <= waits)
    issues.push({
      rule: 'time-limit',
      origin: 'project',
      path: ['maxExecutionSeconds'],
      value: d.maxExecutionSeconds,
      bound: { min: waits + 1 },
      message: `${d.maxExecutionSeconds} must exceed the rollout's bakes and termination wait (${waits} s) plus the time to start the new fleet`,
    });
  return issues;
}
