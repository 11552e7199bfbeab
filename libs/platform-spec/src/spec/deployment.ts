/**
 * An endpoint's rollout (`endpoints.<key>.deployment`): SageMaker blue/green traffic shifting and the
 * rollback alarms. Its bounds are checked with the fleet by `deploymentIssues`.
 */
import { z } from 'zod';

/** How an endpoint update shifts traffic from the serving (blue) fleet to the new (green) one. */
export const RolloutMode = z.enum(['all-at-once', 'canary', 'linear']);
export type RolloutMode = z.infer<typeof RolloutMode>;

/**
 * One alarm that rolls a deployment back: it fires when the metric is over `threshold` in `evaluationPeriods`
 * consecutive periods of `periodSeconds` (CloudWatch: 10, 30 or a multiple of 60). Its bounds are checked with the
 * rest of the deployment (`deploymentIssues`).
 */
export const RollbackAlarmSchema = z.object({
  threshold: z.number(),
  periodSeconds: z.number(),
  evaluationPeriods: z.number(),
});
export type RollbackAlarm = z.infer<typeof RollbackAlarmSchema>;

/**
 * The quality rollback alarm: the share of an endpoint's answers (as the invoker saw them) that are low quality, a
 * top-1 confidence at or below `minConfidence` or not a dog (`dog.isDog: false`, or a 422 NOT_A_DOG refusal), above
 * `threshold` %. The threshold is the candidate's expected share (its evaluation's low-confidence share on held-out
 * images) plus a margin: live photos are harder than the test split, so the margin is generous.
 */
export const QualityRollbackAlarmSchema = RollbackAlarmSchema.extend({
  /** An answer whose top-1 probability is at or below this counts as low confidence (0 to 1). */
  minConfidence: z.number().min(0).max(1),
});
export type QualityRollbackAlarm = z.infer<typeof QualityRollbackAlarmSchema>;

/**
 * An endpoint's rollout: SageMaker's blue/green DeploymentConfig (traffic routing + auto-rollback alarms), and the
 * same on the local stack's UpdateEndpoint. The bounds are SageMaker's (BlueGreenUpdatePolicy, TrafficRoutingConfig)
 * and are checked on the whole spec by `deploymentIssues`, which needs the fleet that autoscaling allows.
 */
export const DeploymentSpecSchema = z.object({
  mode: RolloutMode,
  /** canary: share of the fleet's capacity that takes traffic first (SageMaker: at most 50 %). */
  canaryPercent: z.number(),
  /** linear: share of the fleet's capacity shifted per step (SageMaker: 10 to 50 %). */
  linearStepPercent: z.number(),
  /**
   * Baking period after each traffic shift, while the rollback alarms are watched (SageMaker WaitIntervalInSeconds,
   * 0 to 3600); with all-at-once, the one bake after the full shift.
   */
  bakeSeconds: z.number(),
  /** How long the blue fleet stays up after the full shift before it is terminated (SageMaker: 0 to 3600). */
  terminationWaitSeconds: z.number(),
  /** The whole update's limit (SageMaker MaximumExecutionTimeoutInSeconds: 600 to 28800). */
  maxExecutionSeconds: z.number(),
  /** The alarms that roll the update back while it bakes. */
  rollbackAlarms: z.object({
    /** Invocation5XXErrors (Sum per period) at or above `threshold` requests. */
    errors5xx: RollbackAlarmSchema,
    /** ModelLatency p90 above `threshold` milliseconds. */
    modelLatencyP90Ms: RollbackAlarmSchema,
    /** The invoker's failed requests as a percentage of its invocations, above `threshold` %. */
    invokerErrorRatePercent: RollbackAlarmSchema,
    /** The invoker's share of low-confidence or not-a-dog answers from this endpoint, above `threshold` %. */
    lowQualityPercent: QualityRollbackAlarmSchema,
  }),
});
export type DeploymentSpec = z.infer<typeof DeploymentSpecSchema>;
