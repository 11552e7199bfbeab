/**
 * The serving work measured alone, in this process, one image at a time: decode (sharp), preprocess (the exact
 * resize, crop and normalise into the CHW tensor) and inference (the server's own ORT worker thread, same intra-op
 * threads; the worker preprocesses too, so inference is what it costs beyond the preprocess measured alone). For
 * each: CPU time per image (process-wide, so sharp's and ORT's threads count, spinning included) and wall time per
 * image, from the cheapest of `rounds` passes over the images. What the machine's cores can do at best follows from the CPU time (see `efficiency` in stats.ts).
 * And the same path as the server's handler (`predict`) driven in-process at a fixed concurrency, without HTTP or a
 * client: how close decode, preprocess and inference running side by side come to that bound on these cores.
 */
import { PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadModelDir } from '../src/model/model-dir.js';
import { startModel, type ModelOptions } from '../src/model/model.js';
import { predict } from '../src/predictor.js';
import { decodeSource, preprocessSpecOf, type DecodedSource } from '../src/preprocess.js';
import { preprocessInto } from '../src/transform.js';
import { idleShare, parseCpuTimes, type CpuTimes, type PipelineFigures } from './stats.js';

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
    for (let i = 0; i < Math.min(4, o.bodies.length); i++)
      await decodeSource(body(i), spec, o.maxInputPixels);
    const decoded: DecodedSource[] = [];
    const decode = await measure(o.rounds, o.bodies.length, async (i) => {
      decoded[i % o.bodies.length] = await decodeSource(body(i), spec, o.maxInputPixels);
    });
    const tensor = new Float32Array(3 * pixels);
    const preprocess = await measure(o.rounds, o.bodies.length, (i) => {
      preprocessInto(decoded[i % decoded.length] as DecodedSource, spec, tensor);
    });
    // infer() hands an image's bytes to the worker, so every run gets its own copy, made before the clock starts.
    const copies = (count: number) =>
      Array.from({ length: count }, (_, i) => {
        const d = decoded[i % decoded.length] as DecodedSource;
        return { ...d, rgb: d.rgb.slice() };
      });
    for (const image of copies(4)) await model.infer(image);
    const inputs = copies(n);
    const worker = await measure(o.rounds, o.bodies.length, async (i) => {
      await model.infer(inputs[i] as DecodedSource);
    });
    // The worker preprocesses and runs; inference alone is what it costs beyond the preprocess.
    const inference = {
      cpuMs: Math.max(0, worker.cpuMs - preprocess.cpuMs),
      wallMs: Math.max(0, worker.wallMs - preprocess.wallMs),
    };
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

/** The machine's CPU times now; undefined where there is no /proc (the idle share is then NaN). */
export function readCpuTimes(): CpuTimes | undefined {
  try {
    return parseCpuTimes(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The server's own path (`predict`: decode, preprocess, the scheduler and the inference workers) in this process,
 * `concurrency` callers at a time over `images` images: no HTTP, no client, no second process. Warmed up first.
 */
export async function measurePipeline(o: {
  bodies: readonly Buffer[];
  modelDir: string;
  model: Omit<ModelOptions, 'maxQueueDepth'>;
  maxInputPixels: number;
  concurrency: number;
  images: number;
}): Promise<PipelineFigures> {
  const dir = await loadModelDir(o.modelDir);
  const model = await startModel(dir, { ...o.model, maxQueueDepth: o.concurrency });
  try {
    const drive = async (concurrency: number, count: number) => {
      let next = 0;
      const caller = async () => {
        while (next < count) {
          const body = o.bodies[next++ % o.bodies.length] as Buffer;
          await predict(model, body, {
            topK: 5,
            maxInputPixels: o.maxInputPixels,
            shrinkOnLoadMargin: PLATFORM_SPEC.modelServer.shrinkOnLoadMargin,
            startedAt: performance.now(),
            dog: PLATFORM_SPEC.modelServer.dog,
          });
        }
      };
      await Promise.all(Array.from({ length: concurrency }, caller));
    };
    await drive(o.concurrency, Math.min(o.images, 4 * o.concurrency));
    const times = readCpuTimes();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await drive(o.concurrency, o.images);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const after = readCpuTimes();
    return {
      concurrency: o.concurrency,
      images: o.images,
      imagesPerSecond: (o.images * 1000) / wallMs,
      cpuMsPerImage: (cpu.user + cpu.system) / 1000 / o.images,
      idleShareOfCores: times && after ? idleShare(times, after) : Number.NaN,
    };
  } finally {
    await model.close();
  }
}
