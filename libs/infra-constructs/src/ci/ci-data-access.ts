/**
 * What the CI stage roles may do in the project's buckets and with its KMS key, granted where the buckets and the key
 * live (bucket and key policies of the data stack). The CI stack deploys first and cannot name the buckets (their
 * names are generated) or the key (its id is random), so it holds only the calls it can scope by name; the data
 * stack names the CI roles by their fixed spec names and scopes every grant to one bucket and one prefix.
 *
 * Train (`dogbreed-train --target sagemaker` and tools/gha/pretrained-weights.ts):
 *   - ListObjectsV2 under `datasets/` in the data bucket (the launcher checks the channels exist);
 *   - ListObjectsV2 / GetObject (HeadObject) / PutObject under `training-source/` and `pretrained/` in the model bucket
 *     (the code package and the backbone weights, uploaded once by content hash);
 *   - kms:GenerateDataKey on the project key through S3 (SSE-KMS uploads).
 *   - `--register`: GetObject of a trained `model.tar.gz` under `training-output/` (its evaluation.json) and PutObject of
 *     that `evaluation.json` beside it (the package's ModelQuality statistics); kms:Decrypt through S3.
 *   - kms:CreateGrant on the project key for AWS resources only: CreateTrainingJob with `VolumeKmsKeyId` (the single
 *     mode's CPU instance, which has no instance storage) needs it of the caller (SageMaker Developer Guide, "Amazon
 *     SageMaker API Permissions: Actions, Permissions, and Resources Reference", CreateTrainingJob:
 *     https://docs.aws.amazon.com/sagemaker/latest/dg/api-permissions-reference.html).
 *   The existence checks (pretrained weights, the code package, the channels) are ListObjectsV2 with Prefix = the exact
 *   key, never HeadObject: without s3:ListBucket S3 answers a missing key with 403, not 404.
 * Replay (tools/gha/replay-inputs.ts): GetObject of model artifacts under `training-output/` and `models/` (the
 * candidate and the serving model), ListObjectsV2 / GetObject of the endpoints' data captures under
 * `data-capture/<endpoint>/` in the model bucket and of the held-out images under `datasets/test/` in the data
 * bucket; kms:Decrypt through S3.
 * Deploy-endpoints (apps/infra/scripts/serving-artifacts.ts): ListObjectsV2 under `training-output/` and `models/` in
 * the model bucket, to prove an artifact exists before an endpoint is pointed at it; the shadow phase
 * (tools/gha/shadow.ts): ListObjectsV2 / GetObject of the endpoints' data captures under `data-capture/<endpoint>/`
 * (both variants' folders), kms:Decrypt through S3.
 * Validate (the pre-flight `doctor`): ListObjectsV2 under `datasets/` in the data bucket (the split folders exist).
 */
import { aws_iam as iam, Stack } from 'aws-cdk-lib';
import {
  EVALUATION_FILE,
  MODEL_ARTIFACT_FILE,
  S3_PREFIXES,
  type PlatformSpec,
} from '@dogbreed/platform-spec';
import type { DataStores } from '../data/data-stores.js';

/** Prefixes of the model bucket a CI stage may list (and, for train, read and write). */
export const CI_MODEL_PREFIXES = {
  train: [S3_PREFIXES.trainingSource, S3_PREFIXES.pretrained],
  deployEndpoints: [S3_PREFIXES.trainingOutput, S3_PREFIXES.models],
  replay: [S3_PREFIXES.trainingOutput, S3_PREFIXES.models],
  // The serving models' artifacts: their evaluation.json is the drift baseline.
  drift: [S3_PREFIXES.trainingOutput, S3_PREFIXES.models],
} as const;

/** The held-out split the replay reads (below `datasets/` in the data bucket). */
export const CI_REPLAY_IMAGES_PREFIX = `${S3_PREFIXES.datasets}test/`;

