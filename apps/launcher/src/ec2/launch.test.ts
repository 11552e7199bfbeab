/**
 * The whole EC2 flow with aws-sdk-client-mock, through runCli (exit code, stdout result line, stderr progress):
 * infra from SSM → dataset check + source upload (S3) → instance start / wait → SSM agent online → SendCommand
 * → GetCommandInvocation until terminal → MODEL_ARTIFACT. Every mocked call is appended to `calls`, so the tests
 * assert the order of the calls, not only that they happened. Polls are 1 ms apart (`--poll-seconds 0.001`);
 * timeouts are driven by the Io clock (`io.now()`), never by real time.
 */
import { parseLaunchResult, PLATFORM_SPEC, ssmParameterNames } from '@dogbreed/platform-spec';
import {
  DescribeInstancesCommand,
  EC2Client,
  EC2ServiceException,
  StartInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  GetParametersCommand,
  SendCommandCommand,
  SSMClient,
  SSMServiceException,
  type CommandInvocationStatus,
  type GetCommandInvocationCommandOutput,
  type SendCommandCommandInput,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli.js';
import type { AwsClients } from '../context.js';
import { EC2_READY_TIMEOUT_SECONDS } from './launch.js';
import { EXIT_CODES } from '../errors.js';
import { InterruptSignal } from '../io.js';
import {
  FIXED_NOW,
  infraParameters,
  memoryIo,
  TEST_INFRA,
  type MemoryIo,
} from '../../tests/support/helpers.js';

const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);
const s3 = mockClient(S3Client);

const ID = TEST_INFRA.ec2InstanceId ?? '';
const RUN = 'run-1';
const CMD = '11111111-2222-3333-4444-555555555555';
const ARTIFACT = `s3://${TEST_INFRA.modelBucket}/training-output/ec2-single/${RUN}/model.tar.gz`;
const ARGS = ['--target', 'ec2', '--job-name', RUN, '--epochs', '2', '--poll-seconds', '0.001'];

/** Every AWS call the flow made, in order, as `Service:Operation`. */
let calls: string[];

function clients(): AwsClients {
  return {
    sagemaker: new SageMakerClient({ region: 'us-east-1' }),
    s3: new S3Client({ region: 'us-east-1' }),
    ssm: new SSMClient({ region: 'us-east-1' }),
    ec2: new EC2Client({ region: 'us-east-1' }),
  };
}

/** Returns the answers in order, repeating the last one; a function answer is called (throw = reject). */
function sequence<T>(name: string, answers: (T | (() => T))[]): () => T {
  let i = 0;
  return () => {
    calls.push(name);
    const a = answers[Math.min(i, answers.length - 1)];
    i += 1;
    return typeof a === 'function' ? (a as () => T)() : (a as T);
  };
}

function ssmError(name: string, message: string): SSMServiceException {
  return new SSMServiceException({ name, $fault: 'client', $metadata: {}, message });
}

function ec2Error(name: string, message: string): EC2ServiceException {
  return new EC2ServiceException({ name, $fault: 'client', $metadata: {}, message });
}

const states = (...names: string[]) =>
  names.map((n) => ({ Reservations: [{ Instances: [{ InstanceId: ID, State: { Name: n } }] }] }));
const pings = (...p: (string | undefined)[]) =>
  p.map((s) => ({ InstanceInformationList: s ? [{ InstanceId: ID, PingStatus: s }] : [] }));

