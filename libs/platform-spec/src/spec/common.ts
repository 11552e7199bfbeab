/**
 * The spec's shared primitives: instance types, resource names, counts, IAM session lengths, training modes.
 * `RoleSessionSeconds` is one of the field rules the CDK constructs check again on props built by hand
 * (`checkProp`): one schema each, so the spec cannot accept what a construct refuses.
 */
import { z } from 'zod';

/** SageMaker instance types: `ml.<family>.<size>`, e.g. ml.m5.large, ml.g4dn.xlarge, ml.p4d.24xlarge. */
export const SageMakerInstanceType = z
  .string()
  .regex(
    /^ml\.[a-z][a-z0-9-]*\.(nano|micro|small|medium|large|xlarge|[1-9][0-9]*xlarge)$/,
    'must be a SageMaker instance type of the form ml.<family>.<size>, e.g. ml.m5.large',
  );

/** EC2 instance types: `<family>.<size>`, e.g. g4dn.xlarge. */
export const Ec2InstanceType = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]*\.(nano|micro|small|medium|large|xlarge|[1-9][0-9]*xlarge|metal)$/,
    'must be an EC2 instance type of the form <family>.<size>, e.g. g4dn.xlarge',
  );

export const ResourceName = z
  .string()
  .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/, 'must be alphanumeric with single hyphens (SageMaker naming rules)')
  .max(63, 'must be at most 63 characters');

export const PositiveInt = z.number().int().positive();
export const NonNegativeInt = z.number().int().nonnegative();

/** An IAM role's MaxSessionDuration: IAM allows 1 to 12 hours. */
export const RoleSessionSeconds = z
  .number()
  .int('must be an integer number of seconds')
  .min(3600, 'must be at least 3600 (IAM MaxSessionDuration minimum)')
  .max(43200, 'must be at most 43200 (IAM MaxSessionDuration maximum)');

/** An AWS region name, e.g. us-east-1. */
export const AwsRegion = z
  .string()
  .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region like us-east-1');

export const TrainingMode = z.enum(['single', 'multi']);
export type TrainingMode = z.infer<typeof TrainingMode>;
