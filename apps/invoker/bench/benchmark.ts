/**
 * Invoker benchmark (not a test): bundle size, init time (module load + first invocation) of the bundled handler
 * in fresh Node processes, p50 latency it adds over calling the endpoint directly, and the same for a minimal
 * Python boto3 invoker (Debian's python3-boto3) against the same local InvokeEndpoint server. Writes
 * dist/benchmarks/invoker.json and prints a table.   npx nx benchmark invoker
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadPlatformSpec } from '@dogbreed/platform-spec';
import { sharedDir, workspaceRoot } from '@dogbreed/platform-spec/testing';
import { invokeEndpointInput } from '../src/endpoint.js';
import { checkImageBytes, maxAcceptedImageBytes } from '../src/image.js';
import { loadInvokerConfig } from '../src/config.js';
import { solidImage } from '../tests/support/images.js';
import {
  cannedBackend,
  DUMMY_CREDENTIALS,
  startInvokeEndpointServer,
  TEST_REGION,
} from '../tests/support/invoke-endpoint-server.js';
import { invokerBundle, runBundle } from '../tests/support/processes.js';

const INIT_RUNS = Number(process.env['BENCH_INIT_RUNS'] ?? 7);
const LATENCY_SAMPLES = Number(process.env['BENCH_SAMPLES'] ?? 300);
const BUNDLE_LIMIT_BYTES = 1024 * 1024;
const TARGET_INIT_RATIO = 1 / 3;
const TARGET_ADDED_P50_MS = 3;

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
  const config = loadInvokerConfig({}, spec);
  const endpointName = spec.endpoints.single.name;
  const bundle = invokerBundle();
  const bundleBytes = statSync(bundle).size;

  const server = await startInvokeEndpointServer({ endpoints: { [endpointName]: cannedBackend() } });
  const work = mkdtempSync(join(tmpdir(), 'invoker-bench-'));
  try {
    const { bytes, source } = await payloadImage();
    const image = checkImageBytes(bytes, maxAcceptedImageBytes(config));
    // The direct call sends exactly what the handler sends: the raw image, its type, topK in CustomAttributes.
    const direct = invokeEndpointInput(endpointName, image, config.defaultTopK);
    const event = { image: image.bytes.toString('base64'), topK: config.defaultTopK };
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: server.url,
      AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
      AWS_REGION: TEST_REGION,
      DOGBREED_ENDPOINT_SINGLE: endpointName,
      BASELINE_ENDPOINT_URL: server.url,
      BASELINE_ENDPOINT_NAME: endpointName,
      NODE_NO_WARNINGS: '1',
    };

    // Node: init in fresh processes.
    const nodeInit: number[] = [];
    const nodeWall: number[] = [];
    for (let i = 0; i < INIT_RUNS; i++) {
      const r = await runBundle([event], env);
      if (r.results[0]?.statusCode !== 200)
        throw new Error(`bundle invocation failed: ${r.results[0]?.body}`);
      nodeInit.push(r.initMs);
      nodeWall.push(r.wallMs);
    }
    // Python: init in fresh processes.
    const eventsFile = join(work, 'events.json');
    writeFileSync(eventsFile, JSON.stringify([event]));
    const script = join(workspaceRoot(), 'apps/invoker/bench/baseline_invoker.py');
    const pyRun = async (repeat: number) => {
      const out = join(work, `py-${repeat}-${Math.random()}.json`);
      const started = performance.now();
      await run('/usr/bin/python3', [script, eventsFile, out, String(repeat)], { env, timeout: 300_000 });
      const wallMs = performance.now() - started;
      return {
        ...(JSON.parse(readFileSync(out, 'utf8')) as {
          initMs: number;
          firstStatus: number;
          handlerMs: number[];
          directMs: number[];
          boto3: string;
        }),
        wallMs,
      };
    };
    const pyInit: number[] = [];
    const pyWall: number[] = [];
    let boto3Version = '';
    for (let i = 0; i < INIT_RUNS; i++) {
      const r = await pyRun(0);
      if (r.firstStatus !== 200) throw new Error('python baseline invocation failed');
      pyInit.push(r.initMs);
      pyWall.push(r.wallMs);
      boto3Version = r.boto3;
    }

    // Added latency: handler vs direct SDK call, interleaved in one warm process (see latency-runner.mjs).
    const eventFile = join(work, 'event.json');
    writeFileSync(eventFile, JSON.stringify(event));
    const bodyFile = join(work, 'body.bin');
    writeFileSync(bodyFile, image.bytes);
    const latencyOut = join(work, 'latency.json');
    await run(
      process.execPath,
      [
        join(workspaceRoot(), 'apps/invoker/bench/latency-runner.mjs'),
        bundle,
        eventFile,
        bodyFile,
        String(direct.ContentType),
        String(direct.CustomAttributes),
        latencyOut,
        String(LATENCY_SAMPLES),
      ],
      {
        env: { ...env, POWERTOOLS_LOG_LEVEL: 'INFO' },
        cwd: workspaceRoot(),
        timeout: 300_000,
        maxBuffer: 256 * 1024 * 1024,
      },
    );
    const { handlerMs: nodeHandler, directMs: nodeDirect } = JSON.parse(readFileSync(latencyOut, 'utf8')) as {
      handlerMs: number[];
      directMs: number[];
    };
    const py = await pyRun(LATENCY_SAMPLES);

    const node = {
      initMsMedian: r2(median(nodeInit)),
      initMsRuns: nodeInit.map(r2),
      processWallMsMedian: r2(median(nodeWall)),
      handlerP50Ms: r2(median(nodeHandler)),
      handlerP95Ms: r2(percentile(nodeHandler, 95)),
      directP50Ms: r2(median(nodeDirect)),
      addedP50Ms: r2(median(nodeHandler) - median(nodeDirect)),
    };
    const python = {
      boto3: boto3Version,
      initMsMedian: r2(median(pyInit)),
      initMsRuns: pyInit.map(r2),
      processWallMsMedian: r2(median(pyWall)),
      handlerP50Ms: r2(median(py.handlerMs)),
      handlerP95Ms: r2(percentile(py.handlerMs, 95)),
      directP50Ms: r2(median(py.directMs)),
      addedP50Ms: r2(median(py.handlerMs) - median(py.directMs)),
    };
    const initRatio = node.initMsMedian / python.initMsMedian;
    const report = {
      measuredAt: new Date().toISOString(),
      node: process.version,
      payload: {
        source,
        imageBytes: image.bytes.length,
        contentType: image.type,
        customAttributes: direct.CustomAttributes,
      },
      samples: { initRuns: INIT_RUNS, latency: LATENCY_SAMPLES },
      bundle: { path: 'dist/apps/invoker/index.mjs', bytes: bundleBytes, limitBytes: BUNDLE_LIMIT_BYTES },
      nodeInvoker: node,
      pythonBoto3Baseline: python,
      targets: {
        bundleUnder1MiB: bundleBytes < BUNDLE_LIMIT_BYTES,
        initRatio: r2(initRatio),
        initAtMostOneThirdOfPython: initRatio <= TARGET_INIT_RATIO,
        addedP50AtMost3Ms: node.addedP50Ms <= TARGET_ADDED_P50_MS,
      },
    };
    const outDir = join(workspaceRoot(), 'dist/benchmarks');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'invoker.json'), `${JSON.stringify(report, null, 2)}\n`);

    const rows: [string, string, string][] = [
      ['bundle size', `${(bundleBytes / 1024).toFixed(0)} KiB`, '-'],
      ['init (load + 1st invoke), median ms', String(node.initMsMedian), String(python.initMsMedian)],
      ['process spawn→exit, median ms', String(node.processWallMsMedian), String(python.processWallMsMedian)],
      [
        'handler p50 / p95 ms',
        `${node.handlerP50Ms} / ${node.handlerP95Ms}`,
        `${python.handlerP50Ms} / ${python.handlerP95Ms}`,
      ],
      ['direct call p50 ms', String(node.directP50Ms), String(python.directP50Ms)],
      ['added latency p50 ms', String(node.addedP50Ms), String(python.addedP50Ms)],
    ];
    console.log(
      `\nInvoker benchmark (payload: ${source}, ${image.bytes.length} bytes; ${LATENCY_SAMPLES} samples)`,
    );
    console.log(`${'metric'.padEnd(38)} ${'node bundle'.padEnd(18)} python boto3 ${boto3Version}`);
    for (const [m, n, p] of rows) console.log(`${m.padEnd(38)} ${n.padEnd(18)} ${p}`);
    console.log(
      `targets: bundle < 1 MiB ${report.targets.bundleUnder1MiB ? 'met' : 'MISSED'}; init ratio ${report.targets.initRatio} (≤ 0.33) ${report.targets.initAtMostOneThirdOfPython ? 'met' : 'MISSED'}; added p50 ≤ ${TARGET_ADDED_P50_MS} ms ${report.targets.addedP50AtMost3Ms ? 'met' : 'MISSED'}`,
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
