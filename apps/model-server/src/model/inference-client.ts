import { Worker } from 'node:worker_threads';
import { InferenceError, StartupError } from '../errors.js';
import type { SourceImage, TensorSpec } from '../transform.js';
import { WorkerMessageSchema, type WorkerMessage } from './protocol.js';

/** The ONNX names one run feeds and fetches (from metadata.json). */
export interface RunNames {
  readonly input: string;
  readonly output: string;
  /** The dog output, fetched in the same run when the model has one. */
  readonly dog?: string;
}

export interface RunResult {
  readonly data: Float32Array;
  readonly dims: readonly number[];
  /** The dog output ([n, 1]) when `RunNames.dog` was given. */
  readonly dog?: { readonly data: Float32Array; readonly dims: readonly number[] };
  /** Resize, crop and normalise of the batch's images, in the worker. */
  readonly preprocessMs: number;
  /** Time inside session.run, measured in the worker. */
  readonly inferenceMs: number;
}

export interface Signature {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

/** The main thread's handle on the inference worker: one ONNX Runtime session, runs posted as messages. */
export class InferenceWorker {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: RunResult) => void; reject: (e: Error) => void }
  >();
  private failure: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly signature: Signature,
    /** The worker also holds a solo session (`run(…, true)`). */
    readonly hasSolo: boolean,
  ) {
    worker.on('message', (raw: unknown) => this.onMessage(raw));
    worker.on('error', (err) =>
      this.fail(new InferenceError(`inference worker crashed: ${err.message}`, { cause: err })),
    );
    worker.on('exit', (code) => this.fail(new InferenceError(`inference worker exited with code ${code}`)));
  }

  /** Starts the worker and loads the model; rejects with a StartupError when ONNX Runtime refuses the model. */
  static start(
    workerUrl: URL,
    o: {
      modelBytes: Uint8Array;
      intraOpThreads: number;
      soloIntraOpThreads: number;
      soloSpinning: boolean;
      tensor: TensorSpec;
    },
  ): Promise<InferenceWorker> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(workerUrl, { workerData: o });
      const onExit = (code: number) =>
        reject(new StartupError(`inference worker exited with code ${code} while loading`));
      const onError = (err: Error) =>
        reject(new StartupError(`inference worker failed while loading: ${err.message}`, { cause: err }));
      worker.once('exit', onExit);
      worker.once('error', onError);
      worker.once('message', (raw: unknown) => {
        worker.off('exit', onExit);
        worker.off('error', onError);
        const msg = WorkerMessageSchema.safeParse(raw);
        if (msg.success && msg.data.type === 'ready') {
          resolve(new InferenceWorker(worker, msg.data, o.soloIntraOpThreads > 0));
          return;
        }
        void worker.terminate();
        reject(
          new StartupError(
            msg.success && msg.data.type === 'init-error'
              ? msg.data.message
              : 'inference worker sent an unexpected first message',
          ),
        );
      });
    });
  }

  /**
   * Preprocesses and runs one batch of decoded images. An image's bytes are transferred when their buffer can be (a
   * plain ArrayBuffer they fill whole); sharp's output is external memory, which Node copies instead (0.36 MB for a
   * 400×300 photo, tens of microseconds). `solo` runs the batch on the worker's solo session.
   */
  run(names: RunNames, images: readonly SourceImage[], solo = false): Promise<RunResult> {
    if (this.failure) return Promise.reject(this.failure);
    if (solo && !this.hasSolo) return Promise.reject(new InferenceError('this worker has no solo session'));
    const id = this.nextId++;
    const transfer = images.flatMap(({ rgb }) =>
      rgb.byteOffset === 0 && rgb.byteLength === rgb.buffer.byteLength ? [rgb.buffer as ArrayBuffer] : [],
    );
    return new Promise<RunResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const msg = {
        type: 'run',
        id,
        inputName: names.input,
        outputName: names.output,
        ...(names.dog ? { dogOutputName: names.dog } : {}),
        images,
        ...(solo ? { solo } : {}),
      };
      this.worker.postMessage(msg, [...new Set(transfer)]);
    });
  }

  async close(): Promise<void> {
    this.failure ??= new InferenceError('inference worker is closed');
    await this.worker.terminate();
  }

  private onMessage(raw: unknown): void {
    const parsed = WorkerMessageSchema.safeParse(raw);
    if (!parsed.success) return;
    const msg: WorkerMessage = parsed.data;
    if (msg.type !== 'result' && msg.type !== 'run-error') return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.type === 'result')
      p.resolve({
        data: msg.data,
        dims: msg.dims,
        ...(msg.dog ? { dog: msg.dog } : {}),
        preprocessMs: msg.preprocessMs,
        inferenceMs: msg.inferenceMs,
      });
    else p.reject(new InferenceError(`ONNX Runtime failed: ${msg.message}`));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
