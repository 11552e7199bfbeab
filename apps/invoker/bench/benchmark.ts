/**
 * Invoker benchmark (not a test): bundle size, init time (module load + first invocation) of the bundled handler
 * in fresh Node processes, p50 latency it adds over calling the endpoint directly, and the same for a minimal
 * Python boto3 invoker (Debian's python3-boto3) against the same local InvokeEndpoint server. Writes
 * dist/benchmarks/invoker.json and prints a table.   npx nx benchmark invoker
 * With BENCH_COMPARE_BUNDLE=path/to/index.mjs (e.g. an earlier commit's build) that bundle is measured in the same
 * run and gets its own column ("before"). Init runs alternate between the bundles and Python, and so do the latency
 * samples, in blocks (BENCH_LATENCY_BLOCKS, default 4), so machine noise hits all alike; CPU times (user + system) come beside the wall times, being far steadier on a shared machine.
 * Latency has two phases in each process: "early" (the calls right after the first 20, while V8 still runs the
 * request path in its lower tiers) and "steady" (after BENCH_WARM_ROUNDS more rounds, once it is optimised, where a
 * warm Lambda environment under load spends nearly all its calls). The handler target is judged on the steady phase;
 * both are reported.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { loadPlatformSpec } from '@dogbreed/platform-spec';
import { sharedDir, workspaceRoot } from '@dogbreed/workspace';
import { invokeEndpointInput } from '../src/endpoint.js';
import { checkImageBytes } from '../src/image.js';
import { configFor, invokerEnvFor } from '../tests/support/env.js';
import { solidImage } from '../tests/support/images.js';
import {
  cannedBackend,
  DUMMY_CREDENTIALS,
  startInvokeEndpointServer,
  TEST_REGION,
} from '../tests/support/invoke-endpoint-server.js';
import {
  bundleFiles,
  invokerBundle,
  runBundle,
  startUpFiles,
  totalBytes,
} from '../tests/support/processes.js';

const INIT_RUNS = Number(process.env['BENCH_INIT_RUNS'] ?? 7);
const LATENCY_SAMPLES = Number(process.env['BENCH_SAMPLES'] ?? 300);
const STEADY_SAMPLES = Number(process.env['BENCH_STEADY_SAMPLES'] ?? 300);
// Rounds (one handler call and one direct call each) between the phases, in each block's process: the per-call
// curve flattens after about 1,000 (README, Benchmark).
const WARM_ROUNDS = Number(process.env['BENCH_WARM_ROUNDS'] ?? 1500);
// The latency samples come in this many blocks, each bundle and Python taking turns block by block, so that a
// loaded moment of the shared machine falls on every side rather than on whichever ran then.
const LATENCY_BLOCKS = Number(process.env['BENCH_LATENCY_BLOCKS'] ?? 4);
const COMPARE_BUNDLE = process.env['BENCH_COMPARE_BUNDLE'];
const BUNDLE_LIMIT_BYTES = 1024 * 1024;
// Issue 29: init at most half of boto3's (stretch: a third), handler p50 at most 1.5 × boto3's, added p50 ≤ 1 ms.
const TARGET_INIT_RATIO = 0.5;
const STRETCH_INIT_RATIO = 1 / 3;
const TARGET_HANDLER_RATIO = 1.5;
const TARGET_ADDED_P50_MS = 1;

const run = promisify(execFile);
const median = (xs: number[]) => percentile(xs, 50);
function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
}
const r2 = (x: number) => Math.round(x * 100) / 100;

/** A real dog photo when the shared data is present (a realistic payload), else a generated 224×224 JPEG. */
async function payloadImage(): Promise<{ bytes: Buffer; source: string }> {
  const shared = sharedDir();
  if (shared) {
    const dir = join(shared, 'data/dogs-mini/valid');
    const breed = readdirSync(dir).sort()[0];
    if (breed) {
      const file = readdirSync(join(dir, breed)).sort()[0];
      if (file)
        return { bytes: readFileSync(join(dir, breed, file)), source: `dogs-mini/valid/${breed}/${file}` };
    }
  }
  return { bytes: await solidImage('jpeg', { r: 120, g: 90, b: 60 }, 224), source: 'generated 224x224 JPEG' };
}

