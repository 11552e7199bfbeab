/**
 * The serving-efficiency suite of `nx benchmark model-server` (`--suites mobilenet`): the BUILT server with a
 * MobileNetV3-Large-sized model (133 classes, random init), images/s and p50/p95 at concurrency 1, 2, 4, 8 with
 * micro-batching off and on, and in the same run the same weights through PyTorch eager (torch.no_grad, same thread
 * count) on the same JPEGs.
 *
 * Also measures decode, preprocess and inference alone (CPU and wall time per image, bench/components.ts) and
 * reports the throughput bound the cores imply and the best server throughput as a fraction of it; per level, the
 * CPU per request of the client (bench/client.ts: keep-alive, pre-encoded requests) and of the server process, so
 * that the bound can also be read with the client's share taken out, and a contended machine shows as such.
 */
import { PredictionResponseSchema, type PlatformSpec } from '@dogbreed/platform-spec';
import { toolPaths } from '@dogbreed/workspace';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { z } from 'zod';
import { Connection, drive } from './client.js';
import { cheapest, measureComponents, measurePipeline, readCpuTimes } from './components.js';
import { benchImages, processCpuMs, startBenchServer } from './inputs.js';
import { efficiency, idleShare, summarise, type LevelFigures, type Sample } from './stats.js';

const LEVELS = [1, 2, 4, 8] as const;
const TARGETS = { speedupVsPytorch: 1.5, overheadVsModel: 0.15 } as const;
const run = promisify(execFile);

export const MOBILENET_ARCHS = ['mobilenet_v3_large', 'resnet50'] as const;

export interface MobilenetSuiteOptions {
  readonly root: string;
  readonly benchDir: string;
  readonly spec: PlatformSpec;
  readonly threads: number;
  readonly sessions: number;
  readonly requestsPerLevel: number;
  readonly maxSeconds: number;
  readonly pytorchRequests: number;
  readonly componentRounds: number;
  readonly skipPytorch: boolean;
  readonly arch: (typeof MOBILENET_ARCHS)[number];
}

const PytorchSchema = z.object({
  framework: z.string(),
  threads: z.number(),
  requests: z.number(),
  imagesPerSecond: z.number(),
  p50Ms: z.number(),
  p95Ms: z.number(),
  modelMeanMs: z.number(),
  modelOnlyImagesPerSecond: z.number(),
});

const f1 = (n: number) => n.toFixed(1);
const pct = (n: number) => `${(n * 100).toFixed(1)}%`;

