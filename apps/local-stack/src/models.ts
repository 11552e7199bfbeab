import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import {
  METADATA_FILE,
  MODEL_FILE,
  ModelMetadataSchema,
  mergeSpec,
  SPEC_ENV,
  type ModelMetadata,
  type SpecOverride,
  type PlatformSpec,
  type TrainingMode,
} from '@dogbreed/platform-spec';
import { ChildProcessError, ModelDirError } from './errors.js';
import type { Log } from './log.js';

/** Where each endpoint's model comes from, and training a demo model when there is none. */

/** The demo model: a tiny CNN on synthetic coloured shapes, small enough to train on a laptop CPU in a minute. */
export const DEMO_TRAINING = {
  classes: 4,
  trainPerClass: 48,
  validPerClass: 12,
  testPerClass: 12,
  imageSize: 64,
  epochs: 5,
  backbone: 'tiny_cnn',
  multiProcesses: 2,
} as const;

export interface ModelDirsOptions {
  readonly root: string;
  /** `<dir>/single` and `<dir>/multi` instead of the spec's localDir. */
  readonly modelsDir?: string;
}

/** The model dir each training mode's endpoint serves. */
export function modelDirFor(spec: PlatformSpec, mode: TrainingMode, opts: ModelDirsOptions): string {
  if (opts.modelsDir) return resolve(opts.modelsDir, mode);
  const local = spec.endpoints[mode].modelArtifact.localDir;
  return isAbsolute(local) ? local : resolve(opts.root, local);
}

/** metadata.json of a complete model dir, undefined when model.onnx or metadata.json is missing. */
export function readModelDir(dir: string): ModelMetadata | undefined {
  if (!existsSync(join(dir, MODEL_FILE)) || !existsSync(join(dir, METADATA_FILE))) return undefined;
  const raw: unknown = JSON.parse(readFileSync(join(dir, METADATA_FILE), 'utf8'));
  const parsed = ModelMetadataSchema.safeParse(raw);
  if (!parsed.success) throw new ModelDirError(`${dir}/${METADATA_FILE} is not a valid model metadata file: ${parsed.error.message}`);
  return parsed.data;
}

