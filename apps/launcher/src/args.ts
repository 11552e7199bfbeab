/** The command lines the launcher accepts, validated with zod into typed arguments (UsageError names each bad flag). */
import { Backbone, S3_PREFIXES, TrainingMode } from '@dogbreed/platform-spec';
import { z } from 'zod';
import { UsageError } from './errors.js';

/** What the training package accepts (a superset of the spec's backbones: tiny_cnn is for tests and CPU demos). */
export const LauncherBackbone = z.enum(['tiny_cnn', ...Backbone.options]);
export type LauncherBackbone = z.infer<typeof LauncherBackbone>;

export const Target = z.enum(['sagemaker', 'ec2', 'local']);
export type Target = z.infer<typeof Target>;

const PositiveIntArg = z.coerce.number().int().positive();

const S3Uri = z
  .string()
  .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'must be an s3://bucket/key URI');

/** Hyperparameters the command line may override (undefined = the spec's value). */
export const HyperparameterOverridesSchema = z.object({
  epochs: PositiveIntArg.optional(),
  backbone: LauncherBackbone.optional(),
  imageSize: PositiveIntArg.optional(),
  batchSize: PositiveIntArg.optional(),
  learningRate: z.coerce.number().positive().optional(),
  maxStepsPerEpoch: z.coerce.number().int().nonnegative().optional(),
});
export type HyperparameterOverrides = z.infer<typeof HyperparameterOverridesSchema>;

const JobName = z
  .string()
  .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'must be 1-63 alphanumeric characters or hyphens');
