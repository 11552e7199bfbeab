import type { PredictionResponse } from '@dogbreed/platform-spec';
import { performance } from 'node:perf_hooks';
import type { ServingModel } from './model/model.js';
import { decodeImage, normalizeInto } from './preprocess.js';
import { topK } from './topk.js';

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/**
 * One prediction: decode + resize (sharp, off the event loop), normalise, queue for inference, top-K.
 * `startedAt` is when the request arrived, so `total` includes reading the body and waiting in the queue.
 */
export async function predict(
  model: ServingModel,
  image: Buffer,
  k: number,
  maxInputPixels: number,
  startedAt: number,
): Promise<PredictionResponse> {
  const t0 = performance.now();
  const decoded = await decodeImage(image, model.preprocess, maxInputPixels);
  const t1 = performance.now();
  const { height, width } = model.preprocess;
  const tensor = new Float32Array(3 * height * width);
  normalizeInto(decoded.rgb, height * width, model.preprocess.mean, model.preprocess.std, tensor);
  const t2 = performance.now();
  const result = await model.infer(tensor);
  const predictions = topK(result.row, model.metadata.output.kind, model.metadata.classNames, k);
  return {
    predictions,
    modelVersion: model.metadata.modelVersion,
    timingsMs: {
      decode: round(t1 - t0),
      preprocess: round(t2 - t1),
      inference: round(result.inferenceMs),
      total: round(performance.now() - startedAt),
    },
  };
}
