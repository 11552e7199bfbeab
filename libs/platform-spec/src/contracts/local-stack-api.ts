import { z } from 'zod';
import { ShadowVerdictSchema } from './quality-verdict.js';
import { ROLLBACK_ALARM_KINDS } from '../spec/guardrails.js';

/**
 * The local stack's metrics API (`GET /_local/metrics`), read by its dashboard and by the load-test verifier.
 * Timestamps are real epoch milliseconds; `timeScale` says how compressed periods and cooldowns are
 * (a cooldown of C seconds in the spec lasts C / timeScale real seconds).
 */
export const LOCAL_METRICS_PATH = '/_local/metrics';
export const LOCAL_ADMIN_PREFIX = '/_local';

export const InstanceStateSchema = z.enum(['Pending', 'InService', 'Draining', 'Terminated', 'Failed']);

export const MetricPointSchema = z.object({
  /** End of the period, epoch ms. */
  t: z.number(),
  /** InService instances at the end of the period. */
  instances: z.number().int().nonnegative(),
  invocations: z.number().int().nonnegative(),
  /** Per instance per (simulated) minute, as CloudWatch reports it. */
  invocationsPerInstance: z.number().nonnegative(),
  /** Maximum concurrent requests seen in the period. */
  concurrentRequests: z.number().int().nonnegative(),
  modelLatencyP50Ms: z.number().nonnegative(),
  modelLatencyP95Ms: z.number().nonnegative(),
  invocation4xxErrors: z.number().int().nonnegative(),
  invocation5xxErrors: z.number().int().nonnegative(),
});
export type MetricPoint = z.infer<typeof MetricPointSchema>;

export const ScalingActivitySchema = z.object({
  /** When the new desired count was set, epoch ms. */
  t: z.number(),
  direction: z.enum(['out', 'in', 'replace']),
  fromDesired: z.number().int().nonnegative(),
  toDesired: z.number().int().nonnegative(),
  cause: z.string(),
});
export type ScalingActivity = z.infer<typeof ScalingActivitySchema>;

/** SageMaker's EndpointStatus as the local stack reports it (DescribeEndpoint and the admin API). */
export const EndpointStatusSchema = z.enum(['InService', 'Updating', 'RollingBack', 'Failed']);

export const RollbackAlarmStatusSchema = z.object({
  /** The AlarmName the update named (the spec's name when the spec's deployment applied). */
  name: z.string(),
  metric: z.enum(ROLLBACK_ALARM_KINDS),
  threshold: z.number(),
  state: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
  /** The metric in the last complete alarm period; null without data. */
  value: z.number().nullable(),
});

/** An endpoint's blue/green update (UpdateEndpoint): the one in progress, or the last one decided. */
export const RolloutStatusSchema = z.object({
  phase: z.enum(['Provisioning', 'Baking', 'TerminationWait', 'Promoted', 'RolledBack']),
  endpointStatus: EndpointStatusSchema,
  mode: z.enum(['all-at-once', 'canary', 'linear']),
  /** The endpoint config serving before the update, and the one it deploys. */
  fromConfig: z.string(),
  toConfig: z.string(),
  /** The new fleet's share of requests after each traffic shift, %. */
  steps: z.array(z.number()),
  /** Index into `steps`; -1 before the first shift. */
  step: z.number().int(),
  /** The new fleet's share of requests now, %. */
  greenPercent: z.number().min(0).max(100),
  /** Real length of each bake (the spec's seconds / timeScale), ms. */
  bakeMs: z.number().nonnegative(),
  startedAt: z.number(),
  phaseStartedAt: z.number(),
  alarms: z.array(RollbackAlarmStatusSchema),
  decision: z
    .object({ outcome: z.enum(['promoted', 'rolled-back']), reason: z.string(), at: z.number() })
    .nullable(),
});
export type RolloutStatus = z.infer<typeof RolloutStatusSchema>;

/**
 * An endpoint's shadow variant (CreateEndpointConfig `ShadowProductionVariants`): the one running, or the last one
 * removed, with the verdict on the requests copied to it while it ran.
 */
export const ShadowStatusSchema = z.object({
  variantName: z.string(),
  modelName: z.string(),
  /** The endpoint config that runs the shadow. */
  configName: z.string(),
  /** Share of production requests copied to the shadow, %. */
  samplingPercent: z.number().min(0).max(100),
  /** Starting: the fleet is launching; Running: requests are copied; Removed: the shadow phase is over. */
  state: z.enum(['Starting', 'Running', 'Removed']),
  instances: z.number().int().nonnegative(),
  /** When copying began (the fleet was InService) and ended, epoch ms. */
  startedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  /** Requests copied to the shadow; sampled but dropped (no InService shadow instance, or its queue full). */
  copied: z.number().int().nonnegative(),
  dropped: z.number().int().nonnegative(),
  verdict: ShadowVerdictSchema,
});
export type ShadowStatus = z.infer<typeof ShadowStatusSchema>;

