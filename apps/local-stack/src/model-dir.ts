/**
 * Reading a model dir (`model.onnx` + `metadata.json`, the libs/platform-spec model-dir contract): the endpoints'
 * dirs, a candidate's dir in CreateModel, and the default model's cache all go through this one reader.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METADATA_FILE, MODEL_FILE, ModelMetadataSchema, type ModelMetadata } from '@dogbreed/platform-spec';
import { ModelDirError } from './errors.js';

/** metadata.json of a complete model dir, undefined when model.onnx or metadata.json is missing. */
export function readModelDir(dir: string): ModelMetadata | undefined {
  if (!existsSync(join(dir, MODEL_FILE)) || !existsSync(join(dir, METADATA_FILE))) return undefined;
  const text = readFileSync(join(dir, METADATA_FILE), 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ModelDirError(`${dir}/${METADATA_FILE} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = ModelMetadataSchema.safeParse(raw);
  if (!parsed.success)
    throw new ModelDirError(
      `${dir}/${METADATA_FILE} is not a valid model metadata file: ${parsed.error.message}`,
    );
  return parsed.data;
}
