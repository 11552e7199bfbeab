/**
 * Benchmark (an Nx target, not a test) of the BUILT server. Suites (`--suites`, comma-separated):
 * - `peer` (default): ours against the peer (bench/peer: FastAPI + uvicorn + onnxruntime + Pillow, its own venv)
 *   on the default EfficientNet-Lite0 dog model, same client, same photos (small and phone), same run: images/s and
 *   p50/p95 at concurrency 1, 4, 16 and the ratios with issue 26's targets (bench/peer-suite.ts).
 * - `mobilenet`: serving efficiency on a random-init MobileNetV3 (stages alone, the cores' bound, in-process
 *   pipeline) and PyTorch eager on the same weights (bench/mobilenet-suite.ts).
 * The export figures (plain / folded / INT8 inference ms per image) are the training package's; when its
 * dist/benchmarks/export.json exists they are included. Writes dist/benchmarks/model-server.json, prints tables.
 *
 *   npx nx benchmark model-server [-- --suites peer,mobilenet --threads 1 --sessions 2 --max-seconds 15
 *     --small-requests 160 --phone-requests 60 --sweep-requests 64 --rounds 1 --requests 240 --arch resnet50 --skip-pytorch]
 */
import { loadPlatformSpec, MODEL_SERVER_ENV } from '@dogbreed/platform-spec';
import { workspaceRoot } from '@dogbreed/workspace';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { effectiveThreads, sessionsFor } from '../src/config.js';
import { killAll } from '../tests/support/server-process.js';
import { exportTable, readExportFigures } from './export-figures.js';
import { MOBILENET_ARCHS, runMobilenetSuite } from './mobilenet-suite.js';
import { killPeers } from './peer-process.js';
import { runPeerSuite } from './peer-suite.js';
import { comparisonTable, levelTable, PEER_TARGETS } from './versus.js';

const args = parseArgs({
  options: {
    suites: { type: 'string', default: 'peer' },
    threads: { type: 'string' },
    sessions: { type: 'string' },
    'max-seconds': { type: 'string' },
    'small-requests': { type: 'string', default: '160' },
    'phone-requests': { type: 'string', default: '60' },
    'sweep-requests': { type: 'string', default: '64' },
    rounds: { type: 'string', default: '1' },
    requests: { type: 'string', default: '240' },
    'pytorch-requests': { type: 'string', default: '30' },
    'component-rounds': { type: 'string', default: '5' },
    'skip-pytorch': { type: 'boolean', default: false },
    arch: { type: 'string', default: 'mobilenet_v3_large' },
    out: { type: 'string' },
  },
}).values;

const Suites = z.array(z.enum(['peer', 'mobilenet'])).min(1);
const suites = Suites.parse((args.suites ?? 'peer').split(',').map((s) => s.trim()));
const root = workspaceRoot();
const spec = loadPlatformSpec(process.env);
const threads = args.threads ? Number(args.threads) : effectiveThreads(spec.modelServer.intraOpThreads);
/** Inference sessions, as the server resolves them (config.ts): --sessions, else its variable, else the spec's. */
const sessions = sessionsFor(
  Number(
    args.sessions ?? process.env[MODEL_SERVER_ENV.inferenceSessions] ?? spec.modelServer.inferenceSessions,
  ),
  threads,
);
const benchDir = join(root, 'dist/benchmarks');
const arch = z.enum(MOBILENET_ARCHS).parse(args.arch);
const outFile =
  args.out ?? `dist/benchmarks/model-server${arch === 'mobilenet_v3_large' ? '' : `-${arch}`}.json`;

async function main(): Promise<void> {
  const t0 = performance.now();
  mkdirSync(benchDir, { recursive: true });
  const loadavgBefore = loadavg();
  const peer = suites.includes('peer')
    ? await runPeerSuite(
        {
          root,
          benchDir,
          cores: availableParallelism(),
          topK: spec.invoker.defaultTopK,
          requests: { small: Number(args['small-requests']), phone: Number(args['phone-requests']) },
          maxSeconds: Number(args['max-seconds'] ?? 15),
          sweepRequests: Number(args['sweep-requests']),
          rounds: Number(args.rounds),
          log: console.log,
        },
        { threads, sessions },
      )
    : undefined;
  const mobilenet = suites.includes('mobilenet')
    ? await runMobilenetSuite({
        root,
        benchDir,
        spec,
        threads,
        sessions,
        requestsPerLevel: Number(args.requests),
        maxSeconds: Number(args['max-seconds'] ?? 60),
        pytorchRequests: Number(args['pytorch-requests']),
        componentRounds: Number(args['component-rounds']),
        skipPytorch: args['skip-pytorch'] === true,
        arch,
      })
    : undefined;
  const exports = readExportFigures(join(benchDir, 'export.json'));
  const report = {
    generatedAt: new Date().toISOString(),
    seconds: (performance.now() - t0) / 1000,
    machine: {
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model,
      node: process.version,
      loadavgBefore,
      loadavgAfter: loadavg(),
    },
    suites,
    peer: peer && { ...peer, targets: PEER_TARGETS },
    mobilenet,
    exports,
  };
  writeFileSync(resolve(root, outFile), `${JSON.stringify(report, null, 2)}\n`);

  if (peer) {
    console.log(`\nours against the peer, ${peer.model.architecture} (${peer.model.numClasses} classes):`);
    if (peer.rounds > 1) console.log(`(each level the best of ${peer.rounds} alternating rounds)`);
    console.log(levelTable(peer.best.map((r) => ({ ...r, server: serverLabel(r) }))));
    console.log('');
    console.log(comparisonTable(peer.comparisons));
    const lt = peer.latencyTuned;
    console.log(
      `latency-tuned (each one's lowest p50 at concurrency 1 in the sweep, small photos): ours ${lt.ours.p50AtConcurrency1Ms.toFixed(1)} ms ` +
        `(${serverLabel({ server: 'ours', config: lt.ours.config })}) / peer ${lt.peer.p50AtConcurrency1Ms.toFixed(1)} ms ` +
        `(${serverLabel({ server: 'peer', config: lt.peer.config })}) = ${lt.ratio.toFixed(2)}× (context; the target is read at the throughput-best configurations above)`,
    );
    for (const [set, a] of Object.entries(peer.topOneAgreement)) {
      console.log(`top-1 agreement, ${set} photos: ${a.agreed} of ${a.compared}`);
    }
  }
  console.log('');
  console.log(
    exports.status === 'found'
      ? exportTable(exports)
      : `export figures (plain / folded / INT8): ${exports.reason}`,
  );
  console.log(
    `\n${((performance.now() - t0) / 1000).toFixed(0)} s; load average ${loadavgBefore[0]?.toFixed(1)} → ${loadavg()[0]?.toFixed(1)}; figures written to ${outFile}`,
  );
}

function serverLabel(r: { server: string; config: object }): string {
  const c = r.config as { sessions?: number; workers?: number; threads: number };
  return r.server === 'ours'
    ? `ours (${c.sessions} sess × ${c.threads} thr)`
    : `peer (${c.workers} wkr × ${c.threads} thr)`;
}

main().catch((err: unknown) => {
  killAll();
  killPeers();
  console.error(err);
  process.exit(1);
});
