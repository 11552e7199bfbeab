/**
 * Application Auto Scaling of each endpoint variant (`autoscaling`): target tracking or step scaling,
 * cooldowns, scheduled windows.
 */
import { z } from 'zod';
import { cronProblem } from './cron.js';
import { NonNegativeInt, PositiveInt } from './common.js';

export const ScalingMetric = z.enum([
  'SageMakerVariantInvocationsPerInstance',
  'SageMakerVariantConcurrentRequestsPerModelHighResolution',
]);
export type ScalingMetric = z.infer<typeof ScalingMetric>;

/** Step scaling: add `change` instances while the metric (per instance per minute) is at or above `lowerBound`. */
export const ScaleOutStepSchema = z.object({ lowerBound: z.number().positive(), change: PositiveInt });
/** Step scaling: remove `change` instances while the metric is below `upperBound`. */
export const ScaleInStepSchema = z.object({ upperBound: z.number().positive(), change: PositiveInt });

/**
 * Which Application Auto Scaling policy drives the variant. `target-tracking` uses `targetValue`; `step` adds or
 * removes instances by the step whose bound the metric crossed. Both use `metric`, the cooldowns and the
 * evaluation periods.
 */
export const ScalingPolicySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('target-tracking') }),
  z.object({
    type: z.literal('step'),
    scaleOut: z.array(ScaleOutStepSchema).min(1, 'a step policy needs at least one scale-out step'),
    scaleIn: z.array(ScaleInStepSchema).min(1, 'a step policy needs at least one scale-in step'),
  }),
]);
export type ScalingPolicy = z.infer<typeof ScalingPolicySchema>;

const CronExpression = z.string().superRefine((s, ctx) => {
  const problem = cronProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * A scheduled window (UTC): at `start` min/max become this window's, at `end` the policy's own return, as two
 * Application Auto Scaling scheduled actions do. E.g. a lower minimum off-hours: start `0 20 * * *`, end `0 7 * * *`.
 */
export const ScheduledWindowSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9-]{1,40}$/, 'must be 1-40 letters, digits or hyphens'),
  /** Five-field cron in UTC: `minute hour day-of-month month day-of-week`. */
  start: CronExpression,
  end: CronExpression,
  minInstances: PositiveInt,
  /** Absent = the policy's maxInstances. */
  maxInstances: PositiveInt.optional(),
});
export type ScheduledWindow = z.infer<typeof ScheduledWindowSchema>;

export const AutoscalingSpecSchema = z
  .object({
    minInstances: PositiveInt,
    maxInstances: PositiveInt,
    metric: ScalingMetric,
    /**
     * Target value of the metric. For InvocationsPerInstance: invocations per instance per minute
     * (AWS's method: peak sustainable RPS of one instance × safety factor 0.5 × 60).
     */
    targetValue: z.number().positive(),
    scaleOutCooldownSeconds: NonNegativeInt,
    scaleInCooldownSeconds: NonNegativeInt,
    /** Period over which the metric is aggregated (CloudWatch: 60 s for invocation metrics). */
    metricPeriodSeconds: PositiveInt,
    /** Consecutive periods below the target (×0.9) before target tracking scales in (CloudWatch: 15). */
    scaleInEvaluationPeriods: PositiveInt,
    /** Consecutive periods above the target before target tracking scales out (CloudWatch: 3). */
    scaleOutEvaluationPeriods: PositiveInt,
    policy: ScalingPolicySchema,
    /** Scheduled windows that change min/max (e.g. a lower minimum off-hours); empty = none. */
    schedule: z.array(ScheduledWindowSchema),
  })
  .refine((a) => a.maxInstances >= a.minInstances, {
    message: 'maxInstances must be greater than or equal to minInstances',
    path: ['maxInstances'],
  })
  .superRefine((a, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    if (a.policy.type === 'step') {
      // Step alarms read InvocationsPerInstance per period; the high-resolution concurrency metric has no such alarm here.
      if (a.metric !== 'SageMakerVariantInvocationsPerInstance') {
        issue(['policy', 'type'], 'step scaling needs metric SageMakerVariantInvocationsPerInstance');
      }
      a.policy.scaleOut.forEach((s, i, all) => {
        const prev = all[i - 1];
        if (prev && s.lowerBound <= prev.lowerBound)
          issue(['policy', 'scaleOut', i, 'lowerBound'], 'scale-out lowerBounds must increase');
      });
      a.policy.scaleIn.forEach((s, i, all) => {
        const prev = all[i - 1];
        if (prev && s.upperBound >= prev.upperBound)
          issue(['policy', 'scaleIn', i, 'upperBound'], 'scale-in upperBounds must decrease');
      });
      const lowestOut = a.policy.scaleOut[0]?.lowerBound ?? Infinity;
      const highestIn = a.policy.scaleIn[0]?.upperBound ?? 0;
      if (highestIn > lowestOut) {
        issue(
          ['policy', 'scaleIn', 0, 'upperBound'],
          `must not exceed the lowest scale-out lowerBound (${lowestOut})`,
        );
      }
    }
    const names = new Set<string>();
    a.schedule.forEach((w, i) => {
      if (names.has(w.name)) issue(['schedule', i, 'name'], `duplicate window name "${w.name}"`);
      names.add(w.name);
      if (w.start.trim() === w.end.trim()) issue(['schedule', i, 'end'], 'must differ from start');
      const max = w.maxInstances ?? a.maxInstances;
      if (w.minInstances > max)
        issue(['schedule', i, 'minInstances'], `must not exceed the window's maxInstances (${max})`);
    });
  });
export type AutoscalingSpec = z.infer<typeof AutoscalingSpecSchema>;
