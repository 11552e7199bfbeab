/**
 * The guard between the model's raw output and an answer: every inference result is checked to be a probability
 * distribution over metadata.json's classes (and a probability for the dog output) before anything is answered.
 * A model that breaks this (an export bug, a numerically unstable graph, a class list that drifted from the
 * weights) must fail loudly as 500 INVALID_MODEL_OUTPUT, counted by the 5xx alarms that roll a deploy back, never
 * hand out plausible-looking top-K from NaNs or a misaligned class list.
 */
import type { ModelMetadata } from '@dogbreed/platform-spec';
import { InvalidModelOutputError } from './errors.js';
import { softmax } from './topk.js';

/**
 * How far a `probabilities` row may sum from 1. A float32 softmax over a few hundred classes is off by well under
 * 1e-5; a row off by more than this did not come out of a softmax (a sigmoid head, a scaled or truncated output).
 */
export const PROBABILITY_SUM_TOLERANCE = 1e-3;

const show = (v: number) => (Number.isNaN(v) ? 'NaN' : String(v));

/** One batch's output as ONNX Runtime returned it, and the shape it must have. */
export interface BatchShape {
  /** The ONNX output's name (metadata.json's `output.name` or `output.dog.name`). */
  readonly output: string;
  readonly dims: readonly number[];
  readonly batch: number;
  /** Values per image: the class count, or 1 for the dog output. */
  readonly width: number;
  /** What the width stands for, for the message ("3 classes", "one dog probability"). */
  readonly what: string;
}

/**
 * A batch's output must be `[batch, width]`. Checked on every run, not only at warm-up: a graph can change its
 * output length with its input (a data-dependent filter passes the warm-up's blank images).
 */
export function checkBatchShape(s: BatchShape): void {
  const [b, w, ...rest] = s.dims;
  if (b !== s.batch || w !== s.width || rest.length > 0) {
    throw new InvalidModelOutputError(
      s.output,
      `model output '${s.output}' has shape [${s.dims.join(', ')}] for a batch of ${s.batch}; expected [${s.batch}, ${s.width}] (${s.what})`,
    );
  }
}

/**
 * One image's class probabilities from its output row, checked: the row has one value per class, every value is
 * finite, and (for `probabilities` outputs) each lies in [0, 1] and they sum to 1 within the tolerance. Logits are
 * turned into probabilities with softmax, whose result is checked too. Throws InvalidModelOutputError naming what
 * was wrong.
 */
export function classProbabilities(
  row: ArrayLike<number>,
  meta: Pick<ModelMetadata, 'numClasses' | 'output'>,
): Float64Array {
  const { name, kind } = meta.output;
  const bad = (what: string) =>
    new InvalidModelOutputError(name, `model output '${name}' is not a probability distribution: ${what}`);
  if (row.length !== meta.numClasses) {
    throw bad(`${row.length} values for the ${meta.numClasses} classes metadata.json lists`);
  }
  for (let i = 0; i < row.length; i++) {
    const v = row[i] as number;
    if (!Number.isFinite(v)) throw bad(`${kind}[${i}] is ${show(v)}`);
  }
  const probs = kind === 'logits' ? softmax(row) : Float64Array.from(row);
  let sum = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i] as number;
    // Softmax of finite logits always passes; a `probabilities` output is the model's own values, checked here.
    if (!(p >= 0 && p <= 1)) throw bad(`probability[${i}] is ${show(p)}, outside [0, 1]`);
    sum += p;
  }
  if (!(Math.abs(sum - 1) <= PROBABILITY_SUM_TOLERANCE)) {
    throw bad(`its probabilities sum to ${show(sum)}, not 1 (± ${PROBABILITY_SUM_TOLERANCE})`);
  }
  return probs;
}

/** The dog output's value for one image, checked to be a probability: finite and in [0, 1]. */
export function dogProbability(value: number, output: string): number {
  if (!(Number.isFinite(value) && value >= 0 && value <= 1)) {
    throw new InvalidModelOutputError(
      output,
      `dog output '${output}' is ${show(value)}, not a probability in [0, 1]`,
    );
  }
  return value;
}
