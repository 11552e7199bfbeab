import type { ModelMetadata } from '@dogbreed/platform-spec';
import { InferenceError, StartupError } from '../errors.js';
import { checkBatchShape, classProbabilities, dogProbability } from '../output-guard.js';
import { preprocessSpecOf, type PreprocessSpec } from '../preprocess.js';
import type { SourceImage } from '../transform.js';
import { BatchScheduler } from '../scheduler.js';
import { InferenceWorker } from './inference-client.js';
import { checkDogOutputShape, checkOutputShape, checkSignature, type ModelDir } from './model-dir.js';

/**
 * One image's model output row (not yet checked: the output guard does that per request), its dog output when the
 * model has one, and the preprocessing and ORT run times of the batch it was part of.
 */
export interface RowResult {
  readonly row: Float32Array;
  /** The dog output's value for this image (metadata.json's `output.dog`); absent when the model has none. */
  readonly dog?: number;
  readonly preprocessMs: number;
  readonly inferenceMs: number;
  readonly batchSize: number;
}

export interface ModelOptions {
  readonly workerUrl: URL;
  readonly intraOpThreads: number;
  /** Inference workers, each with its own ORT session: that many runs at once (see `sessionsFor` in config.ts). */
  readonly sessions: number;
  /**
   * Threads of the solo session (in the first worker) that runs a batch alone; 0 = none.
   * @default 0
   */
  readonly soloIntraOpThreads?: number;
  /**
   * The solo session's pool threads busy-wait between the parallel parts of a run.
   * @default false
   */
  readonly soloSpinning?: boolean;
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
  /** Threads of the solo session for lone batches; 0 = none. */
  readonly soloIntraOpThreads: number;
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
 * Where a batch runs: the solo session when it is alone and a worker with one is free, else the free worker that
 * finished last (`free` in the order workers came back): its thread and caches are the warmest, where taking turns
 * woke a cold worker for every request at concurrency 1. The solo-capable worker is taken last, so that it stays
 * free for the next lone batch.
 */
export function pickWorker<W extends { readonly hasSolo: boolean }>(
  free: readonly W[],
  alone: boolean,
): { worker: W; solo: boolean } | undefined {
  const soloWorker = alone ? free.find((w) => w.hasSolo) : undefined;
  if (soloWorker) return { worker: soloWorker, solo: true };
  for (let i = free.length - 1; i >= 0; i--) {
    const w = free[i] as W;
    if (!w.hasSolo) return { worker: w, solo: false };
  }
  const last = free[free.length - 1];
  return last && { worker: last, solo: false };
}

/**
 * Starts the inference workers, checks the graph against metadata.json, runs the warm-up inference on each (batch 1,
 * and a full batch when micro-batching is on) and checks the output shape. Any mismatch is a StartupError.
 */
export async function startModel(model: ModelDir, opts: ModelOptions): Promise<ServingModel> {
  const meta = model.metadata;
  const preprocess = preprocessSpecOf(meta);
  const started = await Promise.allSettled(
    Array.from({ length: opts.sessions }, (_, i) =>
      InferenceWorker.start(opts.workerUrl, {
        modelBytes: model.modelBytes,
        intraOpThreads: opts.intraOpThreads,
        // One solo session is enough: a lone batch finds every worker free.
        soloIntraOpThreads: i === 0 ? (opts.soloIntraOpThreads ?? 0) : 0,
        soloSpinning: opts.soloSpinning ?? false,
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

    const names = { input: meta.input.name, output: meta.output.name, dog: meta.output.dog?.name };
    const run = async (worker: InferenceWorker, images: readonly SourceImage[], solo = false) => {
      const r = await worker.run(names, images, solo);
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
    // A Set: with batching off maxBatchSize is 1, and one warm-up per size and session is enough.
    for (const worker of workers)
      for (const n of new Set([1, maxBatchSize]))
        for (const solo of worker.hasSolo ? [false, true] : [false]) {
          const r = await run(worker, Array.from({ length: n }, blank), solo);
          checkOutputShape(meta, r.dims, n);
          if (names.dog) checkDogOutputShape(meta, r.dog?.dims ?? [], n);
          // A model whose output on a blank image is not a distribution never serves (a StartupError below).
          for (const row of splitRows(r.data, n)) classProbabilities(row, meta);
          if (names.dog && r.dog) for (const v of r.dog.data) dogProbability(v, names.dog);
        }

    // The scheduler runs at most one batch per worker, so a batch always finds a free one here.
    const free = [...workers];
    const scheduler = new BatchScheduler<SourceImage, RowResult>(
      async (items, { alone }) => {
        const picked = pickWorker(free, alone);
        if (!picked) throw new InferenceError('no free inference worker (scheduler bug)');
        const { worker, solo } = picked;
        free.splice(free.indexOf(worker), 1);
        try {
          const r = await run(worker, items, solo);
          checkBatchShape({
            output: meta.output.name,
            dims: r.dims,
            batch: r.n,
            width: meta.numClasses,
            what: `the ${meta.numClasses} classes metadata.json lists`,
          });
          const dog = names.dog ? r.dog : undefined;
          if (names.dog)
            checkBatchShape({
              output: names.dog,
              dims: dog?.dims ?? [],
              batch: r.n,
              width: 1,
              what: 'one dog probability per image',
            });
          return splitRows(r.data, r.n).map((row, i) => ({
            row,
            ...(dog ? { dog: dog.data[i] as number } : {}),
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
      soloIntraOpThreads: workers.some((w) => w.hasSolo) ? (opts.soloIntraOpThreads ?? 0) : 0,
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
