import { PLATFORM_SPEC, S3_PREFIXES } from '@dogbreed/platform-spec';
import {
  CreateTrainingJobCommand,
  DescribeTrainingJobCommand,
  ResourceLimitExceeded,
  SageMakerClient,
  SageMakerServiceException,
  StopTrainingJobCommand,
} from '@aws-sdk/client-sagemaker';
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from './cli.js';
import type { AwsClients } from './context.js';
import {
  CapacityError,
  EXIT_CODES,
  formatError,
  InstanceQuotaError,
  MissingChannelError,
  MissingCredentialsError,
  MissingInfraParameterError,
  RequestValidationError,
  toLauncherError,
} from './errors.js';
import { InterruptSignal } from './io.js';
import { launchSageMaker } from './sagemaker/launch.js';
import { infraParameters, memoryIo, testContext } from '../tests/support/helpers.js';

const sm = mockClient(SageMakerClient);
const s3 = mockClient(S3Client);
const ssm = mockClient(SSMClient);

function clients(): AwsClients {
  return {
    sagemaker: new SageMakerClient({ region: 'us-east-1' }),
    s3: new S3Client({ region: 'us-east-1' }),
    ssm: new SSMClient({ region: 'us-east-1' }),
    ec2: new EC2Client({ region: 'us-east-1' }),
  };
}

function accessDenied(): S3ServiceException {
  return new S3ServiceException({
    name: 'Forbidden',
    $fault: 'client',
    $metadata: { httpStatusCode: 403 },
    message: 'Forbidden',
  });
}

/** Infra published, dataset present, source not yet uploaded. */
function happyInfra(): void {
  const params = infraParameters(PLATFORM_SPEC);
  ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
    Parameters: input.Names.filter((n) => params[n]).map((n) => ({ Name: n, Value: params[n] })),
  }));
  s3.on(ListObjectsV2Command).resolves({ KeyCount: 1, Contents: [{ Key: 'x' }] });
  // What S3 answers a role without s3:ListBucket for a missing key: the launcher must never ask it this way.
  s3.on(HeadObjectCommand).rejects(accessDenied());
  s3.on(PutObjectCommand).resolves({});
}

async function launchExpectingError(): Promise<ReturnType<typeof toLauncherError>> {
  const ctx = testContext(PLATFORM_SPEC, { target: 'sagemaker', jobName: 'job-1' });
  try {
    await launchSageMaker(ctx, clients());
  } catch (err) {
    return toLauncherError(err);
  }
  throw new Error('expected launchSageMaker to fail');
}

beforeEach(() => {
  sm.reset();
  s3.reset();
  ssm.reset();
});

