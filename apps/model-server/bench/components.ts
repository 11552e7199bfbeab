/**
 * The serving work measured alone, in this process, one image at a time: decode + resize (sharp), preprocess
 * (normalise into the CHW tensor) and inference (the server's own ORT worker thread, same intra-op threads). For
 * each: CPU time per image (process-wide, so sharp's and ORT's threads count, spinning included) and wall time per
 * image, from the cheapest of `rounds` passes over the images. What the machine's cores can do at best follows from the CPU time (see `efficiency` in stats.ts).
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
  /** Images measured per stage (rounds × images); each figure is that of the cheapest pass. */
  readonly images: number;
  readonly decode: StageCost;
  readonly preprocess: StageCost;
  readonly inference: StageCost;
}

/**
 * The cheapest of `blocks` blocks of `perBlock` steps (CPU per image, and that block's wall time): other processes
 * on the machine only ever add time, so the least disturbed block is the best estimate of the work alone (and the
 * strictest bound).
 */
async function measure(
  blocks: number,
  perBlock: number,
  step: (i: number) => Promise<void> | void,
): Promise<StageCost> {
  let best: StageCost | undefined;
  for (let b = 0; b < blocks; b++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let k = 0; k < perBlock; k++) await step(b * perBlock + k);
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cost = { cpuMs: (cpu.user + cpu.system) / 1000 / perBlock, wallMs: wall / perBlock };
    if (!best || cost.cpuMs < best.cpuMs) best = cost;
  }
  return best as StageCost;
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
    const decode = await measure(o.rounds, o.bodies.length, async (i) => {
      decoded[i % o.bodies.length] = await decodeImage(body(i), spec, o.maxInputPixels);
    });
    const tensors = decoded.map(() => new Float32Array(3 * pixels));
    const preprocess = await measure(o.rounds, o.bodies.length, (i) => {
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
    const inference = await measure(o.rounds, o.bodies.length, async (i) => {
      await model.infer(inputs[i] as Float32Array);
    });
    return { images: n, decode, preprocess, inference };
  } finally {
    await model.close();
  }
}

/** Per stage, the cheapest of several measurements (see `measure`). */
export function cheapest(runs: readonly ComponentCosts[]): ComponentCosts {
  const pick = (stage: 'decode' | 'preprocess' | 'inference') =>
    runs.map((r) => r[stage]).reduce((a, b) => (b.cpuMs < a.cpuMs ? b : a));
  return {
    images: runs.reduce((a, r) => a + r.images, 0),
    decode: pick('decode'),
    preprocess: pick('preprocess'),
    inference: pick('inference'),
  };
}