function run(cmd: string, args: string[], cwd: string, log: Log, label: string, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: string[] = [];
    createInterface({ input: child.stdout }).on('line', (l) => {
      stdout.push(l);
      log(`  ${label}: ${l}`);
    });
    createInterface({ input: child.stderr }).on('line', (l) => log(`  ${label}: ${l}`));
    const stop = () => child.kill('SIGTERM');
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    child.on('error', (err) => reject(new ChildProcessError(`${label} could not start: ${err.message}`, { cause: err })));
    child.on('exit', (code, signal) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (code === 0) resolvePromise(stdout);
      else reject(new ChildProcessError(`${label} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

export interface ResolvedModel {
  readonly mode: TrainingMode;
  readonly dir: string;
  readonly metadata: ModelMetadata;
  readonly trainedNow: boolean;
}

/**
 * The model dirs for both endpoints. A missing one is trained first with the launcher's local target on synthetic
 * data (unless `train` is false), and the log says plainly that it is a demo model, not a dog-breed classifier.
 */
export async function ensureModels(
  spec: PlatformSpec,
  opts: ModelDirsOptions & { readonly train: boolean; readonly launcherMain: string; readonly python: string; readonly log: Log },
): Promise<ResolvedModel[]> {
  const out: ResolvedModel[] = [];
  for (const mode of ['single', 'multi'] as const) {
    const dir = modelDirFor(spec, mode, opts);
    let metadata = readModelDir(dir);
    let trainedNow = false;
    if (!metadata) {
      if (!opts.train) {
        throw new ModelDirError(
          `no model in ${dir} (needs ${MODEL_FILE} + ${METADATA_FILE}) and --no-train was given. ` +
            `Run without --no-train to train a demo model, or train a real one (see apps/local-stack/README.md).`,
        );
      }
      await trainDemoModel(mode, dir, opts);
      metadata = readModelDir(dir);
      if (!metadata) throw new ModelDirError(`the launcher finished but ${dir} holds no complete model dir`);
      trainedNow = true;
    }
    out.push({ mode, dir, metadata, trainedNow });
  }
  return out;
}

async function trainDemoModel(
  mode: TrainingMode,
  modelDir: string,
  opts: ModelDirsOptions & { readonly launcherMain: string; readonly python: string; readonly log: Log },
): Promise<void> {
  const log = opts.log;
  if (!existsSync(opts.launcherMain)) {
    throw new ModelDirError(`no model in ${modelDir}, and the launcher (${opts.launcherMain}) is not built: run npm start`);
  }
  const d = DEMO_TRAINING;
  const dataDir = join(opts.root, '.local-stack', 'data', `synthetic-${d.classes}x${d.trainPerClass}-${d.imageSize}px`);
  log(`no model for the ${mode}-instance endpoint in ${modelDir}: training a DEMO model first.`);
  log(
    `  The demo model is a ${DEMO_TRAINING.backbone} trained for ${DEMO_TRAINING.epochs} epochs on SYNTHETIC coloured ` +
      `shapes (${DEMO_TRAINING.classes} classes), NOT on dog breeds: its "breeds" are shape names.`,
  );
  log(
    `  For a real dog-breed model: put an ImageFolder dataset (train/ valid/ test/) somewhere and run\n` +
      `    node dist/apps/launcher/main.js --target local --mode ${mode} --data-dir DATA --model-dir ${modelDir}\n` +
      `  (or train on SageMaker and download the artifact into ${modelDir}); npm start then serves it.`,
  );
  if (!existsSync(join(dataDir, 'train'))) {
    log(`  generating the synthetic dataset in ${dataDir}`);
    mkdirSync(dataDir, { recursive: true });
    await run(
      opts.python,
      [
        '-m', 'dogbreed_training.synthetic',
        '--out', dataDir,
        '--classes', String(DEMO_TRAINING.classes),
        '--train-per-class', String(DEMO_TRAINING.trainPerClass),
        '--valid-per-class', String(DEMO_TRAINING.validPerClass),
        '--test-per-class', String(DEMO_TRAINING.testPerClass),
        '--size', String(DEMO_TRAINING.imageSize),
      ],
      join(opts.root, 'training'),
      log,
      'synthetic',
    );
  }
  mkdirSync(modelDir, { recursive: true });
  const args = [
    opts.launcherMain,
    '--target', 'local',
    '--mode', mode,
    '--data-dir', dataDir,
    '--model-dir', modelDir,
    '--epochs', String(DEMO_TRAINING.epochs),
    '--backbone', DEMO_TRAINING.backbone,
    '--image-size', String(DEMO_TRAINING.imageSize),
  ];
  if (mode === 'multi') args.push('--processes', String(DEMO_TRAINING.multiProcesses));
  log(`  training with the launcher's local target (${mode}${mode === 'multi' ? `, ${DEMO_TRAINING.multiProcesses} processes` : ''})`);
  // The demo trains tiny_cnn from scratch: its "backbone" must learn too (the spec freezes it for pretrained ResNets).
  const inline = process.env[SPEC_ENV.json];
  const specJson = mergeSpec(inline ? (JSON.parse(inline) as SpecOverride) : {}, {
    training: { hyperparameters: { freezeBackbone: false } },
  });
  const env = { ...process.env, [SPEC_ENV.json]: JSON.stringify(specJson) };
  const lines = await run(process.execPath, args, opts.root, log, `launcher ${mode}`, env);
  const last = lines.filter((l) => l.trim()).at(-1) ?? '';
  if (!last.startsWith('MODEL_DIR=')) {
    throw new ChildProcessError(`the launcher's last output line should be MODEL_DIR=..., got: ${last}`);
  }
}
