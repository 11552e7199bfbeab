import { CreateTrainingJobCommand } from '@aws-sdk/client-sagemaker';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { AwsClients, LaunchContext, PlannedRequest } from '../context.js';
import { effectiveHyperparameters } from '../hyperparameters.js';
import { placeholderInfra, readInfra, type InfraConfig } from '../infra.js';
import { MODEL_PACKAGE_KEY, registerModel } from '../register.js';
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
      return c.kind === 'object'
        ? { operation: 'S3:HeadObject', input: { Bucket: b, Key: k } }
        : { operation: 'S3:ListObjectsV2', input: { Bucket: b, Prefix: k, MaxKeys: 1 } };
    }),
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
  return plannedRequests(
    await planSageMaker(ctx, placeholderInfra(ctx.spec, { register: Boolean(ctx.args.register) })),
  );
}

/** Uploads the source unless an object with the same content hash is already there. */
export async function uploadSource(
  s3: S3Client,
  plan: Pick<SageMakerPlan, 'source' | 'sourceUri'>,
): Promise<boolean> {
  const { bucket, key } = parseS3Uri(plan.sourceUri);
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return false;
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name !== 'NotFound' && e.$metadata?.httpStatusCode !== 404) throw err;
  }
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

/** Creates the job, follows it and returns the model artifact URI (registered when --register is given). */
export async function launchSageMaker(ctx: LaunchContext, aws: AwsClients): Promise<string> {
  const { io, args } = ctx;
  const infra = await readInfra(aws.ssm, ctx.spec, { register: Boolean(args.register) });
  const plan = await planSageMaker(ctx, infra);
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
    return plan.artifactUri;
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
  if (args.register && infra.modelServerImageUri) {
    const arn = await registerModel(
      { sagemaker: aws.sagemaker, s3: aws.s3, log: io.err },
      {
        spec: ctx.spec,
        mode: args.mode,
        group: args.register,
        modelDataUrl: artifact,
        modelServerImageUri: infra.modelServerImageUri,
        trainingJobName: jobName,
      },
    );
    io.err(`registered model package ${arn} (PendingManualApproval)`);
    io.out(`${MODEL_PACKAGE_KEY}=${arn}`);
  }
  return artifact;
}
