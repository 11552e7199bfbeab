/**
 * The launcher's pure parts through their functions and `runCli`: argument validation, training log and SageMaker
 * progress lines, the EC2 run command, the local command, registration metrics and `--dry-run`. The EC2 script run
 * in bash is in tests/integration/ec2-script.test.ts.
 */
import { PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { describe, expect, it } from 'vitest';
import { assertRegisterIsASwitch, parseLaunchArgs } from './args.js';
import { runCli } from './cli.js';
import { buildSendCommandRequest, ec2Script, newOutputLines, shellQuote } from './ec2/request.js';
import { EXIT_CODES, UsageError } from './errors.js';
import { effectiveHyperparameters } from './hyperparameters.js';
import { InterruptSignal } from './io.js';
import { localCommand } from './local/command.js';
import { progressLines, type JobSnapshot } from './sagemaker/progress.js';
import { flattenMetrics } from './register.js';
import { formatMetricLine, LineSplitter, parseMetricLine } from './training-log.js';
import { ec2TestPlan, memoryIo, TEST_INFRA } from '../tests/support/helpers.js';

describe('argument validation', () => {
  it('names every bad flag', () => {
    expect(() => parseLaunchArgs({ target: 'local', epochs: '0', backbone: 'vgg' })).toThrow(UsageError);
    try {
      parseLaunchArgs({ target: 'local', epochs: '0', backbone: 'vgg' });
    } catch (err) {
      const msg = (err as Error).message;
      expect(msg).toContain('--epochs');
      expect(msg).toContain('--backbone');
    }
  });
  it('local needs both dirs', () => {
    expect(() => parseLaunchArgs({ target: 'local' })).toThrow(/--data-dir.*\n.*--model-dir/);
  });
  it('requires s3 weights for remote targets and refuses --register locally', () => {
    expect(() => parseLaunchArgs({ target: 'sagemaker', pretrainedWeights: '/tmp/w.pth' })).toThrow(
      /s3:\/\//,
    );
    expect(() => parseLaunchArgs({ target: 'local', dataDir: 'd', modelDir: 'm', register: true })).toThrow(
      /--register/,
    );
  });
  it('--register is a switch: a group after it (the old form) is a usage error naming the spec', async () => {
    for (const argv of [['--register', 'dogbreed-single'], ['--register=dogbreed-single']]) {
      expect(() => assertRegisterIsASwitch(argv)).toThrow(
        /--register takes no value.*ci\.modelRegistry\.groups/,
      );
      const io = memoryIo();
      const code = await runCli(['--target', 'sagemaker', ...argv, '--dry-run'], {
        io,
        env: {},
        interrupts: new InterruptSignal(),
      });
      expect(code).toBe(EXIT_CODES.usage);
      expect(io.stderr.join('\n')).toContain('--register takes no value');
    }
    expect(() => assertRegisterIsASwitch(['--register', '--mode', 'multi'])).not.toThrow();
    expect(parseLaunchArgs({ target: 'sagemaker', register: true }).register).toBe(true);
  });
  it('normalises the data prefix and coerces numbers', () => {
    const a = parseLaunchArgs({ target: 'sagemaker', dataPrefix: '/data/dogs', epochs: '3', lr: '0.01' });
    expect(a.dataPrefix).toBe('data/dogs/');
    expect(a.hyperparameters).toMatchObject({ epochs: 3, learningRate: 0.01 });
  });
});

describe('training log lines', () => {
  it('parses epoch and test lines, ignores the rest', () => {
    const l = parseMetricLine(
      '[default0]:epoch=3 train_loss=0.1234 train_acc=0.9000 val_loss=0.2345 val_acc=0.8800 images_per_sec=123.4',
    );
    expect(l).toEqual({
      epoch: 3,
      metrics: { train_loss: 0.1234, train_acc: 0.9, val_loss: 0.2345, val_acc: 0.88, images_per_sec: 123.4 },
    });
    expect(formatMetricLine(l ?? { metrics: {} }, 10)).toBe(
      '[epoch 3/10] train_loss=0.1234 train_acc=0.9 val_loss=0.2345 val_acc=0.88 images_per_sec=123.4',
    );
    expect(parseMetricLine('test_top1=0.91 test_top5=0.99')).toEqual({
      metrics: { test_top1: 0.91, test_top5: 0.99 },
    });
    expect(parseMetricLine('data: classes=3 train=18')).toBeUndefined();
  });
  it('splits chunks into whole lines', () => {
    const s = new LineSplitter();
    expect(s.push('a\nb')).toEqual(['a']);
    expect(s.push('c\r\nd')).toEqual(['bc']);
    expect(s.flush()).toEqual(['d']);
  });
});

describe('SageMaker progress lines', () => {
  it('reports status transitions, new secondary statuses and changed metrics once', () => {
    const a: JobSnapshot = {
      TrainingJobStatus: 'InProgress',
      SecondaryStatusTransitions: [
        { Status: 'Starting', StatusMessage: 'Preparing the instances', StartTime: new Date(0) },
      ],
    };
    const b: JobSnapshot = {
      ...a,
      SecondaryStatusTransitions: [
        ...(a.SecondaryStatusTransitions ?? []),
        { Status: 'Training', StatusMessage: 'Training image download completed', StartTime: new Date(0) },
      ],
      FinalMetricDataList: [{ MetricName: 'val:acc', Value: 0.812345 }],
    };
    expect(progressLines('j', undefined, a)).toEqual([
      '[j] status: - -> InProgress',
      '[j] Starting: Preparing the instances',
    ]);
    expect(progressLines('j', a, b)).toEqual([
      '[j] Training: Training image download completed',
      '[j] metrics: val:acc=0.8123',
    ]);
    expect(progressLines('j', b, b)).toEqual([]);
  });
});

describe('EC2 run command', () => {
  const plan = ec2TestPlan();
  it('runs train.py with the same flags and uploads model.tar.gz; timeout from the spec', () => {
    const req = buildSendCommandRequest(plan);
    expect(req.DocumentName).toBe('AWS-RunShellScript');
    expect(req.Parameters?.['executionTimeout']).toEqual([String(PLATFORM_SPEC.training.maxRuntimeSeconds)]);
    const script = ec2Script(plan).join('\n');
    expect(script).toContain('--epochs 2 --batch-size 32');
    expect(script).toContain(
      `aws s3 cp "$RUN/model.tar.gz" s3://${TEST_INFRA.modelBucket}/training-output/ec2-single/single-1/model.tar.gz`,
    );
  });
  it('quotes shell words and follows output line by line', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(newOutputLines(0, 'a\nb')).toEqual({ lines: ['a'], consumed: 2 });
    expect(newOutputLines(2, 'a\nbc\n')).toEqual({ lines: ['bc'], consumed: 5 });
    expect(newOutputLines(5, 'a\nbc\nd', true)).toEqual({ lines: ['d'], consumed: 6 });
  });
});

