/**
 * Reading a model dir (`model.onnx` + `metadata.json`, the libs/platform-spec model-dir contract): the endpoints'
 * dirs, a candidate's dir in CreateModel, and the default model's cache all go through this one reader.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkModelMetadata, METADATA_FILE, MODEL_FILE, type ModelMetadata } from '@dogbreed/platform-spec';
import { ModelDirError } from './errors.js';

/** metadata.json of a complete model dir, undefined when model.onnx or metadata.json is missing. */
export function readModelDir(dir: string): ModelMetadata | undefined {
  if (!existsSync(join(dir, MODEL_FILE)) || !existsSync(join(dir, METADATA_FILE))) return undefined;
  const checked = checkModelMetadata(
    readFileSync(join(dir, METADATA_FILE), 'utf8'),
    `${dir}/${METADATA_FILE}`,
  );
  if (!checked.ok) throw new ModelDirError(checked.message, { cause: checked.cause });
  return checked.metadata;
}
