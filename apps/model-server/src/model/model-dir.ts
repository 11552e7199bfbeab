import { checkModelMetadata, METADATA_FILE, MODEL_FILE, type ModelMetadata } from '@dogbreed/platform-spec';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StartupError } from '../errors.js';

export interface ModelDir {
  readonly dir: string;
  readonly metadata: ModelMetadata;
  readonly modelBytes: Uint8Array;
}

const CONTRACT = `a model dir holds ${MODEL_FILE} + ${METADATA_FILE} as written by the training package`;

/** Validates metadata.json text against the model-dir contract; every bad field is named. */
export function parseMetadata(text: string, where: string): ModelMetadata {
  const checked = checkModelMetadata(text, where);
  if (!checked.ok) throw new StartupError(checked.message, { cause: checked.cause });
  return checked.metadata;
}

async function mustExist(path: string, what: string): Promise<void> {
  try {
    await stat(path);
  } catch (err) {
    throw new StartupError(`${what} not found: ${path} (${CONTRACT})`, { cause: err });
  }
}

/** Reads and checks a model dir. Fails fast, naming the missing file or the bad metadata field. */
export async function loadModelDir(dir: string): Promise<ModelDir> {
  await mustExist(dir, 'model dir');
  const metaPath = join(dir, METADATA_FILE);
  const modelPath = join(dir, MODEL_FILE);
  await mustExist(metaPath, METADATA_FILE);
  await mustExist(modelPath, MODEL_FILE);
  const metadata = parseMetadata(await readFile(metaPath, 'utf8'), metaPath);
  const modelBytes = await readFile(modelPath);
  if (modelBytes.length === 0) throw new StartupError(`${modelPath} is empty`);
  return { dir, metadata, modelBytes };
}

/** What the ONNX session says about its graph. */
export interface SessionSignature {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

/** The graph must have the input and outputs metadata.json names (the dog output too, when it names one). */
export function checkSignature(meta: ModelMetadata, sig: SessionSignature): void {
  if (!sig.inputNames.includes(meta.input.name)) {
    throw new StartupError(
      `${METADATA_FILE} names input '${meta.input.name}' but ${MODEL_FILE} has inputs [${sig.inputNames.join(', ')}]`,
    );
  }
  if (!sig.outputNames.includes(meta.output.name)) {
    throw new StartupError(
      `${METADATA_FILE} names output '${meta.output.name}' but ${MODEL_FILE} has outputs [${sig.outputNames.join(', ')}]`,
    );
  }
  const dog = meta.output.dog;
  if (dog && !sig.outputNames.includes(dog.name)) {
    throw new StartupError(
      `${METADATA_FILE} names dog output '${dog.name}' but ${MODEL_FILE} has outputs [${sig.outputNames.join(', ')}]`,
    );
  }
}

/** The warm-up output must be [batch, numClasses]: a class-count mismatch is a startup error, not a wrong answer. */
export function checkOutputShape(meta: ModelMetadata, dims: readonly number[], batch: number): void {
  const [b, classes, ...rest] = dims;
  if (b !== batch || rest.length > 0 || classes === undefined) {
    throw new StartupError(
      `${MODEL_FILE} output '${meta.output.name}' has shape [${dims.join(', ')}]; expected [${batch}, ${meta.numClasses}]`,
    );
  }
  if (classes !== meta.numClasses) {
    throw new StartupError(
      `${MODEL_FILE} outputs ${classes} classes but ${METADATA_FILE} lists ${meta.numClasses} classNames; they must match`,
    );
  }
}

/** The warm-up's dog output must be [batch, 1]: one probability per image. */
export function checkDogOutputShape(meta: ModelMetadata, dims: readonly number[], batch: number): void {
  const name = meta.output.dog?.name ?? '(none)';
  if (dims.length !== 2 || dims[0] !== batch || dims[1] !== 1) {
    throw new StartupError(
      `${MODEL_FILE} dog output '${name}' has shape [${dims.join(', ')}]; expected [${batch}, 1] (one probability per image)`,
    );
  }
}
