/**
 * The command line: `--target sagemaker|ec2|local` launches training; `upload-dataset` puts the dataset where
 * training reads it; `stop` stops a training job (CI's clean-up after a cancelled run). Parses, validates,
 * dispatches, and maps every failure to an exit code.
 */
import {
  formatLaunchResult,
  loadPlatformSpec,
  S3_PREFIXES,
  type LaunchResult,
} from '@dogbreed/platform-spec';
import { Command, CommanderError, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import {
  assertRegisterIsASwitch,
  LauncherBackbone,
  parseCommandArgs,
  parseLaunchArgs,
  StopArgsSchema,
  UploadDatasetArgsSchema,
  type LaunchArgs,
  type RawOptions,
} from './args.js';
import { createAwsClients } from './clients.js';
import type { AwsClients, LaunchContext, PlannedRequest } from './context.js';
import { uploadDataset } from './dataset.js';
import { dryRunEc2, launchEc2 } from './ec2/launch.js';
import { EXIT_CODES, formatError, toLauncherError, UsageError } from './errors.js';
import { InterruptSignal, type Io } from './io.js';
import { localCommand } from './local/command.js';
import { planLocal, runLocal } from './local/run.js';
import { trainingDir } from './paths.js';
import { dryRunSageMaker, launchSageMaker } from './sagemaker/launch.js';
import { stopResultLine, stopTrainingJob } from './stop.js';

/** Prefix of the final stdout line, per target kind: for people; programs read `--result-file`. */
export const RESULT_KEYS = { local: 'MODEL_DIR', remote: 'MODEL_ARTIFACT', dataset: 'DATASET' } as const;

/** The commands besides launching (the first word of the command line). */
export const COMMANDS = { uploadDataset: 'upload-dataset', stop: 'stop' } as const;

const OUTPUT = {
  writeOut: (s: string) => process.stdout.write(s),
  writeErr: (s: string) => process.stderr.write(s),
  outputError: () => undefined,
};

export interface CliDeps {
  io: Io;
  env: NodeJS.ProcessEnv;
  interrupts: InterruptSignal;
  clients?: (region: string) => AwsClients;
}

export function buildProgram(): Command {
  return new Command('dogbreed-train')
    .description('Launch dog-breed classifier training on SageMaker, plain EC2, or here.')
    .addOption(
      new Option('--target <target>', 'where to train')
        .choices(['sagemaker', 'ec2', 'local'])
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--mode <mode>', 'single- or multi-instance (local: multi-process)')
        .choices(['single', 'multi'])
        .default('single'),
    )
    .option('--data-dir <dir>', 'local: ImageFolder dataset with train/ valid/ test/')
    .option('--model-dir <dir>', 'local: where model.onnx + metadata.json are written')
    .option(
      '--data-prefix <prefix>',
      'sagemaker/ec2: key prefix of train/ valid/ test/ in the data bucket',
      S3_PREFIXES.datasets,
    )
    .option('--epochs <n>', 'override the spec')
    .option('--backbone <name>', `${LauncherBackbone.options.join(' | ')} (default: the spec)`)
    .option('--image-size <n>', 'override the spec')
    .option('--batch-size <n>', 'override the spec')
    .option('--lr <f>', 'learning rate (default: the spec)')
    .option('--max-steps-per-epoch <n>', 'cap the steps per epoch (quick runs)')
    .option('--processes <n>', 'multi mode: processes per node (local default 2, ec2 default one per GPU)')
    .option('--pretrained-weights <uri>', 's3:// URI (sagemaker/ec2) or a path (local) of backbone weights')
    .option('--job-name <name>', 'training job name / run id (default: <project>-<mode>-<timestamp>)')
    .option('--region <region>', 'AWS region (default: the spec)')
    .option(
      '--register',
      "register the model (PendingManualApproval) in the spec's model package group for --mode (ci.modelRegistry.groups)",
    )
    .option('--result-file <path>', 'write the result (model dir, or artifact and package) here as JSON')
    .option('--poll-seconds <n>', 'seconds between status polls', '30')
    .option('--no-wait', 'sagemaker: create the job and return without following it')
    .option('--dry-run', 'print the exact API requests as JSON and call nothing')
    .addHelpText(
      'after',
      `\nOther commands (each has --help):\n  ${COMMANDS.uploadDataset} --dir DIR   upload an ImageFolder dataset (train/ valid/ test/) to the data bucket\n  ${COMMANDS.stop} --job-name NAME   stop a SageMaker training job (idempotent)`,
    )
    .exitOverride()
    .configureOutput(OUTPUT);
}

export function buildUploadDatasetProgram(): Command {
  return new Command(`dogbreed-train ${COMMANDS.uploadDataset}`)
    .description(
      'Upload an ImageFolder dataset (DIR/train|valid|test/<class>/<image>) to the data bucket, where training reads it; files already there with the same size are skipped.',
    )
    .requiredOption('--dir <dir>', 'the dataset folder')
    .option('--data-prefix <prefix>', 'key prefix in the data bucket', S3_PREFIXES.datasets)
    .option('--region <region>', 'AWS region (default: the spec)')
    .option('--dry-run', 'read the bucket name and what is there, print the plan, upload nothing')
    .exitOverride()
    .configureOutput(OUTPUT);
}

export function buildStopProgram(): Command {
  return new Command(`dogbreed-train ${COMMANDS.stop}`)
    .description(
      'Stop a SageMaker training job; a job that already ended or does not exist is reported, not an error.',
    )
    .requiredOption('--job-name <name>', 'the training job')
    .option('--region <region>', 'AWS region (default: the spec)')
    .exitOverride()
    .configureOutput(OUTPUT);
}

/** Commander's parse; help and version end the run with 0 (undefined), other parse errors are usage errors. */
function parseWith<T>(program: Command, argv: string[]): T | undefined {
  try {
    return program.parse(argv, { from: 'user' }).opts<T & object>();
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return undefined;
      throw new UsageError(err.message.replace(/^error: /, ''));
    }
    throw err;
  }
}

