/**
 * The serving work measured alone, in this process, one image at a time: decode + resize (sharp), preprocess
 * (normalise into the CHW tensor) and inference (the server's own ORT worker thread, same intra-op threads). For
 * each: CPU time per image (process-wide, so sharp's and ORT's threads count, spinning included) and wall time per
 * image. What the machine's cores can do at best follows from the CPU time (see `efficiency` in stats.ts).
 */
import { performance } from 'node:perf_hooks';
import { loadModelDir } from '../src/model/model-dir.js';
import { startModel } from '../src/model/model.js';
import { decodeImage, normalizeInto, preprocessSpecOf, type DecodedImage } from '../src/preprocess.js';

export interface StageCost {
  /** CPU milliseconds per image, all threads of the process. */
  readonly cpuMs: number;
  /** Wall milliseconds per image. */
  readonly wallMs: number;
}

export interface ComponentCosts {
  readonly images: number;
  readonly decode: StageCost;
  readonly preprocess: StageCost;
  readonly inference: StageCost;
}

async function measure(n: number, step: (i: number) => Promise<void> | void): Promise<StageCost> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await step(i);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { cpuMs: (cpu.user + cpu.system) / 1000 / n, wallMs: wall / n };
}

export async function measureComponents(o: {
  bodies: readonly Buffer[];
  modelDir: string;
  workerUrl: URL;
  threads: number;
  maxInputPixels: number;
  rounds: number;
}): Promise<ComponentCosts> {
  const dir = await loadModelDir(o.modelDir);
  const spec = preprocessSpecOf(dir.metadata);
  const n = o.bodies.length * o.rounds;
  const body = (i: number) => o.bodies[i % o.bodies.length] as Buffer;
  const pixels = spec.height * spec.width;
  const model = await startModel(dir, {
    workerUrl: o.workerUrl,
    intraOpThreads: o.threads,
    sessions: 1,
    maxQueueDepth: 1,
    batching: { enabled: false, maxBatchSize: 1, maxDelayMs: 0 },
  });
  try {
    // Warm-up: sharp's first decode and ORT's first runs allocate.
    for (let i = 0; i < Math.min(4, o.bodies.length); i++) await decodeImage(body(i), spec, o.maxInputPixels);
    const decoded: DecodedImage[] = [];
    const decode = await measure(n, async (i) => {
      decoded[i % o.bodies.length] = await decodeImage(body(i), spec, o.maxInputPixels);
    });
    const tensors = decoded.map(() => new Float32Array(3 * pixels));
    const preprocess = await measure(n, (i) => {
      const k = i % decoded.length;
      normalizeInto(
        (decoded[k] as DecodedImage).rgb,
        pixels,
        spec.mean,
        spec.std,
        tensors[k] as Float32Array,
      );
    });
    // infer() hands the tensor's buffer to the worker, so every run gets its own copy, made before the clock starts.
    const copies = (count: number) =>
      Array.from({ length: count }, (_, i) => (tensors[i % tensors.length] as Float32Array).slice());
    for (const t of copies(4)) await model.infer(t);
    const inputs = copies(n);
    const inference = await measure(n, async (i) => {
      await model.infer(inputs[i] as Float32Array);
    });
    return { images: n, decode, preprocess, inference };
  } finally {
    await model.close();
  }
}
