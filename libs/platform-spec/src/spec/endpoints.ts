/**
 * The two SageMaker endpoints (`endpoints.single|multi`): names, variant, instance type, model artifact,
 * rollout. `ModelArtifactKey` is also checked by the constructs on props built by hand (`checkProp`).
 */
import { z } from 'zod';
import { PositiveInt, ResourceName, SageMakerInstanceType, TrainingMode } from './common.js';
import { DeploymentSpecSchema } from './deployment.js';

/** An S3 key of a SageMaker model artifact: relative (no leading slash), a gzipped tarball. */
export const ModelArtifactKey = z
  .string()
  .regex(/^[^/].*\.tar\.gz$/, 'must be a key (no leading slash) ending in .tar.gz (SageMaker model data)');

export const EndpointSpecSchema = z.object({
  /** The SageMaker endpoint name (also the endpoint config and model name prefix). */
  name: ResourceName,
  /** Which training run produces the model this endpoint serves. */
  trainingMode: TrainingMode,
  variantName: ResourceName,
  instanceType: SageMakerInstanceType,
  initialInstanceCount: PositiveInt,
  /** Where the model artifact lives: a key in the model bucket on AWS, a directory (relative to the repo) locally. */
  modelArtifact: z.object({
    s3Key: ModelArtifactKey,
    localDir: z.string().min(1),
  }),
  /** How an update of this endpoint rolls out and rolls back. */
  deployment: DeploymentSpecSchema,
});
export type EndpointSpec = z.infer<typeof EndpointSpecSchema>;
