/** One prediction, wired from the modules that do the work: decode (sharp), the worker's preprocess + inference, top-K. */
import { HttpError, type PredictionResponse } from '@dogbreed/platform-spec';
import { performance } from 'node:perf_hooks';
import type { DogSettings } from './config.js';
import type { ServingModel } from './model/model.js';
import { classProbabilities, dogProbability } from './output-guard.js';
import { decodeSource } from './preprocess.js';
import { topK } from './topk.js';

const round = (ms: number) => Math.round(ms * 1000) / 1000;

export interface PredictOptions {
  /** How many classes to answer (already checked against the spec's bounds). */
  readonly topK: number;
  /** sharp's `limitInputPixels`: larger images are refused before decoding. */
  readonly maxInputPixels: number;
  /** How many times the resize target a large image is reduced to while decoding (the server's setting). */
  readonly shrinkOnLoadMargin: number;
  /** `performance.now()` when the request arrived, so `total` includes reading the body and queueing. */
  readonly startedAt: number;
  /** The dog verdict's threshold and policy; used only when the model has a dog output. */
  readonly dog: DogSettings;
}

/**
 * The `dog` field of an answer from the model's dog probability, or 422 NOT_A_DOG when the photo is below the
 * threshold and the policy is `refuse`. The message carries both numbers, so a client can tell a borderline refusal.
 */
export function dogVerdict(
  probability: number,
  settings: DogSettings,
): NonNullable<PredictionResponse['dog']> {
  const isDog = probability >= settings.threshold;
  if (!isDog && settings.policy === 'refuse') {
    throw new HttpError(
      'NOT_A_DOG',
      `this photo does not look like a dog: dog probability ${probability.toFixed(3)} is below the threshold ${settings.threshold}`,
    );
  }
  return { probability, isDog };
}

/**
 * Decodes with sharp (off the event loop), queues the decoded image for a worker that resizes, crops, normalises and
 * runs it, checks the output with the output guard (500 INVALID_MODEL_OUTPUT when it is not a distribution), then
 * takes the top K and, for a model with a dog output, the dog verdict. `preprocess` is the worker's resize + crop +
 * normalise (of the whole batch when batching).
 */
export async function predict(
  model: ServingModel,
  image: Buffer,
  opts: PredictOptions,
): Promise<PredictionResponse> {
  const t0 = performance.now();
  const decoded = await decodeSource(image, model.preprocess, opts.maxInputPixels, {
    margin: opts.shrinkOnLoadMargin,
  });
  const decodeMs = performance.now() - t0;
  const result = await model.infer(decoded);
  const meta = model.metadata;
  const probabilities = classProbabilities(result.row, meta);
  const dogOutput = meta.output.dog;
  const dog =
    dogOutput && result.dog !== undefined
      ? dogVerdict(dogProbability(result.dog, dogOutput.name), opts.dog)
      : undefined;
  const predictions = topK(probabilities, 'probabilities', meta.classNames, opts.topK);
  return {
    predictions,
    modelVersion: meta.modelVersion,
    timingsMs: {
      decode: round(decodeMs),
      preprocess: round(result.preprocessMs),
      inference: round(result.inferenceMs),
      total: round(performance.now() - opts.startedAt),
    },
    ...(dog ? { dog } : {}),
  };
}
