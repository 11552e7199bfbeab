import { PLATFORM_SPEC, ssmParameterNames, type PlatformSpec } from '@dogbreed/platform-spec';
import { workspaceRoot } from '@dogbreed/workspace';
import { join } from 'node:path';
import { parseLaunchArgs, type RawOptions } from '../../src/args.js';
import type { LaunchContext } from '../../src/context.js';
import { effectiveHyperparameters } from '../../src/hyperparameters.js';
import type { InfraConfig } from '../../src/infra.js';
import { InterruptSignal, type Io } from '../../src/io.js';

export const FIXED_NOW = new Date('2026-11-24T12:34:56Z');

/** Infra values as the data, network and training stacks publish them (the serving stack's come later). */
export const TEST_INFRA: InfraConfig = {
  dataBucket: 'dogbreed-data-123456789012',
  modelBucket: 'dogbreed-models-123456789012',
  checkpointBucket: 'dogbreed-checkpoints-123456789012',
  trainingRoleArn: 'arn:aws:iam::123456789012:role/dogbreed-sagemaker-training',
  subnetIds: ['subnet-0aaa1111', 'subnet-0bbb2222'],
  securityGroupIds: ['sg-0ccc3333'],
  kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555',
  ec2InstanceId: 'i-0123456789abcdef0',
};

/** The same values keyed by their SSM parameter names. */
export function infraParameters(spec: PlatformSpec, infra: InfraConfig = TEST_INFRA): Record<string, string> {
  const n = ssmParameterNames(spec);
  return {
    [n.dataBucket]: infra.dataBucket,
    [n.modelBucket]: infra.modelBucket,
    [n.checkpointBucket]: infra.checkpointBucket,
    [n.trainingRoleArn]: infra.trainingRoleArn,
    [n.trainingSubnetIds]: infra.subnetIds.join(','),
    [n.trainingSecurityGroupId]: infra.securityGroupIds.join(','),
    ...(infra.kmsKeyArn ? { [n.kmsKeyArn]: infra.kmsKeyArn } : {}),
    ...(infra.ec2InstanceId ? { [n.ec2TrainingInstanceId]: infra.ec2InstanceId } : {}),
  };
}

export interface MemoryIo extends Io {
  stdout: string[];
  stderr: string[];
  answers: string[];
}

export function memoryIo(opts: { interactive?: boolean; answers?: string[] } = {}): MemoryIo {
  const io: MemoryIo = {
    stdout: [],
    stderr: [],
    answers: [...(opts.answers ?? [])],
    interactive: opts.interactive ?? false,
    out: (l) => io.stdout.push(l),
    err: (l) => io.stderr.push(l),
    ask: async (q) => {
      io.stderr.push(q);
      return io.answers.shift() ?? '';
    },
    now: () => FIXED_NOW,
  };
  return io;
}

/** An EC2 run of the default spec (two epochs) on TEST_INFRA: what the run command and its script are built from. */
export function ec2TestPlan() {
  return {
    spec: PLATFORM_SPEC,
    mode: 'single' as const,
    runId: 'single-1',
    instanceId: 'i-1',
    infra: TEST_INFRA,
    sourceUri: 's3://b/src.tar.gz',
    dataUri: 's3://d/dataset/',
    hyperparameters: effectiveHyperparameters(PLATFORM_SPEC.training.hyperparameters, { epochs: 2 }),
  };
}

export const TRAINING_DIR = join(workspaceRoot(), 'training');

export function testContext(spec: PlatformSpec, raw: RawOptions, io: Io = memoryIo()): LaunchContext {
  return {
    spec,
    args: parseLaunchArgs({ pollSeconds: '0.01', ...raw }),
    region: spec.project.region,
    trainingDir: TRAINING_DIR,
    io,
    interrupts: new InterruptSignal(),
  };
}
