import type { ModelMetadata } from '@dogbreed/platform-spec';
import { InferenceError, StartupError } from '../errors.js';
import { preprocessSpecOf, type PreprocessSpec } from '../preprocess.js';
import { BatchScheduler } from '../scheduler.js';
import { InferenceWorker } from './inference-client.js';
import { checkOutputShape, checkSignature, type ModelDir } from './model-dir.js';

/** One image's model output row and the time of the ORT run it was part of. */
export interface RowResult {
  readonly row: Float32Array;
  readonly inferenceMs: number;
  readonly batchSize: number;
}

export interface ModelOptions {
  readonly workerUrl: URL;
  readonly intraOpThreads: number;
  readonly maxQueueDepth: number;
  readonly batching: {
    readonly enabled: boolean;
    readonly maxBatchSize: number;
    readonly maxDelayMs: number;
  };
}

/** A loaded, warmed-up model behind its bounded (optionally batching) queue. */
export interface ServingModel {
  readonly metadata: ModelMetadata;
  readonly preprocess: PreprocessSpec;
  readonly maxBatchSize: number;
  /** Queue one normalised CHW image; resolves with its output row. */
  infer(tensor: Float32Array): Promise<RowResult>;
  /** Resolves once nothing is queued or running. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Splits a [n, classes] output into n rows. */
export function splitRows(data: Float32Array, n: number): Float32Array[] {
  if (n <= 0 || data.length % n !== 0)
    throw new RangeError(`cannot split ${data.length} values into ${n} rows`);
  const width = data.length / n;
  return Array.from({ length: n }, (_, i) => data.subarray(i * width, (i + 1) * width));
}

/** Copies per-image tensors into one NCHW batch. */
export function concatBatch(items: readonly Float32Array[], perImage: number): Float32Array {
  const out = new Float32Array(items.length * perImage);
  items.forEach((t, i) => {
    if (t.length !== perImage)
      throw new RangeError(`image tensor has ${t.length} values, expected ${perImage}`);
    out.set(t, i * perImage);
  });
  return out;
}

/**
 * Starts the inference worker, checks the graph against metadata.json, runs the warm-up inference (batch 1, and
 * a full batch when micro-batching is on) and checks the output shape. Any mismatch is a StartupError.
 */
export async function startModel(model: ModelDir, opts: ModelOptions): Promise<ServingModel> {
  const meta = model.metadata;
  const worker = await InferenceWorker.start(opts.workerUrl, model.modelBytes, opts.intraOpThreads);
  try {
    checkSignature(meta, worker.signature);
    const { height, width, channels } = meta.input;
    const perImage = channels * height * width;
    const maxBatchSize = opts.batching.enabled && meta.onnx.dynamicBatch ? opts.batching.maxBatchSize : 1;

    const run = async (items: readonly Float32Array[]) => {
      const n = items.length;
      const r = await worker.run(meta.input.name, meta.output.name, concatBatch(items, perImage), [
        n,
        channels,
        height,
        width,
      ]);
      return { ...r, n };
    };
    for (const n of new Set([1, maxBatchSize])) {
      const r = await run(Array.from({ length: n }, () => new Float32Array(perImage)));
      checkOutputShape(meta, r.dims, n);
    }

    const scheduler = new BatchScheduler<Float32Array, RowResult>(
      async (items) => {
        const r = await run(items);
        if (r.dims[0] !== r.n || r.dims[1] !== meta.numClasses) {
          throw new InferenceError(`model returned shape [${r.dims.join(', ')}] for a batch of ${r.n}`);
        }
        return splitRows(r.data, r.n).map((row) => ({ row, inferenceMs: r.inferenceMs, batchSize: r.n }));
      },
      {
        maxQueueDepth: opts.maxQueueDepth,
        maxBatchSize,
        maxDelayMs: maxBatchSize > 1 ? opts.batching.maxDelayMs : 0,
      },
    );
    return {
      metadata: meta,
      preprocess: preprocessSpecOf(meta),
      maxBatchSize,
      infer: (tensor) => scheduler.submit(tensor),
      idle: () => scheduler.idle(),
      close: () => worker.close(),
    };
  } catch (err) {
    await worker.close();
    if (err instanceof StartupError) throw err;
    throw new StartupError(`warm-up inference failed: ${(err as Error).message}`, { cause: err });
  }
}
