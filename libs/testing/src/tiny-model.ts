import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { create as createTar } from 'tar';
import { EVALUATION_FILE, METADATA_FILE, MODEL_FILE } from '@dogbreed/platform-spec';
import { toolPaths, workspaceRoot } from '@dogbreed/workspace';

export interface TinyModelOptions {
  /** Class names, in output order. Default red_dog, green_dog, blue_dog: a solid red image is class 0. */
  readonly classNames?: readonly string[];
  /** Input height = width (multiple of 8). @default 32 */
  readonly size?: number;
  /** Adds an MLP of `layers`+1 MatMuls of width `hidden` to make inference cost tunable. @default 0 (none) */
  readonly hidden?: number;
  readonly layers?: number;
  readonly modelVersion?: string;
  readonly trainingMode?: 'single' | 'multi';
  /**
   * Adds the "is it a dog?" output (`output.dog` in metadata.json, named `TINY_DOG_OUTPUT`): 1 minus the image's mean
   * blue, so solid red and green are dogs (1.0), solid blue is not (0.0), and blue value v gives 1 - v/255.
   * @default false
   */
  readonly dogOutput?: boolean;
}

/** The tiny model's dog output name, when `dogOutput` is set. */
export const TINY_DOG_OUTPUT = 'dog_probability';

/**
 * Writes a real ONNX model (built with onnx.helper in the training venv) and a metadata.json valid against
 * the model-dir contract into `dir`. Solid red/green/blue images are classes 0/1/2.
 */
export async function createTinyModelDir(dir: string, opts: TinyModelOptions = {}): Promise<void> {
  const script = join(workspaceRoot(), 'libs/testing/fixtures/make_tiny_model.py');
  const args = [script, dir, '--size', String(opts.size ?? 32), '--hidden', String(opts.hidden ?? 0)];
  args.push('--layers', String(opts.layers ?? 0), '--mode', opts.trainingMode ?? 'single');
  if (opts.classNames) args.push('--classes', opts.classNames.join(','));
  if (opts.modelVersion) args.push('--version', opts.modelVersion);
  if (opts.dogOutput) args.push('--dog');
  await promisify(execFile)(toolPaths.python(), args, { timeout: 60_000 });
}

/**
 * A `model.tar.gz` as training writes it: the tiny model (real ONNX, a valid metadata.json) and `evaluation`
 * as evaluation.json, for tests that put an artifact where the pipeline reads one.
 */
export async function tinyModelArtifact(
  opts: TinyModelOptions = {},
  evaluation: Record<string, number> = { test_top1: 0.9, test_top5: 1 },
): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'tiny-model-artifact-'));
  try {
    await createTinyModelDir(dir, opts);
    writeFileSync(join(dir, EVALUATION_FILE), JSON.stringify(evaluation));
    const chunks: Buffer[] = [];
    for await (const c of createTar({ gzip: true, cwd: dir }, [
      MODEL_FILE,
      METADATA_FILE,
      EVALUATION_FILE,
    ]) as AsyncIterable<Buffer>)
      chunks.push(Buffer.from(c));
    return Buffer.concat(chunks);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