/** Runs the suite, prints its table and returns its figures (the caller writes them). */
export async function runMobilenetSuite(o: MobilenetSuiteOptions): Promise<Record<string, unknown>> {
  const { root, benchDir, spec, threads, sessions, requestsPerLevel, maxSeconds, arch } = o;
  const modelDir = join(benchDir, `model-server-model-${arch}`);
  async function ensureModel(): Promise<void> {
    if (existsSync(join(modelDir, 'model.onnx')) && existsSync(join(modelDir, 'weights.pt'))) return;
    console.log(`exporting ${arch}(num_classes=133) to ONNX ...`);
    await run(
      toolPaths.python(),
      [join(root, 'apps/model-server/bench/export_mobilenet_v3.py'), modelDir, '--arch', arch],
      { timeout: 300_000 },
    );
  }

  async function level(
    server: { port: number; pid: number },
    requests: readonly Buffer[],
    concurrency: number,
  ): Promise<LevelFigures> {
    const connections = await Connection.openMany(server.port, concurrency);
    const samples: Sample[] = [];
    const deadline = performance.now() + maxSeconds * 1000;
    const clientCpu = process.cpuUsage();
    const serverCpu = processCpuMs(server.pid);
    const machine = readCpuTimes();
    const start = performance.now();
    await drive(connections, requests, { count: requestsPerLevel, deadline }, (reply, clientMs) => {
      const parsed = PredictionResponseSchema.parse(JSON.parse(reply.body.toString()));
      samples.push({ clientMs, ...parsed.timingsMs });
    });
    const wallSeconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(clientCpu);
    const machineAfter = readCpuTimes();
    return summarise(concurrency, samples, wallSeconds, {
      clientMs: (used.user + used.system) / 1000,
      serverMs: processCpuMs(server.pid) - serverCpu,
      cores: availableParallelism(),
      idleShare: machine && machineAfter ? idleShare(machine, machineAfter) : Number.NaN,
    });
  }

  async function serverRun(batching: boolean, bodies: Buffer[]): Promise<LevelFigures[]> {
    const { server, requests } = await startBenchServer({ modelDir, threads, sessions, batching, bodies });
    try {
      await level(server, requests, 2); // warm-up (JIT, allocator, ORT arenas)
      const out: LevelFigures[] = [];
      for (const c of LEVELS) out.push(await level(server, requests, c));
      return out;
    } finally {
      await server.stop();
    }
  }

  async function pytorch(paths: string[], torchThreads: number): Promise<z.infer<typeof PytorchSchema>> {
    const list = join(benchDir, 'bench-images.txt');
    writeFileSync(list, paths.join('\n'));
    const { stdout } = await run(
      toolPaths.python(),
      [
        join(root, 'apps/model-server/bench/pytorch_baseline.py'),
        modelDir,
        list,
        '--threads',
        String(torchThreads),
        '--requests',
        String(o.pytorchRequests),
      ],
      { timeout: maxSeconds * 4 * 1000 },
    );
    return PytorchSchema.parse(JSON.parse(stdout.trim().split('\n').pop() as string));
  }

  await ensureModel();
  const imgs = await benchImages(benchDir);
  const bodies = imgs.paths.map((p) => readFileSync(p));
  const meta = JSON.parse(readFileSync(join(modelDir, 'metadata.json'), 'utf8')) as {
    architecture: string;
    numClasses: number;
  };
  console.log(
    `model ${meta.architecture} (${meta.numClasses} classes), ${bodies.length} ${imgs.source}, ${sessions} inference session(s) × ${threads} intra-op thread(s)`,
  );
  const loadBefore = loadavg();
  const alone = () =>
    measureComponents({
      bodies,
      modelDir,
      workerUrl: pathToFileURL(join(root, 'dist/apps/model-server/model/inference-worker.js')),
      threads,
      maxInputPixels: spec.modelServer.maxInputPixels,
      rounds: o.componentRounds,
    });
  // The stages alone are measured before, between and after the server runs and the cheapest is kept: on a shared
  // (virtual) machine the same work took from 10 to 14 ms CPU from one minute to the next, so one measurement taken
  // at a slow moment would inflate the bound's denominator and flatter the server.
  const aloneRuns = [await alone()];
  const off = await serverRun(false, bodies);
  aloneRuns.push(await alone());
  const on = await serverRun(true, bodies);
  const all = [...off.map((f) => ({ batching: false, ...f })), ...on.map((f) => ({ batching: true, ...f }))];
  const best = all.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a));
  // The same path without HTTP, at the best level's settings: separates what the cores allow the stages running
  // side by side from what the server and its client add.
  const pipeline = await measurePipeline({
    bodies,
    modelDir,
    model: {
      workerUrl: pathToFileURL(join(root, 'dist/apps/model-server/model/inference-worker.js')),
      intraOpThreads: threads,
      sessions,
      batching: { ...spec.modelServer.batching, enabled: best.batching },
    },
    maxInputPixels: spec.modelServer.maxInputPixels,
    concurrency: best.concurrency,
    images: requestsPerLevel,
  });
  aloneRuns.push(await alone());
  const components = cheapest(aloneRuns);
  const skipTorch = o.skipPytorch;
  const torch = skipTorch ? undefined : await pytorch(imgs.paths, threads);
  // Context only: on an oversubscribed machine OpenMP with >1 thread can be far slower than 1 thread.
  const torchOneThread = skipTorch ? undefined : threads === 1 ? torch : await pytorch(imgs.paths, 1);
  const bestTorch = Math.max(
    torch?.imagesPerSecond ?? Number.NaN,
    torchOneThread?.imagesPerSecond ?? Number.NaN,
  );
  const c1 = off[0] as LevelFigures;
  const eff = efficiency({
    stages: [components.decode, components.preprocess, components.inference],
    cores: availableParallelism(),
    best,
    p95AtConcurrency1Ms: c1.p95Ms,
    pipeline,
  });
  const summary = {
    best: { batching: best.batching, concurrency: best.concurrency, imagesPerSecond: best.imagesPerSecond },
    components,
    efficiency: eff,
    speedupVsPytorch: torch ? best.imagesPerSecond / torch.imagesPerSecond : undefined,
    speedupVsBestPytorchEitherThreadCount: best.imagesPerSecond / bestTorch,
    speedupTarget: TARGETS.speedupVsPytorch,
    overheadVsModelAtConcurrency1: c1.overheadVsModel,
    overheadVsModelMedianAtConcurrency1: c1.overheadVsModelMedian,
    serverShareOutsideModelAtConcurrency1: c1.serverShareOutsideModel,
    overheadTarget: TARGETS.overheadVsModel,
  };
  const report = {
    generatedAt: new Date().toISOString(),
    machine: {
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model,
      node: process.version,
      loadavgBefore: loadBefore,
      loadavgAfter: loadavg(),
    },
    model: { dir: modelDir, architecture: meta.architecture, numClasses: meta.numClasses },
    images: { source: imgs.source, count: bodies.length },
    threads,
    sessions,
    requestsPerLevel,
    server: { batchingOff: off, batchingOn: on },
    pytorch: torch,
    pytorchOneThread: torchOneThread,
    summary,
  };

  console.log(
    '\nbatching  conc  img/s   p50 ms  p95 ms  decode  prep  infer  overhead/model  server-outside-model  CPU ms server/client  cores used  idle',
  );
  for (const r of all) {
    console.log(
      `${(r.batching ? 'on' : 'off').padEnd(9)} ${String(r.concurrency).padStart(4)} ${f1(r.imagesPerSecond).padStart(6)} ${f1(r.p50Ms).padStart(8)} ${f1(r.p95Ms).padStart(7)} ${f1(r.meanDecodeMs).padStart(7)} ${f1(r.meanPreprocessMs).padStart(5)} ${f1(r.meanInferenceMs).padStart(6)} ${pct(r.overheadVsModel).padStart(15)} ${pct(r.serverShareOutsideModel).padStart(21)} ${`${f1(r.serverCpuMsPerImage)} / ${r.clientCpuMsPerRequest.toFixed(2)}`.padStart(22)} ${pct(r.cpuShareOfCores).padStart(11)} ${pct(r.idleShareOfCores).padStart(5)}`,
    );
  }
  for (const t of skipTorch ? [] : threads === 1 ? [torch] : [torch, torchOneThread]) {
    if (!t) continue;
    console.log(
      `pytorch   1    ${f1(t.imagesPerSecond).padStart(6)} ${f1(t.p50Ms).padStart(8)} ${f1(t.p95Ms).padStart(7)}  (${t.threads} thread(s), model only ${f1(t.modelMeanMs)} ms)`,
    );
  }
  console.log(
    `\nbest server ${f1(best.imagesPerSecond)} img/s (batching ${best.batching ? 'on' : 'off'}, concurrency ${best.concurrency}) = ${summary.speedupVsPytorch?.toFixed(2) ?? 'n/a'}× PyTorch eager (target ≥ ${TARGETS.speedupVsPytorch}×)`,
  );
  const st = (name: string, c: { cpuMs: number; wallMs: number }) =>
    `${name} ${f1(c.cpuMs)} ms CPU / ${f1(c.wallMs)} ms wall`;
  console.log(
    `alone, per image: ${st('decode', components.decode)}, ${st('preprocess', components.preprocess)}, ${st('inference', components.inference)}`,
  );
  console.log(
    `bound ${eff.cores} cores ÷ ${f1(eff.cpuMsPerImage)} ms CPU/image = ${f1(eff.boundImagesPerSecond)} img/s; best is ${pct(eff.fractionOfBound)} of it (goal ≥ 90%); ` +
      `p95 at concurrency 1 is ${eff.p95AtConcurrency1VsAlone.toFixed(2)}× the ${f1(eff.aloneWallMsPerImage)} ms alone (goal ≤ 1.3×)`,
  );
  console.log(
    `the client took ${eff.clientCpuMsPerRequest.toFixed(2)} ms CPU per request of the same cores: bound with it ${f1(eff.boundWithClientImagesPerSecond)} img/s, best is ${pct(eff.fractionOfBoundWithClient)} of that; ` +
      `at the best level the server used ${eff.serverCpuVsStages.toFixed(2)}× the stages' CPU per image and the pair used ${pct(eff.cpuShareOfCores)} of the cores (load average ${loadavg()[0]?.toFixed(1)})`,
  );
  const p = eff.pipeline;
  console.log(
    `the same path in-process (no HTTP, no client), batching ${best.batching ? 'on' : 'off'}, concurrency ${p.concurrency}: ${f1(p.imagesPerSecond)} img/s = ${pct(p.fractionOfBound)} of the bound ` +
      `(${f1(p.cpuMsPerImage)} ms CPU/image, ${pct(p.idleShareOfCores)} of the cores idle; the server's best level: ${pct(best.idleShareOfCores)} idle); the server reached ${pct(p.serverVsPipeline)} of it`,
  );
  console.log(
    `(vs the faster PyTorch run, either thread count: ${summary.speedupVsBestPytorchEitherThreadCount.toFixed(2)}×)`,
  );
  console.log(
    `overhead outside the model at concurrency 1, batching off: ${pct(c1.overheadVsModel)} of model time by means, ${pct(c1.overheadVsModelMedian)} by medians (target ≤ ${pct(TARGETS.overheadVsModel)})`,
  );
  return report;
}
