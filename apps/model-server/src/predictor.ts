/** One prediction, wired from the modules that do the work: decode (sharp), the worker's preprocess + inference, top-K. */
import type { PredictionResponse } from '@dogbreed/platform-spec';
import { performance } from 'node:perf_hooks';
import type { ServingModel } from './model/model.js';
import { decodeSource } from './preprocess.js';
import { topK } from './topk.js';

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/**
 * Decodes with sharp (off the event loop), queues the decoded image for a worker that resizes, crops, normalises and
 * runs it, then takes the top K. `startedAt` is when the request arrived, so `total` includes reading the body and
 * waiting in the queue; `preprocess` is the worker's resize + crop + normalise (of the whole batch when batching).
 */
export async function predict(
  model: ServingModel,
  image: Buffer,
  k: number,
  maxInputPixels: number,
  startedAt: number,
): Promise<PredictionResponse> {
  const t0 = performance.now();
  const decoded = await decodeSource(image, model.preprocess, maxInputPixels);
  const decodeMs = performance.now() - t0;
  const result = await model.infer(decoded);
  const predictions = topK(result.row, model.metadata.output.kind, model.metadata.classNames, k);
  return {
    predictions,
    modelVersion: model.metadata.modelVersion,
    timingsMs: {
      decode: round(decodeMs),
      preprocess: round(result.preprocessMs),
      inference: round(result.inferenceMs),
      total: round(performance.now() - startedAt),
    },
  };
}