const Region = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region like us-east-1');
const DataPrefix = z
  .string()
  .min(1)
  .transform((p) => p.replace(/^\/+/, '').replace(/\/*$/, '/'))
  .default(S3_PREFIXES.datasets);

/** The validated command line. */
export const LaunchArgsSchema = z
  .object({
    target: Target,
    mode: TrainingMode.default('single'),
    dataDir: z.string().min(1).optional(),
    modelDir: z.string().min(1).optional(),
    /** Local/EC2 multi mode: processes per node. */
    processes: PositiveIntArg.optional(),
    /** Key prefix of the dataset (train/ valid/ test/) in the data bucket: the prefix the roles may read. */
    dataPrefix: DataPrefix,
    /** s3:// URI (sagemaker, ec2) or a local path (local) of pretrained backbone weights. */
    pretrainedWeights: z.string().min(1).optional(),
    jobName: JobName.optional(),
    region: Region.optional(),
    dryRun: z.boolean().default(false),
    wait: z.boolean().default(true),
    /** Register the model in the spec's group for `mode` (`ci.modelRegistry.groups`): the spec names it, not the caller. */
    register: z.boolean().default(false),
    /** Where the run's LaunchResult (JSON) is written for whoever started it; nothing is written on a dry run. */
    resultFile: z.string().min(1).optional(),
    pollSeconds: z.coerce.number().positive().default(30),
    hyperparameters: HyperparameterOverridesSchema,
  })
  .superRefine((a, ctx) => {
    if (a.target === 'local') {
      if (!a.dataDir)
        ctx.addIssue({
          code: 'custom',
          path: ['dataDir'],
          message: '--data-dir is required for --target local',
        });
      if (!a.modelDir)
        ctx.addIssue({
          code: 'custom',
          path: ['modelDir'],
          message: '--model-dir is required for --target local',
        });
      if (a.register)
        ctx.addIssue({
          code: 'custom',
          path: ['register'],
          message: '--register needs an S3 artifact: use --target sagemaker or ec2',
        });
    } else if (a.pretrainedWeights && !S3Uri.safeParse(a.pretrainedWeights).success) {
      ctx.addIssue({
        code: 'custom',
        path: ['pretrainedWeights'],
        message: `--pretrained-weights must be an s3:// URI for --target ${a.target}`,
      });
    }
    if (a.processes !== undefined && a.mode === 'single' && a.processes > 1) {
      ctx.addIssue({ code: 'custom', path: ['processes'], message: '--processes > 1 needs --mode multi' });
    }
  });
export type LaunchArgs = z.infer<typeof LaunchArgsSchema>;

/** Raw options as the command-line parser hands them over (strings, booleans). */
export interface RawOptions {
  target?: string;
  mode?: string;
  dataDir?: string;
  modelDir?: string;
  processes?: string;
  dataPrefix?: string;
  pretrainedWeights?: string;
  jobName?: string;
  region?: string;
  dryRun?: boolean;
  wait?: boolean;
  register?: boolean;
  resultFile?: string;
  pollSeconds?: string;
  epochs?: string;
  backbone?: string;
  imageSize?: string;
  batchSize?: string;
  lr?: string;
  maxStepsPerEpoch?: string;
}

const FLAG_NAMES: Record<string, string> = {
  dataDir: '--data-dir',
  modelDir: '--model-dir',
  dataPrefix: '--data-prefix',
  pretrainedWeights: '--pretrained-weights',
  jobName: '--job-name',
  resultFile: '--result-file',
  pollSeconds: '--poll-seconds',
  imageSize: '--image-size',
  batchSize: '--batch-size',
  learningRate: '--lr',
  maxStepsPerEpoch: '--max-steps-per-epoch',
};

function flagOf(path: PropertyKey[]): string {
  const last = String(path[path.length - 1] ?? '');
  return FLAG_NAMES[last] ?? `--${last}`;
}

function usageError(error: z.ZodError): UsageError {
  const lines = error.issues.map((i) => `  ${flagOf(i.path)}: ${i.message}`);
  return new UsageError(`invalid arguments:\n${lines.join('\n')}`);
}

/** `upload-dataset`: the ImageFolder folder, where in the data bucket, and whether only to print the plan. */
export const UploadDatasetArgsSchema = z.object({
  dir: z.string().min(1),
  dataPrefix: DataPrefix,
  region: Region.optional(),
  dryRun: z.boolean().default(false),
});
export type UploadDatasetArgs = z.infer<typeof UploadDatasetArgsSchema>;

/** `stop`: the training job to stop. */
export const StopArgsSchema = z.object({ jobName: JobName, region: Region.optional() });
export type StopArgs = z.infer<typeof StopArgsSchema>;

/** Validates a command's raw options against its schema; throws UsageError naming every bad flag. */
export function parseCommandArgs<S extends z.ZodType>(schema: S, raw: Record<string, unknown>): z.infer<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw usageError(result.error);
}

/**
 * `--register` is a switch: the group comes from the spec. A value after it (`--register GROUP`, `--register=GROUP`,
 * the form it once had) is refused by name rather than left to the parser's "too many arguments".
 */
export function assertRegisterIsASwitch(argv: readonly string[]): void {
  argv.forEach((arg, i) => {
    const next = argv[i + 1];
    const value = arg.startsWith('--register=')
      ? arg.slice('--register='.length)
      : arg === '--register' && next !== undefined && !next.startsWith('-')
        ? next
        : undefined;
    if (value !== undefined)
      throw new UsageError(
        `--register takes no value (got "${value}"): the model package group is the spec's ci.modelRegistry.groups.<mode>`,
      );
  });
}

/** Validates the raw options; throws UsageError naming every bad flag. */
export function parseLaunchArgs(raw: RawOptions): LaunchArgs {
  const result = LaunchArgsSchema.safeParse({
    target: raw.target,
    mode: raw.mode,
    dataDir: raw.dataDir,
    modelDir: raw.modelDir,
    processes: raw.processes,
    dataPrefix: raw.dataPrefix,
    pretrainedWeights: raw.pretrainedWeights,
    jobName: raw.jobName,
    region: raw.region,
    dryRun: raw.dryRun ?? false,
    wait: raw.wait ?? true,
    register: raw.register ?? false,
    resultFile: raw.resultFile,
    pollSeconds: raw.pollSeconds,
    hyperparameters: {
      epochs: raw.epochs,
      backbone: raw.backbone,
      imageSize: raw.imageSize,
      batchSize: raw.batchSize,
      learningRate: raw.lr,
      maxStepsPerEpoch: raw.maxStepsPerEpoch,
    },
  });
  if (result.success) return result.data;
  throw usageError(result.error);
}