describe('local command', () => {
  it('uses torchrun for multi with the spec hyperparameters unless overridden', () => {
    const { args } = localCommand({
      python: 'py',
      trainingDir: '/t',
      mode: 'multi',
      dataDir: '/d',
      modelDir: '/m',
      processes: 3,
      hyperparameters: effectiveHyperparameters(PLATFORM_SPEC.training.hyperparameters, {
        backbone: 'tiny_cnn',
      }),
    });
    expect(args.slice(0, 4)).toEqual(['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=3']);
    expect(args).toContain('/t/train.py');
    expect(args.join(' ')).toContain(
      `--backbone tiny_cnn --epochs ${PLATFORM_SPEC.training.hyperparameters.epochs}`,
    );
  });
});

describe('registration metrics', () => {
  it('flattens numeric leaves of evaluation.json', () => {
    expect(flattenMetrics({ test_top1: 0.9, per_class: { pug: 1 }, names: ['a'], note: 'x' })).toEqual({
      test_top1: 0.9,
      'per_class.pug': 1,
    });
  });
});

describe('--dry-run', () => {
  it('prints the planned requests as JSON without credentials or AWS calls', async () => {
    const io = memoryIo();
    const code = await runCli(
      ['--target', 'sagemaker', '--mode', 'multi', '--dry-run', '--job-name', 'dry-1'],
      {
        io,
        env: { AWS_ACCESS_KEY_ID: undefined },
        interrupts: new InterruptSignal(),
        clients: () => {
          throw new Error('dry run must not create AWS clients');
        },
      },
    );
    expect(code).toBe(EXIT_CODES.ok);
    const out = JSON.parse(io.stdout.join('\n')) as {
      requests: { operation: string; input: Record<string, unknown> }[];
    };
    // Three channel listings, then the source key's listing (no HeadObject: it answers 403 to the CI roles).
    expect(out.requests.map((r) => r.operation)).toEqual([
      'S3:ListObjectsV2',
      'S3:ListObjectsV2',
      'S3:ListObjectsV2',
      'S3:ListObjectsV2',
      'S3:PutObject',
      'SageMaker:CreateTrainingJob',
    ]);
    expect(out.requests[3]?.input['Prefix']).toMatch(/^training-source\/[0-9a-f]{16}\/sourcedir\.tar\.gz$/);
    const create = out.requests[5]?.input ?? {};
    expect(create['TrainingJobName']).toBe('dry-1');
    expect(create['RoleArn']).toBe('{{resolve:ssm:/dogbreed/training/sagemaker-role-arn}}');
  });
  it('usage errors exit 2', async () => {
    const io = memoryIo();
    expect(await runCli(['--target', 'moon'], { io, env: {}, interrupts: new InterruptSignal() })).toBe(
      EXIT_CODES.usage,
    );
    expect(io.stderr.join('\n')).toContain("'moon' is invalid");
  });
});
