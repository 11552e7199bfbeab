/**
 * The model artifact contract: a model dir packed as `s3://<bucket>/<key>/model.tar.gz`, which training writes, the
 * model registry names (ModelDataUrl), the replay downloads and the serving stack deploys. One schema and one pair of
 * parse/format helpers, so every writer and reader agrees on the same pattern instead of each keeping a regex.
 */
import { z } from 'zod';
import { PlatformSpecError } from '../errors.js';

/** The archive a model dir is packed into: SageMaker's name for a training job's output, kept for EC2 runs too. */
export const MODEL_ARTIFACT_FILE = 'model.tar.gz';

// S3 bucket naming rules (3-63 characters, lower case, no leading or trailing dot or hyphen).
const BUCKET = '[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]';
const ARTIFACT_URI = new RegExp(`^s3://(${BUCKET})/(\\S+\\.tar\\.gz)$`);

/** `s3://<bucket>/<key>.tar.gz`: any gzipped tar in a bucket (SageMaker serves whatever the key names). */
export const ModelArtifactUri = z.string().regex(ARTIFACT_URI, 'must be an s3://BUCKET/KEY.tar.gz URI');
export type ModelArtifactUri = z.infer<typeof ModelArtifactUri>;

/** Where a model artifact lies. */
export interface ModelArtifactLocation {
  readonly bucket: string;
  readonly key: string;
}

/** A URI that is not a model artifact's (`s3://BUCKET/KEY.tar.gz`). */
export class ModelArtifactUriError extends PlatformSpecError {
  readonly uri: string;
  constructor(uri: string) {
    super(`${uri} is not an s3://BUCKET/KEY.tar.gz model artifact`);
    this.uri = uri;
  }
}

/** The bucket and key of a model artifact URI; ModelArtifactUriError for anything else. */
export function parseModelArtifactUri(uri: string): ModelArtifactLocation {
  const m = ARTIFACT_URI.exec(uri.trim());
  if (!m?.[1] || !m[2]) throw new ModelArtifactUriError(uri);
  return { bucket: m[1], key: m[2] };
}

/**
 * `s3://<bucket>/<dir>/model.tar.gz`. Not validated: a dry run formats it with an unresolved `{{resolve:ssm:…}}`
 * bucket, which only AWS turns into a name.
 */
export function formatModelArtifactUri(bucket: string, dir: string): string {
  return `s3://${bucket}/${dir.replace(/^\/+|\/+$/g, '')}/${MODEL_ARTIFACT_FILE}`;
}

const JOB_ARTIFACT = new RegExp(`/([^/]+)/output/${MODEL_ARTIFACT_FILE.replace(/\./g, '\\.')}$`);

/** Where SageMaker writes a training job's model under its output path: `<outputKey><job>/output/model.tar.gz`. */
export function trainingJobArtifactKey(outputKeyPrefix: string, jobName: string): string {
  return `${outputKeyPrefix}${jobName}/output/${MODEL_ARTIFACT_FILE}`;
}

/** The training job a SageMaker artifact key or URI names (`…/<job>/output/model.tar.gz`), else undefined. */
export function trainingJobOfArtifact(keyOrUri: string): string | undefined {
  return JOB_ARTIFACT.exec(keyOrUri)?.[1];
}
