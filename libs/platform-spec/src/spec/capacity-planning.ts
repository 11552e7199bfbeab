/**
 * Capacity planning (`capacityPlanning`): the what-if simulator's start-up and metric delays, instance
 * prices.
 */
import { z } from 'zod';
import { AwsRegion, NonNegativeInt, SageMakerInstanceType } from './common.js';

/** On-demand price of one instance-hour, and where the figure was read. */
export const InstancePriceSchema = z.object({ usdPerHour: z.number().positive(), source: z.string().min(1) });

export const CapacityPlanningSpecSchema = z.object({
  /** Seconds from a scale-out decision until the new instance serves (the what-if simulator's start-up delay). */
  instanceStartupSeconds: NonNegativeInt,
  /** Seconds after a metric period ends before the policy sees it (CloudWatch publishes a minute or more late). */
  metricDelaySeconds: NonNegativeInt,
  /** SageMaker real-time inference, on-demand, per instance-hour, in `region`. */
  prices: z.object({
    region: AwsRegion,
    asOf: z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/, 'must be a date like 2026-11 or 2026-11-29'),
    /** Where the figures come from, and how far to trust them. */
    note: z.string().min(1),
    instances: z.record(SageMakerInstanceType, InstancePriceSchema),
  }),
});
export type CapacityPlanningSpec = z.infer<typeof CapacityPlanningSpecSchema>;
