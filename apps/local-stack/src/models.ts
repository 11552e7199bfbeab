/**
 * Where each endpoint's model comes from. A models dir the user trained into is served as is; when one is missing,
 * the stack writes the default model there first: the pretrained ImageNet EfficientNet-Lite0 reduced to ImageNet's
 * 118 dog breeds (`python -m dogbreed_training.imagenet_dogs`, seconds, offline once tools/setup.sh installed the
 * weights), and says how to train on your own breeds. The synthetic-shapes demo model is a test fixture only.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import {
  METADATA_FILE,
  MODEL_FILE,
  ModelMetadataSchema,
  type ModelMetadata,
  type PlatformSpec,
  type TrainingMode,
} from '@dogbreed/platform-spec';
import { ChildProcessError, ModelDirError } from './errors.js';
import type { Log } from './log.js';

/** The default model's kind in metadata.json (libs/platform-spec model-dir contract). */
export const DEFAULT_MODEL_KIND = 'imagenet-dogs';

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
  if (!parsed.success)
    throw new ModelDirError(
      `${dir}/${METADATA_FILE} is not a valid model metadata file: ${parsed.error.message}`,
    );
  return parsed.data;
}

function run(
  cmd: string,
  args: string[],
  cwd: string,
  log: Log,
  label: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string[]> {
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
    child.on('error', (err) =>
      reject(new ChildProcessError(`${label} could not start: ${err.message}`, { cause: err })),
    );
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
  /** The default model was written now because the dir had none. */
  readonly createdNow: boolean;
}

/** The demo model earlier versions trained on generated coloured shapes (`001.red_circle` …): never worth serving. */
const SHAPE_CLASS = /^\d{3}\.(red|green|blue|yellow|purple|cyan)_(circle|square|triangle|cross|ring|bar)$/;
export function isLegacyShapesDemo(meta: ModelMetadata): boolean {
  return meta.architecture === 'tiny_cnn' && meta.classNames.every((c) => SHAPE_CLASS.test(c));
}

/** One line for logs and the dashboard: what this model is. */
export function describeModel(meta: ModelMetadata): string {
  if (meta.description) return meta.description;
  return `${meta.architecture} trained on ${meta.numClasses} classes`;
}

/** How to replace the default model with one trained on your own breeds (printed by `npm start`). */
export function trainYourOwnHint(dirs: Readonly<Record<TrainingMode, string>>): string {
  return (
    `To serve your own breeds: put an ImageFolder dataset (train/ valid/ test/, one folder per breed) somewhere and run\n` +
    `    node dist/apps/launcher/main.js --target local --mode single --data-dir DATA --model-dir ${dirs.single}\n` +
    `    node dist/apps/launcher/main.js --target local --mode multi --processes 2 --data-dir DATA --model-dir ${dirs.multi}\n` +
    `  (the spec's defaults fine-tune the pretrained EfficientNet-Lite0 with a frozen, cached backbone: minutes on a CPU),\n` +
    `  or train on SageMaker and unpack model.tar.gz there; npm start then serves that instead of the default.`
  );
}

/**
 * The model dirs for both endpoints. A missing one gets the default model (unless `create` is false): the
 * pretrained ImageNet classifier restricted to its dog breeds, written by the training package.
 */
export async function ensureModels(
  spec: PlatformSpec,
  opts: ModelDirsOptions & { readonly create: boolean; readonly python: string; readonly log: Log },
): Promise<ResolvedModel[]> {
  const out: ResolvedModel[] = [];
  for (const mode of ['single', 'multi'] as const) {
    const dir = modelDirFor(spec, mode, opts);
    let metadata = readModelDir(dir);
    let createdNow = false;
    if (metadata && isLegacyShapesDemo(metadata) && opts.create) {
      opts.log(
        `${dir} holds the old synthetic-shapes demo model (not a dog classifier): replacing it with the default model`,
      );
      metadata = undefined;
    }
    if (!metadata) {
      if (!opts.create) {
        throw new ModelDirError(
          `no model in ${dir} (needs ${MODEL_FILE} + ${METADATA_FILE}) and --no-train was given. ` +
            `Run without --no-train to get the default ImageNet dog-breed model, or train one (see apps/local-stack/README.md).`,
        );
      }
      await writeDefaultModel(mode, dir, opts);
      metadata = readModelDir(dir);
      if (!metadata)
        throw new ModelDirError(`the training package finished but ${dir} holds no complete model dir`);
      createdNow = true;
    }
    out.push({ mode, dir, metadata, createdNow });
  }
  return out;
}

async function writeDefaultModel(
  mode: TrainingMode,
  modelDir: string,
  opts: ModelDirsOptions & { readonly python: string; readonly log: Log },
): Promise<void> {
  opts.log(
    `no model for the ${mode}-instance endpoint in ${modelDir}: writing the DEFAULT model, the pretrained ImageNet ` +
      `EfficientNet-Lite0 reduced to ImageNet's 118 dog breeds (not trained on your data).`,
  );
  mkdirSync(modelDir, { recursive: true });
  await run(
    opts.python,
    ['-m', 'dogbreed_training.imagenet_dogs', '--model-dir', modelDir, '--mode', mode],
    join(opts.root, 'training'),
    opts.log,
    `default model ${mode}`,
  );
}
