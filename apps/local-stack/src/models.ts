/**
 * Where each endpoint's model comes from. A models dir the user trained into is served as is; when one is missing,
 * the stack writes the default model there first: the pretrained ImageNet EfficientNet-Lite0 reduced to ImageNet's
 * 118 dog breeds (`python -m dogbreed_training.imagenet_dogs`, exported once and cached, offline once
 * tools/setup.sh installed the weights; default-model.ts), and says how to train on your own breeds. The
 * synthetic-shapes demo model is a test fixture only.
 */
import { isAbsolute, resolve } from 'node:path';
import {
  METADATA_FILE,
  MODEL_FILE,
  type ModelMetadata,
  type PlatformSpec,
  type TrainingMode,
} from '@dogbreed/platform-spec';
import { cachedDefaultModel, writeEndpointModelDir, type DefaultModelOptions } from './default-model.js';
import { ModelDirError } from './errors.js';
import { readModelDir } from './model-dir.js';

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
 * The model dirs for both endpoints. Missing ones get the default model (unless `create` is false): the pretrained
 * ImageNet classifier restricted to its dog breeds, exported once by the training package into a cache and copied
 * into each dir that needs it, so a second start, or a deleted model dir, starts no Python at all.
 */
export async function ensureModels(
  spec: PlatformSpec,
  opts: ModelDirsOptions & Omit<DefaultModelOptions, 'root'> & { readonly create: boolean },
): Promise<ResolvedModel[]> {
  const found = (['single', 'multi'] as const).map((mode) => {
    const dir = modelDirFor(spec, mode, opts);
    let metadata = readModelDir(dir);
    if (metadata && isLegacyShapesDemo(metadata) && opts.create) {
      opts.log(
        `${dir} holds the old synthetic-shapes demo model (not a dog classifier): replacing it with the default model`,
      );
      metadata = undefined;
    }
    return { mode, dir, metadata };
  });
  const missing = found.filter((f) => !f.metadata);
  if (missing.length > 0 && !opts.create) {
    throw new ModelDirError(
      `no model in ${missing.map((m) => m.dir).join(' or ')} (needs ${MODEL_FILE} + ${METADATA_FILE}) and --no-train was given. ` +
        `Run without --no-train to get the default ImageNet dog-breed model, or train one (see apps/local-stack/README.md).`,
    );
  }
  if (missing.length > 0) {
    opts.log(
      `no model in ${missing.map((m) => m.dir).join(', ')}: serving the DEFAULT model there, the pretrained ImageNet ` +
        `EfficientNet-Lite0 reduced to ImageNet's 118 dog breeds (not trained on your data).`,
    );
    const entry = await cachedDefaultModel(opts);
    for (const m of missing) writeEndpointModelDir(entry, m.dir, m.mode);
  }
  return found.map(({ mode, dir, metadata }) => {
    if (metadata) return { mode, dir, metadata, createdNow: false };
    const written = readModelDir(dir);
    if (!written)
      throw new ModelDirError(`the default model was copied to ${dir} but it holds no complete model dir`);
    return { mode, dir, metadata: written, createdNow: true };
  });
}