/** Adds the CI roles' statements to the data stack's bucket and key policies. */
export function grantCiDataAccess(stores: DataStores, spec: PlatformSpec): void {
  const stack = Stack.of(stores);
  const roleArn = (name: string) => `arn:${stack.partition}:iam::${stack.account}:role/${name}`;
  const train = new iam.ArnPrincipal(roleArn(spec.ci.roles.train.roleName));
  const deployEndpoints = new iam.ArnPrincipal(roleArn(spec.ci.roles.deployEndpoints.roleName));
  const replay = new iam.ArnPrincipal(roleArn(spec.ci.roles.replay.roleName));
  const validate = new iam.ArnPrincipal(roleArn(spec.ci.roles.validate.roleName));
  const drift = new iam.ArnPrincipal(roleArn(spec.ci.roles.drift.roleName));
  const captureFolders = [spec.endpoints.single.name, spec.endpoints.multi.name].map(
    (e) => `${S3_PREFIXES.dataCapture}${e}/`,
  );
  const listUnder = (
    sid: string,
    principal: iam.IPrincipal,
    bucketArn: string,
    prefixes: readonly string[],
  ) =>
    new iam.PolicyStatement({
      sid,
      principals: [principal],
      actions: ['s3:ListBucket'],
      resources: [bucketArn],
      conditions: { StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) } },
    });

  stores.dataBucket.addToResourcePolicy(
    listUnder('CiTrainListDatasets', train, stores.dataBucket.bucketArn, [S3_PREFIXES.datasets]),
  );
  stores.dataBucket.addToResourcePolicy(
    listUnder('CiValidateListDatasets', validate, stores.dataBucket.bucketArn, [S3_PREFIXES.datasets]),
  );
  stores.modelBucket.addToResourcePolicy(
    listUnder('CiTrainListOwnPrefixes', train, stores.modelBucket.bucketArn, CI_MODEL_PREFIXES.train),
  );
  stores.modelBucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CiTrainReadWriteOwnPrefixes',
      principals: [train],
      actions: ['s3:GetObject', 's3:PutObject'],
      resources: CI_MODEL_PREFIXES.train.map((p) => stores.modelBucket.arnForObjects(`${p}*`)),
    }),
  );
  stores.modelBucket.addToResourcePolicy(
    listUnder(
      'CiDeployEndpointsListArtifacts',
      deployEndpoints,
      stores.modelBucket.bucketArn,
      CI_MODEL_PREFIXES.deployEndpoints,
    ),
  );
  // --register: the trained artifact (read for its evaluation.json) and that file written beside it.
  stores.modelBucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CiTrainRegisterArtifacts',
      principals: [train],
      actions: ['s3:GetObject'],
      resources: [stores.modelBucket.arnForObjects(`${S3_PREFIXES.trainingOutput}*/${MODEL_ARTIFACT_FILE}`)],
    }),
  );
  stores.modelBucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CiTrainRegisterEvaluation',
      principals: [train],
      actions: ['s3:PutObject'],
      resources: [stores.modelBucket.arnForObjects(`${S3_PREFIXES.trainingOutput}*/${EVALUATION_FILE}`)],
    }),
  );
  stores.modelBucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CiReplayReadModels',
      principals: [replay],
      actions: ['s3:GetObject'],
      resources: CI_MODEL_PREFIXES.replay.map((p) => stores.modelBucket.arnForObjects(`${p}*`)),
    }),
  );
  stores.modelBucket.addToResourcePolicy(
    listUnder('CiReplayListCaptures', replay, stores.modelBucket.bucketArn, captureFolders),
  );
  stores.modelBucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CiReplayReadCaptures',
      principals: [replay],
      actions: ['s3:GetObject'],
      resources: captureFolders.map((f) => stores.modelBucket.arnForObjects(`${f}*`)),
    }),
  );
  // The shadow verdict reads both variants' captures of the endpoints, nothing else under data-capture/.
  stores.modelBucket.addToResourcePolicy(
    listUnder('CiDeployEndpointsListCaptures', deployEndpoints, stores.modelBucket.bucketArn, captureFolders),
  );
  stores.modelBucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CiDeployEndpointsReadCaptures',
      principals: [deployEndpoints],
      actions: ['s3:GetObject'],
      resources: captureFolders.map((f) => stores.modelBucket.arnForObjects(`${f}*`)),
    }),
  );
  // The scheduled drift run reads the endpoints' captures and the serving models' artifacts, nothing else.
  stores.modelBucket.addToResourcePolicy(
    listUnder('CiDriftListCaptures', drift, stores.modelBucket.bucketArn, captureFolders),
  );
  stores.modelBucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CiDriftRead',
      principals: [drift],
      actions: ['s3:GetObject'],
      resources: [
        ...captureFolders.map((f) => stores.modelBucket.arnForObjects(`${f}*`)),
        ...CI_MODEL_PREFIXES.drift.map((p) => stores.modelBucket.arnForObjects(`${p}*`)),
      ],
    }),
  );
  stores.dataBucket.addToResourcePolicy(
    listUnder('CiReplayListHeldOut', replay, stores.dataBucket.bucketArn, [CI_REPLAY_IMAGES_PREFIX]),
  );
  stores.dataBucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CiReplayReadHeldOut',
      principals: [replay],
      actions: ['s3:GetObject'],
      resources: [stores.dataBucket.arnForObjects(`${CI_REPLAY_IMAGES_PREFIX}*`)],
    }),
  );
  // SSE-KMS uploads: S3 asks KMS for a data key on the uploader's behalf (only through S3, only this key).
  stores.key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CiTrainUploadThroughS3',
      principals: [train],
      actions: ['kms:GenerateDataKey'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
    }),
  );
  // CreateTrainingJob with VolumeKmsKeyId: SageMaker creates a grant on the key for the job's volume, in the name of
  // the caller; only grants for an AWS resource (kms:GrantIsForAWSResource), so the role cannot grant itself anything.
  stores.key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CiTrainTrainingVolumeGrant',
      principals: [train],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }),
  );
  // SSE-KMS reads: S3 asks KMS to decrypt the object's data key for the reader (only through S3, only this key).
  stores.key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CiReadThroughS3',
      principals: [train, replay, deployEndpoints, drift],
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
    }),
  );
}