describe('SDK exceptions → launcher errors', () => {
  it('ResourceLimitExceeded (instance quota) → InstanceQuotaError, exit 5', async () => {
    happyInfra();
    sm.on(CreateTrainingJobCommand).rejects(
      new ResourceLimitExceeded({
        $metadata: {},
        message: 'The account-level service limit ml.g4dn.xlarge for training job usage is 0 Instances',
      }),
    );
    const err = await launchExpectingError();
    expect(err).toBeInstanceOf(InstanceQuotaError);
    expect(err.exitCode).toBe(EXIT_CODES.quota);
    expect(formatError(err)).toContain('ml.g4dn.xlarge for training job usage');
    expect(formatError(err)).toContain('Service Quotas');
  });

  it('ValidationException → RequestValidationError, exit 7', async () => {
    happyInfra();
    sm.on(CreateTrainingJobCommand).rejects(
      new SageMakerServiceException({
        name: 'ValidationException',
        $fault: 'client',
        $metadata: {},
        message: 'Role is not authorized',
      }),
    );
    const err = await launchExpectingError();
    expect(err).toBeInstanceOf(RequestValidationError);
    expect(err.exitCode).toBe(EXIT_CODES.validation);
  });

  it('a job failing with CapacityError → CapacityError, exit 6', async () => {
    happyInfra();
    sm.on(CreateTrainingJobCommand).resolves({
      TrainingJobArn: 'arn:aws:sagemaker:us-east-1:123456789012:training-job/job-1',
    });
    sm.on(DescribeTrainingJobCommand)
      .resolvesOnce({ TrainingJobStatus: 'InProgress', SecondaryStatus: 'Starting' })
      .resolves({
        TrainingJobStatus: 'Failed',
        SecondaryStatus: 'Failed',
        FailureReason: 'CapacityError: Unable to provision requested ML compute capacity.',
      });
    const err = await launchExpectingError();
    expect(err).toBeInstanceOf(CapacityError);
    expect(err.exitCode).toBe(EXIT_CODES.capacity);
  });

  it('missing dataset channels: names each, never creates the job (exit 4)', async () => {
    happyInfra();
    s3.on(ListObjectsV2Command).resolves({ KeyCount: 0 });
    s3.on(ListObjectsV2Command, { Prefix: `${S3_PREFIXES.datasets}train/` }).resolves({ KeyCount: 3 });
    const err = await launchExpectingError();
    expect(err).toBeInstanceOf(MissingChannelError);
    expect((err as MissingChannelError).channels).toEqual(['valid', 'test']);
    expect(err.exitCode).toBe(EXIT_CODES.missingInput);
    expect(sm.commandCalls(CreateTrainingJobCommand)).toHaveLength(0);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('infra not deployed (SSM parameters absent) → MissingInfraParameterError naming them', async () => {
    ssm.on(GetParametersCommand).resolves({ Parameters: [], InvalidParameters: ['/dogbreed/buckets/data'] });
    const err = await launchExpectingError();
    expect(err).toBeInstanceOf(MissingInfraParameterError);
    expect(err.message).toContain('/dogbreed/buckets/data');
    expect(err.message).toContain('/dogbreed/training/sagemaker-role-arn');
  });

  it('skips the upload when the source with the same hash is already in S3', async () => {
    happyInfra();
    // The listing of the source key finds exactly that key.
    s3.on(ListObjectsV2Command).callsFake((input: { Prefix: string }) => ({
      KeyCount: 1,
      Contents: [{ Key: input.Prefix, Size: 10 }],
    }));
    sm.on(CreateTrainingJobCommand).resolves({ TrainingJobArn: 'arn' });
    sm.on(DescribeTrainingJobCommand).resolves({
      TrainingJobStatus: 'Completed',
      ModelArtifacts: {
        S3ModelArtifacts:
          's3://dogbreed-models-123456789012/training-output/single/job-1/output/model.tar.gz',
      },
    });
    const ctx = testContext(PLATFORM_SPEC, { target: 'sagemaker', jobName: 'job-1' });
    await expect(launchSageMaker(ctx, clients())).resolves.toEqual({
      modelArtifact: 's3://dogbreed-models-123456789012/training-output/single/job-1/output/model.tar.gz',
    });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it.each([
    [{ name: 'ExpiredTokenException', message: 'expired' }, MissingCredentialsError],
    [{ name: 'InsufficientInstanceCapacity', message: 'no g4dn' }, CapacityError],
    [{ name: 'ParameterNotFound', message: '/x' }, MissingInfraParameterError],
  ])('maps %o', (raw, cls) => {
    expect(toLauncherError(Object.assign(new Error(raw.message), { name: raw.name }))).toBeInstanceOf(cls);
  });

  it('unknown errors keep their message, exit 1', () => {
    const err = toLauncherError(new Error('boom'));
    expect(err.exitCode).toBe(EXIT_CODES.unexpected);
    expect(err.message).toBe('boom');
  });
});

describe('S3 existence checks: ListObjectsV2 only, never the HeadObject that answers 403 to the CI roles', () => {
  it('checks the channels, the pretrained weights and the source by listing; a 403 HeadObject path is never taken', async () => {
    happyInfra();
    const weights = 's3://dogbreed-models-123456789012/pretrained/abc/w.pth';
    s3.on(ListObjectsV2Command).callsFake((input: { Prefix: string }) =>
      // The weights are there, the source is not (first run after a change under training/).
      input.Prefix.startsWith('pretrained/')
        ? { KeyCount: 1, Contents: [{ Key: input.Prefix, Size: 5 }] }
        : input.Prefix.startsWith('training-source/')
          ? { KeyCount: 1, Contents: [{ Key: `${input.Prefix}.old`, Size: 5 }] }
          : { KeyCount: 1, Contents: [{ Key: `${input.Prefix}a/1.png` }] },
    );
    sm.on(CreateTrainingJobCommand).resolves({ TrainingJobArn: 'arn' });
    sm.on(DescribeTrainingJobCommand).resolves({ TrainingJobStatus: 'Completed' });
    const ctx = testContext(PLATFORM_SPEC, {
      target: 'sagemaker',
      jobName: 'job-1',
      pretrainedWeights: weights,
    });
    await launchSageMaker(ctx, clients());
    expect(s3.commandCalls(HeadObjectCommand)).toHaveLength(0);
    const prefixes = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix);
    expect(prefixes).toContain('pretrained/abc/w.pth');
    expect(prefixes.some((p) => /^training-source\/[0-9a-f]{16}\/sourcedir\.tar\.gz$/.test(p ?? ''))).toBe(
      true,
    );
    // `<key>.old` shares the prefix but is not the key: the source is uploaded.
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  it('a pretrained weights key that only prefixes other keys counts as missing', async () => {
    happyInfra();
    s3.on(ListObjectsV2Command).callsFake((input: { Prefix: string }) => ({
      KeyCount: 1,
      Contents: [
        { Key: input.Prefix.startsWith('pretrained/') ? `${input.Prefix}.partial` : `${input.Prefix}x` },
      ],
    }));
    const ctx = testContext(PLATFORM_SPEC, {
      target: 'sagemaker',
      jobName: 'job-1',
      pretrainedWeights: 's3://dogbreed-models-123456789012/pretrained/abc/w.pth',
    });
    const err = await launchSageMaker(ctx, clients()).catch((e: unknown) => toLauncherError(e));
    expect(err).toBeInstanceOf(MissingChannelError);
    expect((err as MissingChannelError).channels).toEqual(['pretrained']);
    expect(s3.commandCalls(HeadObjectCommand)).toHaveLength(0);
  });
});

describe('Ctrl-C while following a job', () => {
  function interruptedRun(io: ReturnType<typeof memoryIo>) {
    happyInfra();
    sm.on(CreateTrainingJobCommand).resolves({ TrainingJobArn: 'arn' });
    const ctx = {
      ...testContext(PLATFORM_SPEC, { target: 'sagemaker', jobName: 'job-1' }, io),
      interrupts: new InterruptSignal(),
    };
    let describes = 0;
    sm.on(DescribeTrainingJobCommand).callsFake(() => {
      describes += 1;
      if (describes === 1) ctx.interrupts.trigger();
      const stopped = sm.commandCalls(StopTrainingJobCommand).length > 0;
      return stopped && describes > 2
        ? { TrainingJobStatus: 'Stopped' }
        : { TrainingJobStatus: stopped ? 'Stopping' : 'InProgress' };
    });
    return launchSageMaker(ctx, clients()).catch((e: unknown) => toLauncherError(e));
  }

  it('without a TTY (CI cancelling the run): stops the job, says so, exits 130 without waiting', async () => {
    const io = memoryIo({ interactive: false });
    const err = await interruptedRun(io);
    expect(err).toMatchObject({ exitCode: EXIT_CODES.interrupted });
    expect(sm.commandCalls(StopTrainingJobCommand).map((c) => c.args[0].input)).toEqual([
      { TrainingJobName: 'job-1' },
    ]);
    expect(formatError(err as never)).toContain('stop requested for training job job-1');
    expect(io.stderr).toContain('[job-1] interrupted without a TTY: stopping the training job');
    expect(io.stderr.some((l) => l.includes('[y/N]'))).toBe(false);
  });

  it('without a TTY, when StopTrainingJob fails: exits 130 and prints the stop command', async () => {
    sm.on(StopTrainingJobCommand).rejects(new Error('session expired'));
    const err = await interruptedRun(memoryIo({ interactive: false }));
    expect(err).toMatchObject({ exitCode: EXIT_CODES.interrupted });
    expect(formatError(err as never)).toContain('aws sagemaker stop-training-job --training-job-name job-1');
  });

  it('on a TTY, answering y stops the job and waits until it stopped', async () => {
    const io = memoryIo({ interactive: true, answers: ['y'] });
    const err = await interruptedRun(io);
    expect(sm.commandCalls(StopTrainingJobCommand)).toHaveLength(1);
    expect(err).toMatchObject({
      exitCode: EXIT_CODES.interrupted,
      message: 'Training job job-1 stopped at your request.',
    });
    expect(io.stderr).toContain('Stop training job job-1? [y/N] ');
  });
});

describe('missing credentials (the real SDK provider chain)', () => {
  beforeEach(() => {
    for (const k of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_PROFILE',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    ]) {
      vi.stubEnv(k, undefined);
    }
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/credentials');
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/config');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  });
  afterEach(() => vi.unstubAllEnvs());

  it('CredentialsProviderError → a clear message and exit 3', async () => {
    ssm.restore();
    try {
      const io = memoryIo();
      const code = await runCli(['--target', 'sagemaker', '--job-name', 'job-1'], {
        io,
        env: process.env,
        interrupts: new InterruptSignal(),
      });
      expect(code).toBe(EXIT_CODES.credentials);
      expect(io.stderr.join('\n')).toContain('No AWS credentials found.');
      expect(io.stdout).toEqual([]);
    } finally {
      mockClient(SSMClient);
    }
  });
});