async function runCommand(command: string, argv: string[], deps: CliDeps): Promise<number> {
  const { io } = deps;
  const clientsFor = deps.clients ?? ((r: string) => createAwsClients(r, deps.env));
  const spec = loadPlatformSpec(deps.env);
  if (command === COMMANDS.uploadDataset) {
    const raw = parseWith<Record<string, unknown>>(buildUploadDatasetProgram(), argv);
    if (!raw) return EXIT_CODES.ok;
    const args = parseCommandArgs(UploadDatasetArgsSchema, raw);
    const aws = clientsFor(args.region ?? spec.project.region);
    const target = await uploadDataset(aws, {
      spec,
      dir: args.dir,
      prefix: args.dataPrefix,
      dryRun: args.dryRun,
      io,
      interrupts: deps.interrupts,
    });
    io.out(`${RESULT_KEYS.dataset}=${target}`);
    return EXIT_CODES.ok;
  }
  const raw = parseWith<Record<string, unknown>>(buildStopProgram(), argv);
  if (!raw) return EXIT_CODES.ok;
  const args = parseCommandArgs(StopArgsSchema, raw);
  const aws = clientsFor(args.region ?? spec.project.region);
  io.out(stopResultLine(await stopTrainingJob(aws.sagemaker, args.jobName, io)));
  return EXIT_CODES.ok;
}

async function dryRun(ctx: LaunchContext, env: NodeJS.ProcessEnv): Promise<PlannedRequest[]> {
  switch (ctx.args.target) {
    case 'sagemaker':
      return dryRunSageMaker(ctx);
    case 'ec2':
      return dryRunEc2(ctx);
    case 'local': {
      const plan = planLocal(ctx, env);
      return [{ operation: 'spawn', input: localCommand(plan) }];
    }
  }
}

async function launch(
  ctx: LaunchContext,
  clients: () => AwsClients,
  env: NodeJS.ProcessEnv,
): Promise<LaunchResult> {
  const { mode } = ctx.args;
  switch (ctx.args.target) {
    case 'sagemaker':
      return { target: 'sagemaker', mode, ...(await launchSageMaker(ctx, clients())) };
    case 'ec2':
      return { target: 'ec2', mode, modelArtifact: await launchEc2(ctx, clients()) };
    case 'local':
      return { target: 'local', mode, modelDir: await runLocal(ctx, env) };
  }
}

/** The final stdout line people read: `MODEL_DIR=` or `MODEL_ARTIFACT=`. */
export function resultLine(result: LaunchResult): string {
  return result.target === 'local'
    ? `${RESULT_KEYS.local}=${result.modelDir}`
    : `${RESULT_KEYS.remote}=${result.modelArtifact}`;
}

/** Parses, validates, dispatches; returns the exit code. Never throws. */
export async function runCli(argv: string[], deps: CliDeps): Promise<number> {
  const { io } = deps;
  try {
    const [first = '', ...rest] = argv;
    if ((Object.values(COMMANDS) as string[]).includes(first)) return await runCommand(first, rest, deps);
    assertRegisterIsASwitch(argv);
    const raw = parseWith<RawOptions>(buildProgram(), argv);
    if (!raw) return EXIT_CODES.ok;
    const args: LaunchArgs = parseLaunchArgs(raw);
    const spec = loadPlatformSpec(deps.env);
    const region = args.region ?? spec.project.region;
    const ctx: LaunchContext = {
      spec,
      args,
      region,
      trainingDir: trainingDir(deps.env),
      io,
      interrupts: deps.interrupts,
    };
    if (args.dryRun) {
      io.out(
        JSON.stringify(
          { target: args.target, mode: args.mode, region, requests: await dryRun(ctx, deps.env) },
          null,
          2,
        ),
      );
      return EXIT_CODES.ok;
    }
    const makeClients = deps.clients ?? ((r: string) => createAwsClients(r, deps.env));
    const result = await launch(ctx, () => makeClients(region), deps.env);
    // Validated before it is written: the reader (tools/gha/model-artifact.ts) parses it with the same schema.
    if (args.resultFile) writeFileSync(args.resultFile, formatLaunchResult(result));
    io.out(resultLine(result));
    return EXIT_CODES.ok;
  } catch (err) {
    const e = toLauncherError(err);
    io.err(formatError(e));
    return e.exitCode;
  }
}