/** `POST` starts the shadow rollout of a candidate on an endpoint, `GET` reads it: `/_local/endpoints/{name}/shadow-rollout`. */
export const SHADOW_ROLLOUT_PATH = new RegExp(`^${LOCAL_ADMIN_PREFIX}/endpoints/([^/]+)/shadow-rollout$`);

/** The body of `POST .../shadow-rollout`: the candidate, a model created with SageMaker's CreateModel. */
export const ShadowRolloutRequestSchema = z.object({ ModelName: z.string().min(1) }).strict();
export type ShadowRolloutRequest = z.infer<typeof ShadowRolloutRequestSchema>;

/**
 * The local rollout driver's run (the pipeline's sequence): the candidate deployed as shadow, the phase, the verdict,
 * then promotion by the endpoint's blue/green deployment or the shadow removed.
 */
export const ShadowRolloutStatusSchema = z.object({
  endpointName: z.string(),
  candidateModel: z.string(),
  servingConfig: z.string().nullable(),
  shadowConfig: z.string().nullable(),
  candidateConfig: z.string().nullable(),
  step: z.enum(['DeployingShadow', 'ShadowPhase', 'Promoting', 'RemovingShadow', 'Done']),
  /** promoted: serving the candidate; shadow-removed: the verdict failed; rolled-back: a rollback alarm stopped the
   * promotion; failed: an operation was refused or timed out. Null while running. */
  outcome: z.enum(['promoted', 'shadow-removed', 'rolled-back', 'failed']).nullable(),
  reason: z.string().nullable(),
  verdict: ShadowVerdictSchema.nullable(),
  startedAt: z.number(),
  /** When the shadow phase ends (real time: durationSeconds / timeScale after the shadow was InService). */
  phaseEndsAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  /** One line per step, as the stack's log writes them. */
  events: z.array(z.object({ t: z.number(), message: z.string() })),
});
export type ShadowRolloutStatus = z.infer<typeof ShadowRolloutStatusSchema>;

export const EndpointMetricsSchema = z.object({
  name: z.string(),
  desiredInstances: z.number().int().nonnegative(),
  instances: z.array(
    z.object({
      id: z.string(),
      state: InstanceStateSchema,
      inFlight: z.number().int().nonnegative(),
      /**
       * blue: serving; green: started by an update in progress; shadow: the shadow variant's; retiring: draining
       * after an update.
       */
      fleet: z.enum(['blue', 'green', 'shadow', 'retiring']).optional(),
    }),
  ),
  series: z.array(MetricPointSchema),
  scalingActivities: z.array(ScalingActivitySchema),
  endpointStatus: EndpointStatusSchema.optional(),
  endpointConfigName: z.string().optional(),
  rollout: RolloutStatusSchema.nullable().optional(),
  /** The shadow variant running now, or the last one (null: never had one). */
  shadow: ShadowStatusSchema.nullable().optional(),
  /** The local rollout driver's current or last run on this endpoint. */
  shadowRollout: ShadowRolloutStatusSchema.nullable().optional(),
});
export type EndpointMetrics = z.infer<typeof EndpointMetricsSchema>;

export const LambdaPointSchema = z.object({
  t: z.number(),
  /** Maximum concurrent executions in the period. */
  concurrentExecutions: z.number().int().nonnegative(),
  invocations: z.number().int().nonnegative(),
  throttles: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  /** Requests the function answered with a 5xx status or an unhandled error (the invoker's failed requests). */
  failedRequests: z.number().int().nonnegative().optional(),
  durationP95Ms: z.number().nonnegative(),
});
export type LambdaPoint = z.infer<typeof LambdaPointSchema>;

export const LocalMetricsSchema = z.object({
  startedAt: z.number(),
  now: z.number(),
  timeScale: z.number().positive(),
  /** Real length of one metric period in ms (spec period / timeScale). */
  periodMs: z.number().positive(),
  autoscaling: z.object({
    minInstances: z.number().int(),
    maxInstances: z.number().int(),
    metric: z.string(),
    targetValue: z.number(),
    scaleOutCooldownSeconds: z.number(),
    scaleInCooldownSeconds: z.number(),
  }),
  endpoints: z.array(EndpointMetricsSchema),
  lambda: z.object({
    functionName: z.string(),
    reservedConcurrency: z.number().int().positive(),
    /** Highest concurrent executions ever seen, and throttles since start. */
    maxConcurrentExecutions: z.number().int().nonnegative(),
    totalThrottles: z.number().int().nonnegative(),
    series: z.array(LambdaPointSchema),
  }),
});
export type LocalMetrics = z.infer<typeof LocalMetricsSchema>;
