import type { ModelMetadata } from '@dogbreed/platform-spec';
import { InferenceError, StartupError } from '../errors.js';
import { preprocessSpecOf, type PreprocessSpec } from '../preprocess.js';
import type { SourceImage } from '../transform.js';
import { BatchScheduler } from '../scheduler.js';
import { InferenceWorker } from './inference-client.js';
import { checkOutputShape, checkSignature, type ModelDir } from './model-dir.js';

/** One image's model output row, and the preprocessing and ORT run times of the batch it was part of. */
export interface RowResult {
  readonly row: Float32Array;
  readonly preprocessMs: number;
  readonly inferenceMs: number;
  readonly batchSize: number;
}

export interface ModelOptions {
  readonly workerUrl: URL;
  readonly intraOpThreads: number;
  /** Inference workers, each with its own ORT session: that many runs at once (see `sessionsFor` in config.ts). */
  readonly sessions: number;
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
  readonly sessions: number;
  /**
   * Queue one decoded image; a worker resizes, crops and normalises it into its batch tensor and runs the batch.
   * Resolves with its output row. The image's bytes go to the worker (transferred where they can be).
   */
  infer(image: SourceImage): Promise<RowResult>;
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

/**
 * Starts the inference workers, checks the graph against metadata.json, runs the warm-up inference on each (batch 1,
 * and a full batch when micro-batching is on) and checks the output shape. Any mismatch is a StartupError.
 */
export async function startModel(model: ModelDir, opts: ModelOptions): Promise<ServingModel> {
  const meta = model.metadata;
  const preprocess = preprocessSpecOf(meta);
  const started = await Promise.allSettled(
    Array.from({ length: opts.sessions }, () =>
      InferenceWorker.start(opts.workerUrl, {
        modelBytes: model.modelBytes,
        intraOpThreads: opts.intraOpThreads,
        tensor: preprocess,
      }),
    ),
  );
  const workers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const closeAll = () => Promise.all(workers.map((w) => w.close())).then(() => undefined);
  const refused = started.find((r) => r.status === 'rejected');
  if (refused) {
    await closeAll();
    throw refused.reason;
  }
  try {
    for (const w of workers) checkSignature(meta, w.signature);
    const { height, width } = meta.input;
    const maxBatchSize = opts.batching.enabled && meta.onnx.dynamicBatch ? opts.batching.maxBatchSize : 1;

    const run = async (worker: InferenceWorker, images: readonly SourceImage[]) => {
      const r = await worker.run(meta.input.name, meta.output.name, images);
      return { ...r, n: images.length };
    };
    // Warm-up images already at the input size: the transform only crops (nothing) and normalises.
    const blank = (): SourceImage => ({
      rgb: new Uint8Array(height * width * 3),
      width,
      height,
      resizeWidth: width,
      resizeHeight: height,
      crop: { left: 0, top: 0, width, height },
    });
    for (const worker of workers)
      for (const n of new Set([1, maxBatchSize])) {
        const r = await run(worker, Array.from({ length: n }, blank));
        checkOutputShape(meta, r.dims, n);
      }

    // The scheduler runs at most one batch per worker, so a batch always finds a free one here.
    const free = [...workers];
    const scheduler = new BatchScheduler<SourceImage, RowResult>(
      async (items) => {
        const worker = free.pop();
        if (!worker) throw new InferenceError('no free inference worker (scheduler bug)');
        try {
          const r = await run(worker, items);
          if (r.dims[0] !== r.n || r.dims[1] !== meta.numClasses) {
            throw new InferenceError(`model returned shape [${r.dims.join(', ')}] for a batch of ${r.n}`);
          }
          return splitRows(r.data, r.n).map((row) => ({
            row,
            preprocessMs: r.preprocessMs,
            inferenceMs: r.inferenceMs,
            batchSize: r.n,
          }));
        } finally {
          free.push(worker);
        }
      },
      {
        maxQueueDepth: opts.maxQueueDepth,
        maxBatchSize,
        maxDelayMs: maxBatchSize > 1 ? opts.batching.maxDelayMs : 0,
        runners: workers.length,
      },
    );
    return {
      metadata: meta,
      preprocess,
      maxBatchSize,
      sessions: workers.length,
      infer: (image) => scheduler.submit(image),
      idle: () => scheduler.idle(),
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    if (err instanceof StartupError) throw err;
    throw new StartupError(`warm-up inference failed: ${(err as Error).message}`, { cause: err });
  }
}
