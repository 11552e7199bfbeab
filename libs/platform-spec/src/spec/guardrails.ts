/**
 * SageMaker's deployment guardrails as facts the spec, the CDK constructs and the local stack's UpdateEndpoint all
 * check against, and the names the rollback alarms and the invoker's metrics go by on both sides. One table, so the
 * spec cannot accept what CDK refuses, and the local stack cannot refuse what AWS accepts.
 *
 * Sources: TrafficRoutingConfig (canary ≤ 50 %, linear step 10-50 %, WaitIntervalInSeconds 0-3600),
 * BlueGreenUpdatePolicy (TerminationWaitInSeconds 0-3600, MaximumExecutionTimeoutInSeconds 600-28800),
 * AutoRollbackConfig (1-10 alarms) in the SageMaker API reference; SageMaker's invocation metrics are 1-minute data.
 */
import type { AutoscalingSpec, DeploymentSpec, EndpointSpec } from './index.js';

export const SAGEMAKER_GUARDRAILS = {
  canaryPercent: { min: 1, max: 50 },
  linearStepPercent: { min: 10, max: 50 },
  waitIntervalSeconds: { min: 0, max: 3600 },
  terminationWaitSeconds: { min: 0, max: 3600 },
  maxExecutionSeconds: { min: 600, max: 28800 },
  rollbackAlarms: { min: 1, max: 10 },
  /** Alarm periods on SageMaker's and the invoker's 1-minute metrics: a multiple of this. */
  alarmPeriodMultipleSeconds: 60,
} as const;

/** The spec's rollout mode as SageMaker's TrafficRoutingConfig `Type`. */
export const TRAFFIC_ROUTING_TYPE = {
  'all-at-once': 'ALL_AT_ONCE',
  canary: 'CANARY',
  linear: 'LINEAR',
} as const satisfies Record<DeploymentSpec['mode'], string>;
export type TrafficRoutingType = (typeof TRAFFIC_ROUTING_TYPE)[keyof typeof TRAFFIC_ROUTING_TYPE];

/** SageMaker's TrafficRoutingConfig `Type` as the spec's rollout mode. */
export const ROLLOUT_MODE_OF: Readonly<Record<TrafficRoutingType, DeploymentSpec['mode']>> = {
  ALL_AT_ONCE: 'all-at-once',
  CANARY: 'canary',
  LINEAR: 'linear',
};

/** The rollback alarms of an endpoint, by spec key. */
export type RollbackAlarmKind = keyof DeploymentSpec['rollbackAlarms'];

/** The last part of each rollback alarm's fixed name. */
export const ROLLBACK_ALARM_SUFFIXES: Readonly<Record<RollbackAlarmKind, string>> = {
  errors5xx: 'rollback-5xx',
  modelLatencyP90Ms: 'rollback-model-latency-p90',
  invokerErrorRatePercent: 'rollback-invoker-error-rate',
  lowQualityPercent: 'rollback-low-quality',
};

/** The rollback alarms, in the spec's order (the suffix table's keys, so none can be missing). */
export const ROLLBACK_ALARM_KINDS = Object.keys(ROLLBACK_ALARM_SUFFIXES) as [
  RollbackAlarmKind,
  ...RollbackAlarmKind[],
];

/** CDK context keys the deploy pipeline sets to the models each endpoint serves (`s3://MODEL_BUCKET/KEY.tar.gz`). */
export const MODEL_DATA_CONTEXT = { single: 'modelDataUrlSingle', multi: 'modelDataUrlMulti' } as const;

/**
 * CDK context keys of the pipeline's shadow phase: the candidate each endpoint runs as its shadow variant beside the
 * model of `MODEL_DATA_CONTEXT`. Absent: no shadow.
 */
export const SHADOW_MODEL_DATA_CONTEXT = {
  single: 'shadowModelDataUrlSingle',
  multi: 'shadowModelDataUrlMulti',
} as const;

/**
 * The candidate's variant name while it runs as the endpoint's shadow (SageMaker ShadowProductionVariants): its
 * captures land in `data-capture/<endpoint>/<this>/`, beside the production variant's `<variantName>/`.
 */
export function shadowVariantName(variantName: string): string {
  return `${variantName}-shadow`;
}

/**
 * The fixed name of one rollback alarm: `<stack name>-<endpoint name>-<suffix>`. It starts with the stack name, as
 * the alarm topic's key policy requires of alarms that publish, and the pipeline can name it without a lookup.
 */
export function rollbackAlarmName(stackName: string, endpointName: string, kind: RollbackAlarmKind): string {
  return `${stackName}-${endpointName}-${ROLLBACK_ALARM_SUFFIXES[kind]}`;
}

/**
 * The invoker's EMF metrics (namespace = `project.name`, dimension `service` = `invoker.functionName`). `Requests`
 * and `FailedRequests` share {service, endpoint}, so `100 × FailedRequests / Requests` is an endpoint's error rate
 * as clients see it: the rollback alarm's metric.
 */
export const INVOKER_METRICS = {
  latency: 'Latency',
  endpointLatency: 'EndpointLatency',
  errors: 'Errors',
  requests: 'Requests',
  /** 1 when the request failed on the service's side (status ≥ 500), else 0: one value per request. */
  failedRequests: 'FailedRequests',
  /**
   * One value per answer from the endpoint: its top-1 probability, or 0 when it is not a dog (`dog.isDog: false`, a
   * 422 NOT_A_DOG). The quality rollback alarm reads its percentile rank `PR(:minConfidence)`, the share of answers
   * at or below the cut, so the cut lives in the alarm and the invoker needs no setting for it.
   */
  answerConfidence: 'AnswerConfidence',
  dimensions: { service: 'service', endpoint: 'endpoint', code: 'code' },
} as const;

/**
 * The smallest fleet the variant can have while an update runs: SageMaker sizes a canary or a linear step as a share
 * of it, and Application Auto Scaling may scale in to `minInstances` or to a scheduled window's lower minimum.
 */
export function smallestFleet(
  ep: Pick<EndpointSpec, 'initialInstanceCount'>,
  as: Pick<AutoscalingSpec, 'minInstances' | 'schedule'>,
): number {
  return Math.min(ep.initialInstanceCount, as.minInstances, ...as.schedule.map((w) => w.minInstances));
}
