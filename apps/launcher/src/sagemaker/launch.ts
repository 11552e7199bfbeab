/**
 * `--target sagemaker`: plans the run without AWS (source package, channel checks, CreateTrainingJob request), then
 * checks the channels, uploads the source once per content hash, creates the job, follows it and, with `--register`,
 * registers the artifact with the digest of its training inputs.
 */
import { CreateTrainingJobCommand } from '@aws-sdk/client-sagemaker';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { modelPackageGroup, S3_PREFIXES, trainingInputsDigest } from '@dogbreed/platform-spec';
import { createHash } from 'node:crypto';
import type { AwsClients, LaunchContext, PlannedRequest } from '../context.js';
import { effectiveHyperparameters } from '../hyperparameters.js';
import { placeholderInfra, readInfra, type InfraConfig } from '../infra.js';
import { MODEL_PACKAGE_KEY, registerModel } from '../register.js';
import { keyCheckRequest, s3KeyExists } from '../s3-exists.js';
import { packageSource, type SourcePackage } from '../source-package.js';
import { parseS3Uri } from '../s3-uri.js';
import { assertChannelsExist, type ChannelCheck } from './channels.js';
import { readMetricDefinitions } from './metric-definitions.js';
import {
  buildCreateTrainingJobRequest,
  dataChannelUri,
  DATA_CHANNELS,
  defaultJobName,
  modelArtifactUri,
} from './request.js';
import { waitForTrainingJob } from './wait.js';

export interface SageMakerPlan {
  source: SourcePackage;
  sourceUri: string;
  checks: ChannelCheck[];
  request: ReturnType<typeof buildCreateTrainingJobRequest>;
  artifactUri: string;
}

/** Everything about the run that needs no AWS call, given the infra values. */
export async function planSageMaker(ctx: LaunchContext, infra: InfraConfig): Promise<SageMakerPlan> {
  const { spec, args } = ctx;
  const source = await packageSource(ctx.trainingDir);
  const sourceUri = `s3://${infra.modelBucket}/${source.key}`;
  const jobName = args.jobName ?? defaultJobName(spec, args.mode, ctx.io.now());
  const request = buildCreateTrainingJobRequest({
    spec,
    mode: args.mode,
    region: ctx.region,
    jobName,
    infra,
    sourceUri,
    hyperparameters: effectiveHyperparameters(spec.training.hyperparameters, args.hyperparameters),
    metricDefinitions: readMetricDefinitions(ctx.trainingDir),
    dataPrefix: args.dataPrefix,
    ...(args.pretrainedWeights ? { pretrainedWeightsUri: args.pretrainedWeights } : {}),
  });
  const checks: ChannelCheck[] = DATA_CHANNELS.map((c) => ({
    channel: c,
    uri: dataChannelUri(infra, args.dataPrefix, c),
    kind: 'prefix',
  }));
  if (args.pretrainedWeights)
    checks.push({ channel: 'pretrained', uri: args.pretrainedWeights, kind: 'object' });
  return { source, sourceUri, checks, request, artifactUri: modelArtifactUri(infra, args.mode, jobName) };
}

/** The calls a real run makes, in order (what --dry-run prints). */
export function plannedRequests(plan: SageMakerPlan): PlannedRequest[] {
  const { bucket, key } = parseS3Uri(plan.sourceUri);
  const digest = createHash('sha256').update(plan.source.archive).digest('hex');
  return [
    ...plan.checks.map((c) => {
      const { bucket: b, key: k } = parseS3Uri(c.uri);
      return {
        operation: 'S3:ListObjectsV2',
        input: c.kind === 'object' ? keyCheckRequest(b, k) : { Bucket: b, Prefix: k, MaxKeys: 1 },
      };
    }),
    // The source goes up only when its content hash is not there yet.
    { operation: 'S3:ListObjectsV2', input: keyCheckRequest(bucket, key) },
    {
      operation: 'S3:PutObject',
      input: {
        Bucket: bucket,
        Key: key,
        ContentType: 'application/gzip',
        Body: `<sourcedir.tar.gz: ${plan.source.archive.length} bytes, sha256 ${digest}, ${plan.source.files.length} files>`,
      },
    },
    { operation: 'SageMaker:CreateTrainingJob', input: plan.request },
  ];
}