/** Infra published (instance id included), dataset present, source not yet uploaded. */
function infra(params: Record<string, string> = infraParameters(PLATFORM_SPEC)): void {
  ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => {
    calls.push('SSM:GetParameters');
    return {
      Parameters: input.Names.filter((n) => params[n]).map((n) => ({ Name: n, Value: params[n] })),
      InvalidParameters: input.Names.filter((n) => !params[n]),
    };
  });
  s3.on(ListObjectsV2Command).callsFake(() => {
    calls.push('S3:ListObjectsV2');
    return { KeyCount: 1, Contents: [{ Key: 'x' }] };
  });
  s3.on(HeadObjectCommand).callsFake(() => {
    calls.push('S3:HeadObject');
    throw Object.assign(new Error('Not Found'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
  });
  s3.on(PutObjectCommand).callsFake(() => {
    calls.push('S3:PutObject');
    return {};
  });
}

interface Scenario {
  states?: ReturnType<typeof states>;
  pings?: ReturnType<typeof pings>;
  invocations?: (GetCommandInvocationCommandOutput | (() => GetCommandInvocationCommandOutput))[];
}

function scenario(s: Scenario): void {
  infra();
  ec2
    .on(DescribeInstancesCommand)
    .callsFake(sequence('EC2:DescribeInstances', s.states ?? states('running')));
  ec2.on(StartInstancesCommand).callsFake(sequence('EC2:StartInstances', [{}]));
  ec2.on(StopInstancesCommand).callsFake(sequence('EC2:StopInstances', [{}]));
  ssm
    .on(DescribeInstanceInformationCommand)
    .callsFake(sequence('SSM:DescribeInstanceInformation', s.pings ?? pings('Online')));
  ssm.on(SendCommandCommand).callsFake(sequence('SSM:SendCommand', [{ Command: { CommandId: CMD } }]));
  ssm.on(CancelCommandCommand).callsFake(sequence('SSM:CancelCommand', [{}]));
  ssm
    .on(GetCommandInvocationCommand)
    .callsFake(sequence('SSM:GetCommandInvocation', s.invocations ?? [success('')]));
}

function success(out: string): GetCommandInvocationCommandOutput {
  return {
    $metadata: {},
    Status: 'Success',
    StatusDetails: 'Success',
    ResponseCode: 0,
    StandardOutputContent: out,
  };
}

const notYet = (): never => {
  throw ssmError('InvocationDoesNotExist', 'An error occurred (InvocationDoesNotExist)');
};

async function cli(
  io: MemoryIo = memoryIo(),
  interrupts = new InterruptSignal(),
  extra: string[] = [],
): Promise<number> {
  return runCli([...ARGS, ...extra], { io, env: process.env, interrupts, clients });
}

/** The calls after the source upload: what the flow did to the instance and the command. */
const instanceCalls = (): string[] => calls.slice(calls.indexOf('S3:PutObject') + 1);

beforeEach(() => {
  calls = [];
  ec2.reset();
  ssm.reset();
  s3.reset();
});

describe('EC2 target: the whole flow (aws-sdk-client-mock)', () => {
  it('stopped instance: starts it, waits for running and the SSM agent, runs, follows, stops it, reports the artifact', async () => {
    const epoch1 =
      'epoch=1 train_loss=0.9000 train_acc=0.5000 val_loss=0.8000 val_acc=0.5500 images_per_sec=12.5\n';
    const epoch2 =
      'epoch=2 train_loss=0.5000 train_acc=0.7000 val_loss=0.6000 val_acc=0.7000 images_per_sec=13.0\n';
    scenario({
      states: states('stopped', 'pending', 'running'),
      pings: pings(undefined, 'ConnectionLost', 'Online'),
      invocations: [
        notYet,
        { $metadata: {}, Status: 'Pending', ResponseCode: -1 },
        {
          $metadata: {},
          Status: 'InProgress',
          ResponseCode: -1,
          StandardOutputContent: `${epoch1}epoch=2 tra`,
        },
        {
          $metadata: {},
          Status: 'InProgress',
          ResponseCode: -1,
          StandardOutputContent: `${epoch1}${epoch2}`,
        },
        success(`${epoch1}${epoch2}test_top1=0.91 test_top5=0.99\nMODEL_ARTIFACT=${ARTIFACT}`),
      ],
    });
    const io = memoryIo();
    const resultFile = join(mkdtempSync(join(tmpdir(), 'launcher-ec2-')), 'result.json');

    const code = await cli(io, new InterruptSignal(), ['--result-file', resultFile]);

    expect(io.stderr.join('\n')).not.toContain('error:');
    expect(code).toBe(EXIT_CODES.ok);
    expect(io.stdout).toEqual([`MODEL_ARTIFACT=${ARTIFACT}`]);
    // The result as data, for the program that started the run (the deploy workflow reads it with the same schema).
    expect(parseLaunchResult(readFileSync(resultFile, 'utf8'), resultFile)).toEqual({
      target: 'ec2',
      mode: 'single',
      modelArtifact: ARTIFACT,
    });
    rmSync(dirname(resultFile), { recursive: true, force: true });
    expect(calls.slice(0, 2)).toEqual(['SSM:GetParameters', 'S3:ListObjectsV2']);
    expect(instanceCalls()).toEqual([
      'EC2:DescribeInstances', // stopped
      'EC2:StartInstances',
      'EC2:DescribeInstances', // pending
      'EC2:DescribeInstances', // running
      'SSM:DescribeInstanceInformation', // not registered
      'SSM:DescribeInstanceInformation', // ConnectionLost
      'SSM:DescribeInstanceInformation', // Online
      'SSM:SendCommand',
      'SSM:GetCommandInvocation', // InvocationDoesNotExist
      'SSM:GetCommandInvocation', // Pending
      'SSM:GetCommandInvocation', // InProgress, epoch 2 half written
      'SSM:GetCommandInvocation', // InProgress
      'SSM:GetCommandInvocation', // Success
      'EC2:StopInstances', // it was stopped before the run
    ]);
    expect(ec2.commandCalls(StartInstancesCommand)[0]?.args[0].input).toEqual({ InstanceIds: [ID] });
    expect(ec2.commandCalls(StopInstancesCommand)[0]?.args[0].input).toEqual({ InstanceIds: [ID] });
    expect(ssm.commandCalls(DescribeInstanceInformationCommand)[0]?.args[0].input).toEqual({
      Filters: [{ Key: 'InstanceIds', Values: [ID] }],
    });
    // The command: the instance id from SSM, AWS-RunShellScript, a script that prints the artifact it reports.
    const sent = ssm.commandCalls(SendCommandCommand)[0]?.args[0].input as SendCommandCommandInput;
    expect(sent.DocumentName).toBe('AWS-RunShellScript');
    expect(sent.InstanceIds).toEqual([ID]);
    expect(sent.Parameters?.['commands']?.at(-1)).toBe(`echo MODEL_ARTIFACT=${ARTIFACT}`);
    expect(sent.Parameters?.['commands']?.join('\n')).toMatch(
      new RegExp(
        `aws s3 cp s3://${TEST_INFRA.modelBucket}/training-source/[0-9a-f]{16}/sourcedir\\.tar\\.gz`,
      ),
    );
    for (const call of ssm.commandCalls(GetCommandInvocationCommand)) {
      expect(call.args[0].input).toEqual({ CommandId: CMD, InstanceId: ID });
    }
    // Progress: each output line once (the output is cumulative), one summary per epoch, status transitions.
    const err = io.stderr;
    expect(err).toContain(`starting ${ID}`);
    expect(err).toContain(`waiting for the SSM agent on ${ID}`);
    expect(err).toContain(`waiting for the SSM agent on ${ID} (ConnectionLost)`);
    expect(err).toContain(`sent command ${CMD} to ${ID} (run ${RUN})`);
    expect(err.filter((l) => l === `  | ${epoch1.trim()}`)).toHaveLength(1);
    expect(err.filter((l) => l === `  | ${epoch2.trim()}`)).toHaveLength(1);
    expect(err.filter((l) => l.startsWith('[epoch 1/2] '))).toEqual([
      '[epoch 1/2] train_loss=0.9 train_acc=0.5 val_loss=0.8 val_acc=0.55 images_per_sec=12.5',
    ]);
    expect(err.filter((l) => l.startsWith('[epoch 2/2] '))).toHaveLength(1);
    expect(err).toContain('[test] test_top1=0.91 test_top5=0.99');
    expect(err).toContain(`  | MODEL_ARTIFACT=${ARTIFACT}`);
    expect(err.filter((l) => l.startsWith(`[${CMD}] status:`))).toEqual([
      `[${CMD}] status: - -> Pending`,
      `[${CMD}] status: Pending -> InProgress`,
      `[${CMD}] status: InProgress -> Success`,
    ]);
    expect(err).toContain(`stopping ${ID} (it was stopped before this run)`);
  });

  it('instance already running with its agent online: no start, no stop', async () => {
    scenario({ states: states('running'), pings: pings('Online'), invocations: [success('done\n')] });
    const io = memoryIo();

    const code = await cli(io);

    expect(code).toBe(EXIT_CODES.ok);
    expect(io.stdout).toEqual([`MODEL_ARTIFACT=${ARTIFACT}`]);
    expect(instanceCalls()).toEqual([
      'EC2:DescribeInstances',
      'SSM:DescribeInstanceInformation',
      'SSM:SendCommand',
      'SSM:GetCommandInvocation',
    ]);
  });

  it('instance still stopping (a previous run): waits until stopped, then starts it', async () => {
    scenario({ states: states('stopping', 'stopping', 'stopped', 'pending', 'running') });
    const io = memoryIo();

    const code = await cli(io);

    expect(code).toBe(EXIT_CODES.ok);
    expect(instanceCalls().slice(0, 6)).toEqual([
      'EC2:DescribeInstances', // stopping
      'EC2:DescribeInstances', // stopping
      'EC2:DescribeInstances', // stopped
      'EC2:StartInstances',
      'EC2:DescribeInstances', // pending
      'EC2:DescribeInstances', // running
    ]);
    expect(instanceCalls().at(-1)).toBe('EC2:StopInstances');
  });

  it('SSM agent never online: a clear error after the ready timeout, nothing sent, the instance stopped again', async () => {
    scenario({ states: states('stopped', 'running'), pings: pings(undefined) });
    const base = memoryIo();
    let t = FIXED_NOW.getTime();
    const io: MemoryIo = { ...base, now: () => new Date((t += 60_000)) }; // a minute passes per clock read

    const code = await cli(io);

    expect(code).toBe(EXIT_CODES.trainingFailed);
    const text = io.stderr.join('\n');
    expect(text).toContain(
      `error: the SSM agent on ${ID} did not come online (last ping status: not registered) within ${EC2_READY_TIMEOUT_SECONDS}s; nothing was sent to ${ID}.`,
    );
    expect(text).toContain('AmazonSSMManagedInstanceCore');
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
    expect(ssm.commandCalls(DescribeInstanceInformationCommand).length).toBeGreaterThan(1);
    expect(instanceCalls().at(-1)).toBe('EC2:StopInstances');
    expect(io.stdout).toEqual([]);
  });

  it('instance stuck pending: the same timeout, naming the state', async () => {
    scenario({ states: states('pending') });
    let t = FIXED_NOW.getTime();
    const io: MemoryIo = { ...memoryIo(), now: () => new Date((t += 60_000)) };

    const code = await cli(io);

    expect(code).toBe(EXIT_CODES.trainingFailed);
    expect(io.stderr.join('\n')).toContain(
      `error: instance ${ID} did not reach running (last state: pending) within ${EC2_READY_TIMEOUT_SECONDS}s`,
    );
    expect(ssm.commandCalls(DescribeInstanceInformationCommand)).toHaveLength(0);
    expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(0); // not started by us
  });

  it('terminated instance: clear error, nothing started or sent', async () => {
    scenario({ states: states('terminated') });
    const io = memoryIo();

    const code = await cli(io);

    expect(code).toBe(EXIT_CODES.trainingFailed);
    expect(io.stderr.join('\n')).toContain(`error: instance ${ID} is terminated`);
    expect(instanceCalls()).toEqual(['EC2:DescribeInstances']);
  });

  it.each([
    ['Failed', 'Failed', 1],
    ['TimedOut', 'ExecutionTimedOut', -1],
    ['Cancelled', 'Cancelled', -1],
  ])(
    'command %s: exit 8 with the status and the tail of its stderr; the instance is stopped again',
    async (status, details, responseCode) => {
      const stderr = Array.from({ length: 8 }, (_, i) => `stderr line ${i + 1}`).join('\n');
      scenario({
        states: states('stopped', 'running'),
        invocations: [
          {
            $metadata: {},
            Status: 'InProgress',
            ResponseCode: -1,
            StandardOutputContent: 'epoch=1 val_acc=0.5\n',
          },
          {
            $metadata: {},
            Status: status as CommandInvocationStatus,
            StatusDetails: details,
            ResponseCode: responseCode,
            StandardOutputContent: 'epoch=1 val_acc=0.5\n',
            StandardErrorContent: `${stderr}\n`,
          },
        ],
      });
      const io = memoryIo();

      const code = await cli(io);

      expect(code).toBe(EXIT_CODES.trainingFailed);
      expect(io.stdout).toEqual([]);
      const text = io.stderr.join('\n');
      const detail = [details !== status ? details : '', responseCode >= 0 ? `exit ${responseCode}` : '']
        .filter(Boolean)
        .join(', ');
      expect(text).toContain(
        `error: EC2 training ${status}${detail ? ` (${detail})` : ''}: stderr line 4 | stderr line 5 | stderr line 6 | stderr line 7 | stderr line 8`,
      );
      expect(text).not.toContain('stderr line 3');
      expect(text).toContain(
        `hint: full output: aws ssm get-command-invocation --command-id ${CMD} --instance-id ${ID}`,
      );
      expect(instanceCalls().at(-1)).toBe('EC2:StopInstances');
    },
  );

  it('missing SSM parameter for the instance id: exit 4 naming it; nothing uploaded, started or sent', async () => {
    const params = infraParameters(PLATFORM_SPEC, { ...TEST_INFRA, ec2InstanceId: undefined });
    const name = ssmParameterNames(PLATFORM_SPEC).ec2TrainingInstanceId;
    expect(params[name]).toBeUndefined();
    scenario({});
    infra(params);
    const io = memoryIo();

    const code = await cli(io);

    expect(code).toBe(EXIT_CODES.missingInput);
    expect(io.stderr.join('\n')).toContain(`error: SSM parameter(s) not found: ${name}`);
    expect(io.stderr.join('\n')).toContain('Deploy the infra stacks first');
    expect(calls.every((c) => c === 'SSM:GetParameters')).toBe(true);
  });

  it('Ctrl-C without a TTY while the command runs: the training and the instance keep running', async () => {
    const interrupts = new InterruptSignal();
    scenario({
      states: states('stopped', 'running'),
      invocations: [
        () => {
          interrupts.trigger();
          return { $metadata: {}, Status: 'InProgress', ResponseCode: -1 };
        },
      ],
    });
    const io = memoryIo({ interactive: false });

    const code = await cli(io, interrupts);

    expect(code).toBe(EXIT_CODES.interrupted);
    expect(io.stderr.join('\n')).toContain(`aws ssm cancel-command --command-id ${CMD}`);
    expect(ssm.commandCalls(CancelCommandCommand)).toHaveLength(0);
    expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(0);
  });

  it('Ctrl-C on a TTY, answering y: cancels the command and stops the instance it started', async () => {
    const interrupts = new InterruptSignal();
    scenario({
      states: states('stopped', 'running'),
      invocations: [
        () => {
          interrupts.trigger();
          return { $metadata: {}, Status: 'InProgress', ResponseCode: -1 };
        },
      ],
    });
    const io = memoryIo({ interactive: true, answers: ['y'] });

    const code = await cli(io, interrupts);

    expect(code).toBe(EXIT_CODES.interrupted);
    expect(instanceCalls().slice(-2)).toEqual(['SSM:CancelCommand', 'EC2:StopInstances']);
    expect(ssm.commandCalls(CancelCommandCommand)[0]?.args[0].input).toEqual({
      CommandId: CMD,
      InstanceIds: [ID],
    });
  });
});

describe('EC2 target: SDK errors mapped like the rest of the CLI', () => {
  it('no credentials (the first SSM call) → exit 3, no other call', async () => {
    scenario({});
    ssm.on(GetParametersCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    const io = memoryIo();

    const code = await cli(io);

    expect(code).toBe(EXIT_CODES.credentials);
    expect(io.stderr.join('\n')).toContain('error: No AWS credentials found.');
    expect(calls).toEqual([]);
  });

  it('EC2 AuthFailure (invalid key) on DescribeInstances → exit 3', async () => {
    scenario({});
    ec2
      .on(DescribeInstancesCommand)
      .rejects(ec2Error('AuthFailure', 'AWS was not able to validate the provided access credentials'));
    const io = memoryIo();

    const code = await cli(io);

    expect(code).toBe(EXIT_CODES.credentials);
    expect(io.stderr.join('\n')).toContain('error: No AWS credentials found.');
  });

  it('EC2 UnauthorizedOperation on StartInstances → "Access denied" with a hint, exit 1', async () => {
    scenario({ states: states('stopped') });
    ec2
      .on(StartInstancesCommand)
      .rejects(ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    const io = memoryIo();

    const code = await cli(io);

    expect(code).toBe(EXIT_CODES.unexpected);
    const text = io.stderr.join('\n');
    expect(text).toContain('error: Access denied: You are not authorized to perform this operation.');
    expect(text).toContain('hint: The AWS identity in use lacks a permission');
    expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(0); // never started
  });

  it('SSM AccessDeniedException on SendCommand → "Access denied", exit 1; the started instance is stopped', async () => {
    scenario({ states: states('stopped', 'running') });
    ssm
      .on(SendCommandCommand)
      .rejects(
        ssmError(
          'AccessDeniedException',
          'User: arn:aws:sts::123456789012:assumed-role/ci/x is not authorized to perform: ssm:SendCommand',
        ),
      );
    const io = memoryIo();

    const code = await cli(io);

    expect(code).toBe(EXIT_CODES.unexpected);
    expect(io.stderr.join('\n')).toContain(
      'error: Access denied: User: arn:aws:sts::123456789012:assumed-role/ci/x',
    );
    expect(instanceCalls().at(-1)).toBe('EC2:StopInstances');
  });

  it('a failing StopInstances during cleanup does not hide the original error', async () => {
    scenario({
      states: states('stopped', 'running'),
      invocations: [{ $metadata: {}, Status: 'Failed', ResponseCode: 2, StandardErrorContent: 'CUDA error' }],
    });
    ec2.on(StopInstancesCommand).rejects(ec2Error('IncorrectInstanceState', 'cannot stop now'));
    const io = memoryIo();

    const code = await cli(io);

    expect(code).toBe(EXIT_CODES.trainingFailed);
    expect(io.stderr).toContain(`warning: could not stop ${ID}: cannot stop now`);
    expect(io.stderr.join('\n')).toContain('error: EC2 training Failed (exit 2): CUDA error');
  });
});
