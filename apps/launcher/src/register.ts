/**
 * `--register`: a trained artifact becomes a SageMaker model package `PendingManualApproval` in the spec's group for
 * its mode (`ci.modelRegistry.groups`, created when absent), its evaluation.json (read out of model.tar.gz, written beside it) as the package's
 * ModelQuality statistics and its numeric leaves as customer metadata. The registry gate of the deploy workflow
 * replays it, approves it, and deploys only Approved packages.
 *
 * The package names no container image, only the artifact (`ModelDataUrl`; `Image` is optional in
 * ModelPackageContainerDefinition): the image that serves an approved package is the one deploy-endpoints builds, and
 * the serving stack that publishes its URI is deployed only after a package is approved. It carries the digest of its
 * training inputs (`trainingInputs`), which tools/gha/train-decision.ts compares to decide whether to train again.
 */
import {
  EVALUATION_FILE,
  MODEL_ARTIFACT_FILE,
  TRAINING_INPUTS_METADATA_KEY,
  type PlatformSpec,
  type TrainingMode,
} from '@dogbreed/platform-spec';
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageGroupCommand,
  type CreateModelPackageInput,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { x as extractTar } from 'tar';
import { MissingLocalInputError } from './errors.js';
import { parseS3Uri } from './s3-uri.js';

/**
 * Prefix of the stdout line naming the registered package (`MODEL_PACKAGE=<arn>`), printed before MODEL_ARTIFACT, for
 * people: the deploy workflow reads the ARN from the `--result-file` (LaunchResult.modelPackage).
 */
export const MODEL_PACKAGE_KEY = 'MODEL_PACKAGE';

/** CustomerMetadataProperties holds at most 50 entries: the mode, the job name, the digest, and the metrics. */
const MAX_METADATA_ENTRIES = 50;
const OWN_METADATA_ENTRIES = 3;

/** Numeric leaves of evaluation.json as `a.b` → value. */
export function flattenMetrics(value: unknown, prefix = ''): Record<string, number> {
  const out: Record<string, number> = {};
  if (typeof value === 'number' && Number.isFinite(value)) {
    out[prefix || 'value'] = value;
  } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value))
      Object.assign(out, flattenMetrics(v, prefix ? `${prefix}.${k}` : k));
  }
  return out;
}

export interface ModelPackagePlan {
  spec: PlatformSpec;
  mode: TrainingMode;
  group: string;
  modelDataUrl: string;
  /** s3:// URI of evaluation.json (ModelQuality statistics). */
  evaluationUri: string;
  evaluation: unknown;
  /** trainingInputsDigest() of what the model was trained from (spec, training package, weights pin). */
  trainingInputs: string;
  trainingJobName?: string;
}

/** CreateModelPackage (pure): pending manual approval, no image, metrics from evaluation.json. */
export function buildCreateModelPackageRequest(plan: ModelPackagePlan): CreateModelPackageInput {
  const metrics = Object.entries(flattenMetrics(plan.evaluation)).slice(
    0,
    MAX_METADATA_ENTRIES - OWN_METADATA_ENTRIES,
  );
  const endpoint = plan.spec.endpoints[plan.mode];
  return {
    ModelPackageGroupName: plan.group,
    ModelPackageDescription: `${plan.spec.project.name} ${plan.mode}-instance training${plan.trainingJobName ? ` (${plan.trainingJobName})` : ''}`,
    ModelApprovalStatus: 'PendingManualApproval',
    InferenceSpecification: {
      Containers: [{ ModelDataUrl: plan.modelDataUrl }],
      SupportedContentTypes: ['image/jpeg', 'image/png', 'application/json'],
      SupportedResponseMIMETypes: ['application/json'],
      SupportedRealtimeInferenceInstanceTypes: [endpoint.instanceType as never],
    },
    ModelMetrics: {
      ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: plan.evaluationUri } },
    },
    CustomerMetadataProperties: {
      trainingMode: plan.mode,
      [TRAINING_INPUTS_METADATA_KEY]: plan.trainingInputs,
      ...(plan.trainingJobName ? { trainingJobName: plan.trainingJobName } : {}),
      ...Object.fromEntries(metrics.map(([k, v]) => [k.slice(0, 128), String(v)])),
    },
    Tags: Object.entries(plan.spec.project.tags).map(([Key, Value]) => ({ Key, Value })),
  };
}

/** Reads evaluation.json out of a model.tar.gz in S3. */
export async function readEvaluationFromArtifact(s3: S3Client, artifactUri: string): Promise<unknown> {
  const { bucket, key } = parseS3Uri(artifactUri);
  const obj = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = await obj.Body?.transformToByteArray();
  if (!bytes) throw new MissingLocalInputError(`${artifactUri} is empty`);
  const dir = mkdtempSync(join(tmpdir(), 'launcher-eval-'));
  try {
    const file = join(dir, MODEL_ARTIFACT_FILE);
    writeFileSync(file, bytes);
    await extractTar({ file, cwd: dir, filter: (p) => p.replace(/^\.\//, '') === EVALUATION_FILE });
    const path = join(dir, EVALUATION_FILE);
    if (!existsSync(path)) throw new MissingLocalInputError(`${EVALUATION_FILE} not found in ${artifactUri}`);
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function ensureGroup(sm: SageMakerClient, group: string, spec: PlatformSpec): Promise<boolean> {
  try {
    await sm.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: group }));
    return false;
  } catch (err) {
    const e = err as { name?: string; message?: string };
    const absent =
      e.name === 'ResourceNotFound' ||
      (e.name === 'ValidationException' && /does not exist|not found|could not find/i.test(e.message ?? ''));
    if (!absent) throw err;
  }
  await sm.send(
    new CreateModelPackageGroupCommand({
      ModelPackageGroupName: group,
      ModelPackageGroupDescription: `${spec.project.name} dog-breed classifiers`,
      Tags: Object.entries(spec.project.tags).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  return true;
}

/** Registers the artifact: group if absent, evaluation.json next to the artifact, model package. Returns its ARN. */
export async function registerModel(
  deps: { sagemaker: SageMakerClient; s3: S3Client; log: (line: string) => void },
  plan: Omit<ModelPackagePlan, 'evaluation' | 'evaluationUri'>,
): Promise<string> {
  const evaluation = await readEvaluationFromArtifact(deps.s3, plan.modelDataUrl);
  const { bucket, key } = parseS3Uri(plan.modelDataUrl);
  const evalKey = key.replace(/[^/]*$/, EVALUATION_FILE);
  await deps.s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: evalKey,
      Body: JSON.stringify(evaluation),
      ContentType: 'application/json',
    }),
  );
  if (await ensureGroup(deps.sagemaker, plan.group, plan.spec))
    deps.log(`created model package group ${plan.group}`);
  const out = await deps.sagemaker.send(
    new CreateModelPackageCommand(
      buildCreateModelPackageRequest({ ...plan, evaluation, evaluationUri: `s3://${bucket}/${evalKey}` }),
    ),
  );
  if (!out.ModelPackageArn)
    throw new MissingLocalInputError(
      `CreateModelPackage in ${plan.group} answered without a ModelPackageArn`,
    );
  return out.ModelPackageArn;
}
