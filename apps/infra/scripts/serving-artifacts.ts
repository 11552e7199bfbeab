/**
 * The model artifacts a deploy of the serving stack points the endpoints at: the URIs the caller gave (fresh
 * training), else the ones the last successful deploy recorded (SSM `deployedModelSingle` / `deployedModelMulti`,
 * written by the serving stack itself). Each must be in the model bucket and exist there, so no endpoint is ever
 * created or updated to a key that nothing wrote; on a first deploy with no model yet it fails saying to train first.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, ParameterNotFound, type SSMClient } from '@aws-sdk/client-ssm';
import {
  ModelArtifactUriError,
  parseModelArtifactUri,
  ssmParameterNames,
  TrainingMode,
  type PlatformSpec,
} from '@dogbreed/platform-spec';

/** No artifact for an endpoint, or one that is not where it claims to be. */
export class ModelArtifactError extends Error {
  override readonly name = 'ModelArtifactError';
}

export interface ArtifactClients {
  readonly ssm: SSMClient;
  readonly s3: S3Client;
}

const PARAM: Record<TrainingMode, 'deployedModelSingle' | 'deployedModelMulti'> = {
  single: 'deployedModelSingle',
  multi: 'deployedModelMulti',
};

/** The artifact's bucket and key, with the contract's parser; its error becomes this script's. */
function parseModelUri(uri: string): { bucket: string; key: string } {
  try {
    return parseModelArtifactUri(uri);
  } catch (err) {
    if (err instanceof ModelArtifactUriError) throw new ModelArtifactError(err.message, { cause: err });
    throw err;
  }
}

async function parameter(ssm: SSMClient, name: string): Promise<string | undefined> {
  try {
    return (await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
  } catch (err) {
    if (err instanceof ParameterNotFound || (err as { name?: string }).name === 'ParameterNotFound')
      return undefined;
    throw err;
  }
}

/** Resolves both modes' artifacts and proves each exists in the model bucket. */
export async function resolveServingModels(
  clients: ArtifactClients,
  options: { readonly spec: PlatformSpec; readonly given: Partial<Record<TrainingMode, string>> },
): Promise<Record<TrainingMode, string>> {
  const names = ssmParameterNames(options.spec);
  const models: Partial<Record<TrainingMode, string>> = {};
  for (const mode of TrainingMode.options)
    models[mode] = options.given[mode] ?? (await parameter(clients.ssm, names[PARAM[mode]]));
  const missing = TrainingMode.options.filter((m) => !models[m]);
  if (missing.length > 0) {
    throw new ModelArtifactError(
      `no model artifact for ${missing.join(' and ')}: none was given and no deploy recorded one (${missing.map((m) => names[PARAM[m]]).join(', ')}). ` +
        'A first deploy trains first: run the deploy workflow with force-train, or pass ' +
        missing
          .map(
            (m) =>
              `--context modelDataUrl${m === 'single' ? 'Single' : 'Multi'}=s3://MODEL_BUCKET/KEY.tar.gz`,
          )
          .join(' '),
    );
  }
  const modelBucket = await parameter(clients.ssm, names.modelBucket);
  if (!modelBucket)
    throw new ModelArtifactError(`${names.modelBucket} is not set: deploy the data stack first`);
  for (const mode of TrainingMode.options) {
    const uri = models[mode] ?? '';
    const { bucket, key } = parseModelUri(uri);
    if (bucket !== modelBucket)
      throw new ModelArtifactError(
        `${mode}: ${uri} is not in the model bucket ${modelBucket} (the endpoints may read only that bucket)`,
      );
    // ListObjectsV2 on the exact key: a prefix-scoped grant is enough (HeadObject would need object read access).
    const listed = await clients.s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 }),
    );
    if (listed.Contents?.[0]?.Key !== key)
      throw new ModelArtifactError(
        `${mode}: ${uri} does not exist: nothing wrote it (train first or give another artifact)`,
      );
  }
  return models as Record<TrainingMode, string>;
}
