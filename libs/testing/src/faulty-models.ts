/**
 * Rollout candidates that must be rolled back: tiny model dirs (tiny-model.ts) with a fault a real export can have,
 * not a test switch in the model server. Each loads, warms up and answers /ping; only real traffic shows the fault.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTinyModelDir, type TinyModelOptions } from './tiny-model.js';
import { toolPaths, workspaceRoot } from '@dogbreed/workspace';

const SCRIPT = () => join(workspaceRoot(), 'libs/testing/fixtures/make_faulty_model.py');

async function applyFault(dir: string, args: readonly string[]): Promise<void> {
  await promisify(execFile)(toolPaths.python(), [SCRIPT(), dir, ...args], { timeout: 60_000 });
}

/**
 * A model whose output width depends on the image: its graph ends by keeping only the classes whose logit is at
 * least the mean. The server's warm-up input (zeros) gives equal logits, so every class is kept and the model
 * starts; any image that is not grey gives fewer classes than metadata.json lists, and the model server answers
 * 500 INVALID_MODEL_OUTPUT ("model output 'logits' has shape [1, k] for a batch of 1") — a 5xx on every
 * invocation, /ping healthy.
 */
export async function createDataDependentOutputModelDir(
  dir: string,
  opts: TinyModelOptions = {},
): Promise<void> {
  await createTinyModelDir(dir, opts);
  await applyFault(dir, ['--fault', 'data-dependent-output']);
}

/**
 * A model whose logits are NaN for every image with a pixel above zero (any real photo), as a numerically unstable
 * graph gives; the warm-up's zeros pass. The model server answers 500 INVALID_MODEL_OUTPUT ("logits[0] is NaN").
 */
export async function createNanOutputModelDir(dir: string, opts: TinyModelOptions = {}): Promise<void> {
  await createTinyModelDir(dir, opts);
  await applyFault(dir, ['--fault', 'nan-output']);
}

/**
 * A model whose metadata.json says `probabilities` and whose graph ends in a softmax, halved for every image with a
 * pixel above zero: outputs in [0, 1] that sum to 0.5 (a head that is not a distribution); the warm-up's zeros pass.
 * The model server answers 500 INVALID_MODEL_OUTPUT ("its probabilities sum to 0.5…").
 */
export async function createUnnormalisedProbabilitiesModelDir(
  dir: string,
  opts: TinyModelOptions = {},
): Promise<void> {
  await createTinyModelDir(dir, opts);
  await applyFault(dir, ['--fault', 'unnormalised-probabilities']);
}

export interface SlowModelOptions extends TinyModelOptions {
  /** Width of the convolutional branch that costs time. @default 128 */
  readonly channels?: number;
  /** Depth of that branch (3×3 convolutions over the full input). @default 40 */
  readonly convs?: number;
}

/**
 * A model that answers like the tiny model (same classes for the same image) but slowly: a convolutional branch
 * over the input whose contribution to the logits is negligible. With the defaults one 32×32 inference is about
 * 5.9 G multiply-adds (39 convolutions 128 → 128 wide, 151 M each): 80-110 ms of one core of the 2-core dev
 * machine when idle (onnxruntime, one thread; 0.3 s at `size` 64), against about 1 ms for the tiny model. The cost
 * grows with `size`², so a test that needs it slower than a threshold on any machine sets `size`.
 */
export async function createSlowModelDir(dir: string, opts: SlowModelOptions = {}): Promise<void> {
  await createTinyModelDir(dir, opts);
  await applyFault(dir, [
    '--fault',
    'slow',
    '--channels',
    String(opts.channels ?? 128),
    '--convs',
    String(opts.convs ?? 40),
  ]);
}