async function main(): Promise<void> {
  const spec = loadPlatformSpec(process.env);
  const config = configFor(spec);
  const endpointName = spec.endpoints.single.name;
  const bundles = [invokerBundle(), ...(COMPARE_BUNDLE ? [COMPARE_BUNDLE] : [])];

  const server = await startInvokeEndpointServer({ endpoints: { [endpointName]: cannedBackend() } });
  const work = mkdtempSync(join(tmpdir(), 'invoker-bench-'));
  try {
    const { bytes, source } = await payloadImage();
    const image = checkImageBytes(bytes, config.maxImageBytes);
    // The direct call sends exactly what the handler sends: the raw image, its type, topK in CustomAttributes.
    const direct = invokeEndpointInput(endpointName, image, config.defaultTopK);
    const event = { image: image.bytes.toString('base64'), topK: config.defaultTopK };
    // The environment the construct writes (outside Lambda: no AWS_EXECUTION_ENV, so no tracing, as with the
    // local stack), plus the endpoint override and dummy credentials.
    const env: NodeJS.ProcessEnv = {
      ...invokerEnvFor(spec),
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: server.url,
      AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
      AWS_REGION: TEST_REGION,
      BASELINE_ENDPOINT_URL: server.url,
      BASELINE_ENDPOINT_NAME: endpointName,
      NODE_NO_WARNINGS: '1',
    };

    const eventsFile = join(work, 'events.json');
    writeFileSync(eventsFile, JSON.stringify([event]));
    const script = join(workspaceRoot(), 'apps/invoker/bench/baseline_invoker.py');
    /** What one phase of latency-runner.mjs (or of the Python baseline) measured. */
    type Latency = {
      handlerMs: number[];
      directMs: number[];
      handlerCpuMsMean: number;
      directCpuMsMean: number;
    };
    /** The handler's and the direct call's p50 per 250 rounds, through the early and the warm-up rounds. */
    type Curve = { fromRound: number; handlerP50Ms: number; directP50Ms: number }[];
    type Phases = { early: Latency; steady: Latency; curve: Curve };
    /** One block's rounds: early, warm-up (a curve only), steady (all 0: init only). */
    type Rounds = [early: number, warm: number, steady: number];
    const pyRun = async (rounds: Rounds) => {
      const out = join(work, `py-${rounds.join('-')}-${Math.random()}.json`);
      const started = performance.now();
      await run('/usr/bin/python3', [script, eventsFile, out, ...rounds.map(String)], {
        env,
        timeout: 300_000,
      });
      const wallMs = performance.now() - started;
      return {
        ...(JSON.parse(readFileSync(out, 'utf8')) as Phases & {
          initMs: number;
          initCpuMs: number;
          firstStatus: number;
          boto3: string;
        }),
        wallMs,
      };
    };

    // Init in fresh processes: each round runs every bundle and Python once.
    const nodeInit = bundles.map(() => ({
      wall: [] as number[],
      cpu: [] as number[],
      process: [] as number[],
    }));
    const pyInit = { wall: [] as number[], cpu: [] as number[], process: [] as number[] };
    let boto3Version = '';
    for (let i = 0; i < INIT_RUNS; i++) {
      for (const [b, path] of bundles.entries()) {
        const r = await runBundle([event], env, { bundle: path });
        if (r.results[0]?.statusCode !== 200)
          throw new Error(`${path}: bundle invocation failed: ${r.results[0]?.body}`);
        nodeInit[b]?.wall.push(r.initMs);
        nodeInit[b]?.cpu.push(r.initCpuMs);
        nodeInit[b]?.process.push(r.wallMs);
      }
      const p = await pyRun([0, 0, 0]);
      if (p.firstStatus !== 200) throw new Error('python baseline invocation failed');
      pyInit.wall.push(p.initMs);
      pyInit.cpu.push(p.initCpuMs);
      pyInit.process.push(p.wallMs);
      boto3Version = p.boto3;
    }

    // Added latency: handler vs direct SDK call, interleaved in one warm process (see latency-runner.mjs).
    const eventFile = join(work, 'event.json');
    writeFileSync(eventFile, JSON.stringify(event));
    const bodyFile = join(work, 'body.bin');
    writeFileSync(bodyFile, image.bytes);
    const latencyBlock = async (path: string, rounds: Rounds): Promise<Phases> => {
      const latencyOut = join(work, 'latency.json');
      await run(
        process.execPath,
        [
          join(workspaceRoot(), 'apps/invoker/bench/latency-runner.mjs'),
          path,
          eventFile,
          bodyFile,
          String(direct.ContentType),
          String(direct.CustomAttributes),
          latencyOut,
          ...rounds.map(String),
        ],
        {
          env: { ...env, POWERTOOLS_LOG_LEVEL: 'INFO' },
          cwd: workspaceRoot(),
          timeout: 300_000,
          maxBuffer: 256 * 1024 * 1024,
        },
      );
      return JSON.parse(readFileSync(latencyOut, 'utf8')) as Phases;
    };
    const merge = (parts: Latency[]): Latency => ({
      handlerMs: parts.flatMap((p) => p.handlerMs),
      directMs: parts.flatMap((p) => p.directMs),
      handlerCpuMsMean: parts.reduce((a, p) => a + p.handlerCpuMsMean, 0) / parts.length,
      directCpuMsMean: parts.reduce((a, p) => a + p.directCpuMsMean, 0) / parts.length,
    });
    const perBlock = (samples: number) => Math.max(1, Math.round(samples / LATENCY_BLOCKS));
    const blockRounds: Rounds = [perBlock(LATENCY_SAMPLES), WARM_ROUNDS, perBlock(STEADY_SAMPLES)];
    const latencySamples = blockRounds[0] * LATENCY_BLOCKS;
    const steadySamples = blockRounds[2] * LATENCY_BLOCKS;
    const nodeBlocks: Phases[][] = bundles.map(() => []);
    const pyBlocks: Phases[] = [];
    // Every other block runs the sides in reverse order: whichever runs first in a block was measured slower (the
    // same direct SDK call 0.1-0.4 ms apart between two columns), so each side takes each place as often.
    const sides = [...bundles.map((path, b) => ({ b, path })), { b: -1, path: '' }];
    for (let blk = 0; blk < LATENCY_BLOCKS; blk++) {
      for (const { b, path } of blk % 2 === 0 ? sides : [...sides].reverse()) {
        if (b < 0) pyBlocks.push(await pyRun(blockRounds));
        else nodeBlocks[b]?.push(await latencyBlock(path, blockRounds));
      }
    }
    /** One phase's figures, merged over the blocks. */
    const latencyFigures = (l: Latency) => ({
      handlerP50Ms: r2(median(l.handlerMs)),
      handlerP95Ms: r2(percentile(l.handlerMs, 95)),
      directP50Ms: r2(median(l.directMs)),
      addedP50Ms: r2(median(l.handlerMs) - median(l.directMs)),
      handlerCpuMsMean: r2(l.handlerCpuMsMean),
      directCpuMsMean: r2(l.directCpuMsMean),
    });
    /** Each bucket's p50, averaged over the blocks. */
    const meanCurve = (blocks: Phases[]) =>
      (blocks[0]?.curve ?? []).map(({ fromRound }, i) => {
        // Every block runs the same rounds, so each has bucket i.
        const buckets = blocks.flatMap((b) => b.curve[i] ?? []);
        const mean = (f: (c: Curve[number]) => number) =>
          r2(buckets.reduce((a, c) => a + f(c), 0) / buckets.length);
        return {
          fromRound,
          handlerP50Ms: mean((c) => c.handlerP50Ms),
          directP50Ms: mean((c) => c.directP50Ms),
        };
      });
    const phases = (blocks: Phases[]) => ({
      early: latencyFigures(merge(blocks.map((p) => p.early))),
      steady: latencyFigures(merge(blocks.map((p) => p.steady))),
      warmUpCurve: meanCurve(blocks),
    });
    const summarize = (path: string, b: number) => {
      const init = nodeInit[b] ?? { wall: [], cpu: [], process: [] };
      const files = bundleFiles(dirname(path));
      return {
        bundle: path,
        bundleBytes: totalBytes(files),
        bundleFiles: files.length,
        startUpBytes: totalBytes(startUpFiles(path)),
        initMsMedian: r2(median(init.wall)),
        initMsRuns: init.wall.map(r2),
        initCpuMsMedian: r2(median(init.cpu)),
        processWallMsMedian: r2(median(init.process)),
        ...phases(nodeBlocks[b] ?? []),
      };
    };
    const nodeRuns = bundles.map((path, b) => summarize(path, b));

    const [node, before] = nodeRuns;
    if (!node) throw new Error('no bundle measured');
    const python = {
      boto3: boto3Version,
      initMsMedian: r2(median(pyInit.wall)),
      initMsRuns: pyInit.wall.map(r2),
      initCpuMsMedian: r2(median(pyInit.cpu)),
      processWallMsMedian: r2(median(pyInit.process)),
      ...phases(pyBlocks),
    };
    const initRatio = node.initMsMedian / python.initMsMedian;
    const handlerRatio = node.steady.handlerP50Ms / python.steady.handlerP50Ms;
    const report = {
      measuredAt: new Date().toISOString(),
      node: process.version,
      payload: {
        source,
        imageBytes: image.bytes.length,
        contentType: image.type,
        customAttributes: direct.CustomAttributes,
      },
      samples: {
        initRuns: INIT_RUNS,
        latencyEarly: latencySamples,
        latencySteady: steadySamples,
        warmRoundsPerBlock: WARM_ROUNDS,
        latencyBlocks: LATENCY_BLOCKS,
      },
      bundleLimitBytes: BUNDLE_LIMIT_BYTES,
      nodeInvoker: node,
      ...(before ? { compareBundle: before } : {}),
      pythonBoto3Baseline: python,
      targets: {
        bundleUnder1MiB: node.bundleBytes < BUNDLE_LIMIT_BYTES,
        initRatio: r2(initRatio),
        initCpuRatio: r2(node.initCpuMsMedian / python.initCpuMsMedian),
        initAtMostHalfOfPython: initRatio <= TARGET_INIT_RATIO,
        initAtMostOneThirdOfPython: initRatio <= STRETCH_INIT_RATIO,
        handlerRatio: r2(handlerRatio),
        handlerRatioEarly: r2(node.early.handlerP50Ms / python.early.handlerP50Ms),
        handlerP50AtMost1_5xPython: handlerRatio <= TARGET_HANDLER_RATIO,
        addedP50AtMost1Ms: node.steady.addedP50Ms <= TARGET_ADDED_P50_MS,
        addedP50AtMost1MsEarly: node.early.addedP50Ms <= TARGET_ADDED_P50_MS,
      },
    };
    const outDir = join(workspaceRoot(), 'dist/benchmarks');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'invoker.json'), `${JSON.stringify(report, null, 2)}\n`);

    const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
    const row = (metric: string, f: (n: (typeof nodeRuns)[number]) => string, p: string): string[] => [
      metric,
      ...nodeRuns.map(f),
      p,
    ];
    const rows = [
      row(
        'bundle: all files / read at start-up',
        (n) => `${kib(n.bundleBytes)} / ${kib(n.startUpBytes)}`,
        '-',
      ),
      row('init (load + 1st invoke), median ms', (n) => String(n.initMsMedian), String(python.initMsMedian)),
      row('init CPU (user+sys), median ms', (n) => String(n.initCpuMsMedian), String(python.initCpuMsMedian)),
      row(
        'process spawn→exit, median ms',
        (n) => String(n.processWallMsMedian),
        String(python.processWallMsMedian),
      ),
      ...(['early', 'steady'] as const).flatMap((phase) => [
        row(
          `${phase}: handler p50 / p95 ms`,
          (n) => `${n[phase].handlerP50Ms} / ${n[phase].handlerP95Ms}`,
          `${python[phase].handlerP50Ms} / ${python[phase].handlerP95Ms}`,
        ),
        row(
          `${phase}: direct call p50 ms`,
          (n) => String(n[phase].directP50Ms),
          String(python[phase].directP50Ms),
        ),
        row(
          `${phase}: added latency p50 ms`,
          (n) => String(n[phase].addedP50Ms),
          String(python[phase].addedP50Ms),
        ),
        row(
          `${phase}: CPU per call, handler / direct`,
          (n) => `${n[phase].handlerCpuMsMean} / ${n[phase].directCpuMsMean}`,
          `${python[phase].handlerCpuMsMean} / ${python[phase].directCpuMsMean}`,
        ),
      ]),
    ];
    console.log(
      `\nInvoker benchmark (payload: ${source}, ${image.bytes.length} bytes; ${INIT_RUNS} init runs; latency in ${LATENCY_BLOCKS} alternating blocks: ${latencySamples} early samples, ${WARM_ROUNDS} rounds each block, ${steadySamples} steady samples)`,
    );
    const heads = ['node bundle', ...(before ? ['node (before)'] : []), `python boto3 ${boto3Version}`];
    console.log(`${'metric'.padEnd(40)} ${heads.map((h) => h.padEnd(20)).join(' ')}`);
    for (const [m = '', ...v] of rows) console.log(`${m.padEnd(40)} ${v.map((x) => x.padEnd(20)).join(' ')}`);
    if (before) console.log(`before = ${before.bundle}`);
    const curveLine = (name: string, c: { handlerP50Ms: number }[]) =>
      `  ${name.padEnd(14)} ${c.map((b) => b.handlerP50Ms.toFixed(2)).join(' ')}`;
    console.log('handler p50 ms per 250 rounds from the first early round (mean of the blocks):');
    nodeRuns.forEach((n, b) => console.log(curveLine(b === 0 ? 'node' : 'node (before)', n.warmUpCurve)));
    console.log(curveLine('python boto3', python.warmUpCurve));
    const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
    const t = report.targets;
    console.log(
      `targets: bundle < 1 MiB ${met(t.bundleUnder1MiB)}; init ratio ${t.initRatio} (≤ ${TARGET_INIT_RATIO}) ${met(t.initAtMostHalfOfPython)}, (stretch ≤ 0.33) ${met(t.initAtMostOneThirdOfPython)} [CPU ratio ${t.initCpuRatio}]; steady handler p50 ratio ${t.handlerRatio} (≤ ${TARGET_HANDLER_RATIO}) ${met(t.handlerP50AtMost1_5xPython)} [early ${t.handlerRatioEarly}]; steady added p50 ≤ ${TARGET_ADDED_P50_MS} ms ${met(t.addedP50AtMost1Ms)} [early ${met(t.addedP50AtMost1MsEarly)}]`,
    );
    console.log(`written: dist/benchmarks/invoker.json`);
  } finally {
    await server.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