export async function dryRunSageMaker(ctx: LaunchContext): Promise<PlannedRequest[]> {
  return plannedRequests(await planSageMaker(ctx, placeholderInfra(ctx.spec)));
}

/**
 * The digest `--register` records: the training package, the spec's training section, and whatever this run
 * changes beyond them (hyperparameter flags, another data prefix), so a hand-made run never passes for CI's.
 */
export function runTrainingInputs(ctx: Pick<LaunchContext, 'spec' | 'args' | 'trainingDir'>): string {
  const { args } = ctx;
  return trainingInputsDigest({
    trainingDir: ctx.trainingDir,
    training: ctx.spec.training,
    overrides: {
      ...args.hyperparameters,
      ...(args.dataPrefix !== S3_PREFIXES.datasets ? { dataPrefix: args.dataPrefix } : {}),
    },
  });
}

/**
 * Uploads the source unless an object with the same content hash is already there (ListObjectsV2 on the key: the
 * train role's HeadObject on a missing key is a 403, see s3-exists.ts).
 */
export async function uploadSource(
  s3: S3Client,
  plan: Pick<SageMakerPlan, 'source' | 'sourceUri'>,
): Promise<boolean> {
  const { bucket, key } = parseS3Uri(plan.sourceUri);
  if (await s3KeyExists(s3, bucket, key)) return false;
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: plan.source.archive,
      ContentType: 'application/gzip',
    }),
  );
  return true;
}

/** What a SageMaker run produced: the artifact, and the package it was registered as (`--register`). */
export interface SageMakerOutcome {
  modelArtifact: string;
  modelPackage?: string;
}

/** Creates the job, follows it and returns the model artifact URI (registered when --register is given). */
export async function launchSageMaker(ctx: LaunchContext, aws: AwsClients): Promise<SageMakerOutcome> {
  const { io, args } = ctx;
  const infra = await readInfra(aws.ssm, ctx.spec);
  const plan = await planSageMaker(ctx, infra);
  // Taken now, from the files just packed, not after hours of training.
  const trainingInputs = args.register ? runTrainingInputs(ctx) : undefined;
  await assertChannelsExist(aws.s3, plan.checks);
  const uploaded = await uploadSource(aws.s3, plan);
  io.err(
    `source ${uploaded ? 'uploaded to' : 'already at'} ${plan.sourceUri} (${plan.source.files.length} files)`,
  );
  const jobName = plan.request.TrainingJobName ?? '';
  const created = await aws.sagemaker.send(new CreateTrainingJobCommand(plan.request));
  const res = plan.request.ResourceConfig;
  io.err(
    `created training job ${created.TrainingJobArn ?? jobName} (${res?.InstanceCount} x ${res?.InstanceType}${plan.request.EnableManagedSpotTraining ? ', spot' : ''})`,
  );
  if (!args.wait) {
    io.err(`not waiting (--no-wait); the artifact will be at ${plan.artifactUri}`);
    return { modelArtifact: plan.artifactUri };
  }
  const done = await waitForTrainingJob(aws.sagemaker, jobName, {
    pollMs: args.pollSeconds * 1000,
    region: ctx.region,
    io,
    interrupts: ctx.interrupts,
  });
  const artifact = done.ModelArtifacts?.S3ModelArtifacts ?? plan.artifactUri;
  if (done.BillableTimeInSeconds !== undefined) {
    io.err(
      `billable seconds: ${done.BillableTimeInSeconds}${done.TrainingTimeInSeconds ? ` of ${done.TrainingTimeInSeconds}` : ''}`,
    );
  }
  if (args.register && trainingInputs) {
    const arn = await registerModel(
      { sagemaker: aws.sagemaker, s3: aws.s3, log: io.err },
      {
        spec: ctx.spec,
        mode: args.mode,
        group: modelPackageGroup(ctx.spec, args.mode),
        modelDataUrl: artifact,
        trainingInputs,
        trainingJobName: jobName,
      },
    );
    io.err(`registered model package ${arn} (PendingManualApproval)`);
    io.out(`${MODEL_PACKAGE_KEY}=${arn}`);
    return { modelArtifact: artifact, modelPackage: arn };
  }
  return { modelArtifact: artifact };
}
