/**
 * Worker-thread entry (built to dist/apps/model-server/model/inference-worker.js): owns the ONNX Runtime session so
 * that inference, which onnxruntime-node runs synchronously, never blocks the HTTP event loop. It also finishes each
 * image's preprocessing (the exact resize, crop and normalise, transform.ts) straight into the batch tensor: that
 * JavaScript was the event loop's largest cost per request (README, serving efficiency).
 */
import * as ort from 'onnxruntime-node';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { preprocessInto } from '../transform.js';
import { RunRequestSchema, WorkerInitSchema, type WorkerMessage } from './protocol.js';

if (!parentPort) throw new Error('inference-worker must run in a worker thread');
const port = parentPort;
const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

const createSession = (modelBytes: Uint8Array, intraOpNumThreads: number, spinning = false) =>
  ort.InferenceSession.create(modelBytes, {
    intraOpNumThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // ORT's pool threads busy-wait after each run by default: on an instance's few cores that spinning takes CPU
    // from sharp's decode of the next request (measured: ~6 ms of 17 ms CPU per MobileNetV3 run on 2 cores), and
    // from the other sessions' runs. The solo session may (`soloSpinning`): it runs only when nothing else does.
    extra: {
      session: { intra_op: { allow_spinning: spinning ? '1' : '0' }, inter_op: { allow_spinning: '0' } },
    },
  });

async function main(): Promise<void> {
  const init = WorkerInitSchema.parse(workerData);
  let session: ort.InferenceSession;
  let solo: ort.InferenceSession | undefined;
  try {
    session = await createSession(init.modelBytes, init.intraOpThreads);
    if (init.soloIntraOpThreads > 0)
      solo = await createSession(init.modelBytes, init.soloIntraOpThreads, init.soloSpinning);
  } catch (err) {
    post({
      type: 'init-error',
      message: `ONNX Runtime could not load model.onnx: ${(err as Error).message}`,
    });
    return;
  }
  const { tensor } = init;
  const perImage = 3 * tensor.height * tensor.width;
  // Batch tensors by size, reused: a fresh 0.6 MB Float32Array per 224×224 image cost 0.2–0.4 ms to allocate and fill.
  const free = new Map<number, Float32Array[]>();
  port.on('message', async (raw: unknown) => {
    const parsed = RunRequestSchema.safeParse(raw);
    if (!parsed.success) return;
    const req = parsed.data;
    const n = req.images.length;
    let pool = free.get(n);
    if (!pool) free.set(n, (pool = []));
    const data = pool.pop() ?? new Float32Array(n * perImage);
    try {
      const t0 = performance.now();
      req.images.forEach((image, i) => preprocessInto(image, tensor, data, i * perImage));
      const start = performance.now();
      const input = new ort.Tensor('float32', data, [n, 3, tensor.height, tensor.width]);
      const names = req.dogOutputName ? [req.outputName, req.dogOutputName] : [req.outputName];
      const runner = req.solo ? solo : session;
      if (!runner) throw new Error('this worker has no solo session');
      const outputs = await runner.run({ [req.inputName]: input }, names);
      const inferenceMs = performance.now() - start;
      const [classes, dog] = names.map((name) => {
        const out = outputs[name];
        if (!out || out.type !== 'float32') throw new Error(`output '${name}' is missing or not float32`);
        return { data: Float32Array.from(out.data as Float32Array), dims: out.dims.map(Number) };
      });
      if (!classes) throw new Error('session.run returned no outputs');
      post(
        {
          type: 'result',
          id: req.id,
          data: classes.data,
          dims: classes.dims,
          ...(dog ? { dog } : {}),
          preprocessMs: start - t0,
          inferenceMs,
        },
        [classes.data.buffer as ArrayBuffer, ...(dog ? [dog.data.buffer as ArrayBuffer] : [])],
      );
    } catch (err) {
      post({ type: 'run-error', id: req.id, message: (err as Error).message });
    } finally {
      pool.push(data);
    }
  });
  post({ type: 'ready', inputNames: [...session.inputNames], outputNames: [...session.outputNames] });
}

void main();
