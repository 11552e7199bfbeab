/**
 * Benchmark (a command, not a test): two builds of the server side by side, interleaved round by round so that both
 * see the same minute of a shared machine. Per build and round: p50/p95 at concurrency 1, and at concurrency 8 the
 * images per second, the server's CPU per image (all threads, /proc) and the share of the cores that ran nothing.
 * Writes dist/benchmarks/compare-builds.json and prints a line per run.
 *
 *   cp -r dist/apps/model-server dist/ab/before   # build the other revision, then:
 *   npx nx compare-builds model-server -- --a dist/ab/before --b dist/apps/model-server [--threads 1 --sessions 2 --rounds 3]
 *
 * A copied build must stay inside the workspace: it resolves sharp and onnxruntime-node from node_modules.
 */
import { workspaceRoot } from '@dogbreed/workspace';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Connection, drive } from './client.js';
import { readCpuTimes } from './components.js';
import { benchImages, processCpuMs, startBenchServer } from './inputs.js';
import { idleShare, percentile } from './stats.js';

const args = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string', default: 'dist/apps/model-server' },
    threads: { type: 'string', default: '1' },
    sessions: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    requests: { type: 'string', default: '1000' },
    out: { type: 'string', default: 'dist/benchmarks/compare-builds.json' },
  },
}).values;
if (!args.a)
  throw new Error('--a <build dir> is required (a copy of dist/apps/model-server from another revision)');

const root = workspaceRoot();
const builds = { a: resolve(root, args.a), b: resolve(root, args.b as string) };
const modelDir = join(root, 'dist/benchmarks/model-server-model-mobilenet_v3_large');
const requests = Number(args.requests);

interface Run {
  readonly build: 'a' | 'b';
  readonly round: number;
  readonly p50AtConcurrency1Ms: number;
  readonly p95AtConcurrency1Ms: number;
  readonly imagesPerSecondAtConcurrency8: number;
  readonly serverCpuMsPerImage: number;
  readonly idleShareOfCores: number;
}

async function measure(build: 'a' | 'b', round: number, bodies: readonly Buffer[]): Promise<Run> {
  const { server, requests: encoded } = await startBenchServer({
    modelDir,
    threads: Number(args.threads),
    sessions: Number(args.sessions),
    batching: false,
    bodies,
    command: [process.execPath, join(builds[build], 'main.js')],
  });
  try {
    const latencies = async (concurrency: number, count: number): Promise<number[]> => {
      const ms: number[] = [];
      await drive(await Connection.openMany(server.port, concurrency), encoded, { count }, (_, t) =>
        ms.push(t),
      );
      return ms;
    };
    await latencies(2, 100); // warm-up
    const c1 = await latencies(1, Math.min(requests, 200));
    const times = readCpuTimes();
    const cpu = processCpuMs(server.pid);
    const t0 = performance.now();
    await latencies(8, requests);
    const wallMs = performance.now() - t0;
    const after = readCpuTimes();
    return {
      build,
      round,
      p50AtConcurrency1Ms: percentile(c1, 50),
      p95AtConcurrency1Ms: percentile(c1, 95),
      imagesPerSecondAtConcurrency8: (requests * 1000) / wallMs,
      serverCpuMsPerImage: (processCpuMs(server.pid) - cpu) / requests,
      idleShareOfCores: times && after ? idleShare(times, after) : Number.NaN,
    };
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const bodies = (await benchImages(join(root, 'dist/benchmarks'))).paths.map((p) => readFileSync(p));
  const runs: Run[] = [];
  for (let round = 1; round <= Number(args.rounds); round++) {
    for (const build of ['a', 'b'] as const) {
      const r = await measure(build, round, bodies);
      runs.push(r);
      console.log(
        `round ${round} ${build}: concurrency 1 p50 ${r.p50AtConcurrency1Ms.toFixed(1)} / p95 ${r.p95AtConcurrency1Ms.toFixed(1)} ms; ` +
          `concurrency 8 ${r.imagesPerSecondAtConcurrency8.toFixed(1)} img/s, server ${r.serverCpuMsPerImage.toFixed(2)} ms CPU/image, ` +
          `${(100 * r.idleShareOfCores).toFixed(1)}% of the cores idle`,
      );
    }
  }
  const out = resolve(root, args.out as string);
  mkdirSync(dirname(out), { recursive: true });
  const settings = { threads: Number(args.threads), sessions: Number(args.sessions), requests };
  writeFileSync(
    out,
    `${JSON.stringify({ generatedAt: new Date().toISOString(), builds, settings, runs }, null, 2)}\n`,
  );
  console.log(`figures written to ${args.out}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
